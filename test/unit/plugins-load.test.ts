/**
 * Plugin directories on disk:
 * plugin.yml validation with errors naming the file and field, command
 * discovery (commands/ then bin/, bin wins), entrypoint mode, bare plugins
 * without plugin.yml, alias resolution and names that could escape the root.
 */
import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { loadAll, loadByName, loadPluginDir } from '../../modules/plugins/load.js';
import { validatePluginYml } from '../../modules/plugins/manifest.js';
import { argvFor, parseEnvelope } from '../../modules/plugins/run.js';

let root: string;

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'voodu-plugins-unit-'));
});
test.after.always(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function plugin(dir: string, files: Record<string, string>): Promise<string> {
  const abs = join(root, dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(abs, path, '..'), { recursive: true });
    await writeFile(join(abs, path), content);
    if (path.startsWith('bin/') || path.startsWith('commands/')) await chmod(join(abs, path), 0o755);
  }
  return abs;
}

test.serial('plugin.yml fields are validated with the file and the field in the message', (t) => {
  const f = '/x/plugin.yml';
  const bad: [unknown, RegExp][] = [
    [{}, /\/x\/plugin\.yml: name: required/],
    [{ name: '../etc' }, /name: "\.\.\/etc" is not valid/],
    [{ name: 'pg', aliases: 'postgres' }, /aliases: must be a list/],
    [{ name: 'pg', aliases: ['ok', 'no way'] }, /aliases\[1\]: "no way" is not a valid name/],
    [{ name: 'pg', aliases: ['pg'] }, /aliases\[0\]: "pg" is the plugin's own name/],
    [{ name: 'pg', entrypoint: '../../bin/sh' }, /entrypoint: "\.\.\/\.\.\/bin\/sh" must be a path inside the plugin directory/],
    [{ name: 'pg', entrypoint: '/bin/sh' }, /entrypoint: .* must be a path inside/],
    [{ name: 'pg', commands: [{ name: 'a b' }] }, /commands\[0\]\.name: "a b" is not a valid command name/],
    [{ name: 'pg', commands: [{ name: 'x' }, { name: 'x' }] }, /commands\[1\]\.name: "x" is declared twice/],
    [{ name: 'pg', commands: [{ name: 'x', help: 3 }] }, /commands\[0\]\.help: must be a string/],
    [{ name: 'pg', env: { 'BAD-KEY': 'v' } }, /env\.BAD-KEY: is not an environment variable name/],
    [{ name: 'pg', env: { A: { nested: 1 } } }, /env\.A: must be a string, number or boolean/],
    [{ name: 'pg', routes: { port: 70000 } }, /routes\.port: must be a port number/],
    [['name: pg'], /\(top level\): must be a mapping/],
  ];
  for (const [raw, re] of bad) {
    const err = t.throws(() => validatePluginYml(raw, f), { instanceOf: ValidationError }, JSON.stringify(raw));
    t.regex(err!.message, re);
  }
  const ok = validatePluginYml(
    { name: 'postgres', version: 1.2, aliases: ['pg'], commands: ['info', { name: 'backups:capture', help: 'take one' }], env: { N: 5, B: true, E: null }, extra: 'ignored' },
    f,
  );
  t.deepEqual(ok, {
    name: 'postgres',
    version: '1.2',
    aliases: ['pg'],
    commands: [{ name: 'info' }, { name: 'backups:capture', help: 'take one' }],
    env: { N: '5', B: 'true', E: '' },
  });
});

test.serial('commands are discovered under commands/ then bin/ (bin wins), skipping dotfiles and sub-dirs', async (t) => {
  const dir = await plugin('redis', {
    'plugin.yml': 'name: redis\nversion: 0.14.0\ncommands:\n  - name: info\n    help: show it\n',
    'commands/info': '#!/bin/sh\necho commands\n',
    'commands/only-commands': '#!/bin/sh\n',
    'bin/info': '#!/bin/sh\necho bin\n',
    'bin/.hidden': '',
    'bin/sub/nested': '',
  });
  const p = await loadPluginDir(dir);
  t.is(p.manifest.name, 'redis');
  t.is(p.manifest.version, '0.14.0');
  t.deepEqual([...p.commands.keys()].sort(), ['info', 'only-commands']);
  t.is(p.commands.get('info'), join(dir, 'bin', 'info'));
  t.deepEqual(await argvFor(p, 'info', ['a']), [join(dir, 'bin', 'info'), 'a']);
  // Declared commands are metadata: the declared list stays as written.
  t.deepEqual(p.manifest.commands, [{ name: 'info', help: 'show it' }]);
});

test.serial('entrypoint mode maps every declared command to the entrypoint, command as argv[1]; a missing binary is a run-time error', async (t) => {
  const dir = await plugin('postgres', {
    'plugin.yml': 'name: postgres\naliases: [pg]\nentrypoint: bin/voodu-postgres\ncommands:\n  - name: promote\n  - name: backups:capture\n',
    'bin/unrelated': '#!/bin/sh\n',
  });
  const p = await loadPluginDir(dir);
  t.deepEqual([...p.commands.keys()], ['promote', 'backups:capture']);
  t.false(p.commands.has('unrelated'), 'entrypoint mode replaces the discovered map');
  await t.throwsAsync(argvFor(p, 'promote', []), { message: /entrypoint "bin\/voodu-postgres" not found or not a file .* did the install hook fetch the binary\?/ });
  await writeFile(join(dir, 'bin', 'voodu-postgres'), '#!/bin/sh\n');
  t.deepEqual(await argvFor(p, 'backups:capture', ['-r', '1']), [join(dir, 'bin', 'voodu-postgres'), 'backups:capture', '-r', '1']);
  await t.throwsAsync(argvFor(p, 'nope', []), { message: 'plugin "postgres": command "nope" not found' });
});

test.serial('without plugin.yml the name comes from commands/name, else the directory; commands are synthesised', async (t) => {
  const named = await plugin('dir-a', { 'commands/name': '# the name\n\necho "hello"\n', 'commands/greet': '#!/bin/sh\n' });
  const a = await loadPluginDir(named);
  t.is(a.manifest.name, 'hello');
  t.deepEqual(a.manifest.commands, [{ name: 'greet' }, { name: 'name' }]);
  const bare = await plugin('bare-one', { 'bin/run': '#!/bin/sh\n' });
  const b = await loadPluginDir(bare);
  t.is(b.manifest.name, 'bare-one');
  t.deepEqual(b.manifest.commands, [{ name: 'run' }]);
  // plugin.yml without commands: synthesised as well.
  const c = await loadPluginDir(await plugin('yml-no-cmds', { 'plugin.yml': 'name: ync\n', 'bin/x': '' }));
  t.deepEqual(c.manifest.commands, [{ name: 'x' }]);
});

test.serial('malformed plugin.yml is a load error naming the file; loadAll collects it and skips hidden dirs', async (t) => {
  const broken = await plugin('broken', { 'plugin.yml': 'name: [unclosed\n' });
  const err = await t.throwsAsync(loadPluginDir(broken), { instanceOf: ValidationError });
  t.regex(err!.message, new RegExp(`${join(broken, 'plugin.yml')}: not valid YAML`));
  await plugin('.install-123', { 'plugin.yml': 'name: staging\n' });
  const all = await loadAll(root);
  t.true(all.errors.some((e) => e.startsWith('broken: ')));
  t.false(all.plugins.some((p) => p.manifest.name === 'staging'), 'a hidden staging dir is not a plugin');
  t.true(all.plugins.some((p) => p.manifest.name === 'postgres'));
  t.deepEqual(await loadAll(join(root, 'missing')), { plugins: [], errors: [] });
});

test.serial('loadByName: directory first, then an exact alias; unknown and path-like names refused', async (t) => {
  t.is((await loadByName(root, 'postgres')).manifest.name, 'postgres');
  t.is((await loadByName(root, 'pg')).manifest.name, 'postgres');
  await t.throwsAsync(loadByName(root, 'PG'), { instanceOf: NotFoundError, message: /plugin "PG" not found in .* \(no directory match, no alias match\)/ });
  await t.throwsAsync(loadByName(root, '../etc'), { instanceOf: ValidationError });
  await t.throwsAsync(loadByName(root, ''), { instanceOf: ValidationError });
});

test.serial('the installer-recorded source is read back', async (t) => {
  const dir = await plugin('sourced', { 'plugin.yml': 'name: sourced\n', '.voodu-source.json': '{"source":"acme/voodu-sourced","version":"1.0.0"}' });
  t.is((await loadPluginDir(dir)).source, 'acme/voodu-sourced');
});

test.serial('envelope detection: an object with a non-empty status; anything else is plain text', (t) => {
  t.deepEqual(parseEnvelope(' {"status":"ok","data":[1]}\n'), { status: 'ok', data: [1] });
  t.deepEqual(parseEnvelope('{"status":"error","error":"boom"}'), { status: 'error', error: 'boom' });
  t.is(parseEnvelope('{"status":""}'), undefined);
  t.is(parseEnvelope('{"data":1}'), undefined);
  t.is(parseEnvelope('plain text'), undefined);
  t.is(parseEnvelope('{broken'), undefined);
});

test('a command may declare its own timeout in whole seconds; anything else names the field', (t) => {
  const m = validatePluginYml({ name: 'pg', commands: [{ name: 'promote', timeout: 600 }, { name: 'info' }] }, 'plugin.yml');
  t.deepEqual(m.commands, [{ name: 'promote', timeoutS: 600 }, { name: 'info' }]);
  for (const bad of [0, -5, 1.5, '600', 6 * 3600 + 1]) {
    const err = t.throws(() => validatePluginYml({ name: 'pg', commands: [{ name: 'promote', timeout: bad }] }, 'plugin.yml'), { instanceOf: ValidationError });
    t.regex(err!.message, /commands\[0\]\.timeout: must be whole seconds from 1 to 21600/);
  }
});
