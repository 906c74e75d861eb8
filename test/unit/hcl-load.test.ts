import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { loadManifests } from '../../cli/hcl/index.js';
import { ValidationError } from '../../lib/errors.js';

const dirs: string[] = [];
test.after.always(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-hcl-load-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const job = (scope: string, name: string) => `job "${scope}" "${name}" {\n  image = "busybox"\n}\n`;
const load = (cwd: string, files: string[], extra: Partial<Parameters<typeof loadManifests>[0]> = {}) =>
  loadManifests({ files, cwd, env: {}, ...extra });
const ids = (loaded: { manifest: { kind: string; scope?: string; name: string } }[]) =>
  loaded.map(({ manifest: m }) => `${m.kind}/${m.scope ?? ''}/${m.name}`);

test('-f resolution: .voodu/<p> before <p>, each with "", .hcl, .voodu, .vdu, .vd', async (t) => {
  const dir = await project({
    '.voodu/api.voodu': job('voodu', 'api'),
    'api.hcl': job('root', 'api'),
    'web.vd': job('root', 'web'),
    'exact': job('root', 'exact'),
  });
  t.deepEqual(ids(await load(dir, ['api'])), ['job/voodu/api'], '.voodu/ wins');
  t.deepEqual(ids(await load(dir, ['api.hcl'])), ['job/root/api']);
  t.deepEqual(ids(await load(dir, ['web'])), ['job/root/web']);
  t.deepEqual(ids(await load(dir, [join(dir, 'web.vd')])), ['job/root/web'], 'absolute paths are used as given');
  await t.throwsAsync(load(dir, ['exact']), { message: '-f exact: unsupported extension "" (want .hcl, .voodu, .vdu, .vd)' });
  await t.throwsAsync(load(dir, ['nope']), {
    instanceOf: ValidationError,
    message: '-f nope: no such file or directory (looked for .voodu/nope or nope, also with .hcl, .voodu, .vdu or .vd)',
  });
});

test('directories: recursive, lexicographic, manifest extensions only (any case)', async (t) => {
  const dir = await project({
    'stack/b.hcl': job('s', 'b'),
    'stack/a/z.VOODU': job('s', 'az'),
    'stack/a.vdu': job('s', 'a'),
    'stack/c.vd': job('s', 'c'),
    'stack/README.md': 'not a manifest',
    'stack/configs/app.conf': 'x=1',
    'stack/notes.hcl.bak': 'x',
  });
  const loaded = await load(dir, ['stack']);
  t.deepEqual(ids(loaded), ['job/s/az', 'job/s/a', 'job/s/b', 'job/s/c']);
  t.deepEqual(
    loaded.map((l) => l.source),
    ['stack/a/z.VOODU:1', 'stack/a.vdu:1', 'stack/b.hcl:1', 'stack/c.vd:1'],
  );
  const empty = await project({ 'empty/readme.txt': 'x' });
  await t.throwsAsync(load(empty, ['empty']), { message: /^-f empty: no manifest files \(\.hcl, \.voodu, \.vdu, \.vd\) under empty$/ });
});

test('several -f are loaded in order', async (t) => {
  const dir = await project({ 'b.hcl': job('p', 'b'), 'a.hcl': job('p', 'a') });
  t.deepEqual(ids(await load(dir, ['b.hcl', 'a.hcl'])), ['job/p/b', 'job/p/a']);
});

test('duplicate identities are rejected across files, naming both', async (t) => {
  const dir = await project({
    'one.hcl': `# header\n${job('prod', 'api')}`,
    'two.hcl': 'app "prod" "api" {\n  image = "x"\n  host = "api.example.com"\n}\n',
  });
  t.is((await load(dir, ['one.hcl', 'two.hcl'])).length, 3, 'a job and an app of one name do not collide');
  const err = await t.throwsAsync(load(dir, ['one.hcl', 'one.hcl']));
  t.regex(err?.message ?? '', /^duplicate identity job\/prod\/api: declared by job "prod" "api" at one\.hcl:2 and by job "prod" "api" at one\.hcl:2/);
  const dep = await project({
    'a.hcl': 'deployment "prod" "web" {\n  image = "x"\n}\n',
    'b.hcl': 'app "prod" "web" {\n  image = "x"\n  host = "web.example.com"\n}\n',
  });
  const err2 = await t.throwsAsync(load(dep, ['a.hcl', 'b.hcl']), { instanceOf: ValidationError });
  t.is(
    err2?.message,
    'duplicate identity deployment/prod/web: declared by deployment "prod" "web" at a.hcl:1 and by app "prod" "web" at b.hcl:1; an app block declares a deployment and an ingress of its name',
  );
  const same = await project({ 'x.hcl': `${job('a', 'x')}${job('b', 'x')}asset "x" {}\nasset "a" "x" {}\n` });
  t.is((await load(same, ['x.hcl'])).length, 4, 'same name in other scopes or kinds is fine');
});

test('stdin: --format is required; json is one manifest or a list, with no interpolation', async (t) => {
  const dir = await project({ 'app.env': 'FROM_FILE=1\n' });
  await t.throwsAsync(load(dir, ['-'], { stdin: '{}' }), { message: '-f -: --format hcl or --format json is required when reading stdin' });
  await t.throwsAsync(load(dir, ['-'], { format: 'json' }), { message: '-f -: nothing was read from stdin' });
  const one = await load(dir, ['-'], {
    format: 'json',
    stdin: JSON.stringify({ kind: 'deployment', scope: 'p', name: 'a', spec: { image: 'x:${STILL_HERE}', env_file: ['app.env'] } }),
    env: { STILL_HERE: 'no' },
  });
  t.deepEqual(one, [
    {
      source: '<stdin>',
      dir,
      manifest: {
        kind: 'deployment',
        scope: 'p',
        name: 'a',
        spec: { image: 'x:${STILL_HERE}', env: { FROM_FILE: '1' }, health_check: '/', logs: { max_size: '10m', max_files: 3 } },
      },
    },
  ]);
  const list = await load(dir, ['-'], {
    format: 'json',
    stdin: JSON.stringify([
      { kind: 'app', scope: 'p', name: 'w', spec: { image: 'x', host: 'w.example.com' } },
      { kind: 'redis', scope: 'data', name: 'cache', spec: { plugin: { version: 'latest' } } },
    ]),
  });
  t.deepEqual(ids(list), ['deployment/p/w', 'ingress/p/w', 'redis/data/cache']);
  t.deepEqual(list.map((l) => l.source), ['<stdin>[0]', '<stdin>[0]', '<stdin>[1]']);
  await t.throwsAsync(load(dir, ['-'], { format: 'json', stdin: '[{"kind":"job","scope":"p","name":"x","spec":{"replicas":1}}]' }), {
    message: '<stdin>[0]: job/p/x: replicas: unknown field; a job accepts image, command, env, volumes, network, networks, network_mode, build, extra_hosts, cap_add, stop_grace_period, stop_signal, dns_options, env_file, ulimits, docker_options, env_from, timeout, successful_history_limit, failed_history_limit, depends_on, resources, logs, labels',
  });
  await t.throwsAsync(load(dir, ['-'], { format: 'json', stdin: '{nope' }), { message: /^<stdin>: not valid JSON: / });
});

test('stdin hcl: interpolated, paths relative to the working directory', async (t) => {
  const dir = await project({ 'app.env': 'A=from-file\n' });
  const out = await load(dir, ['-'], {
    format: 'hcl',
    stdin: 'job "p" "x" {\n  image = "${IMG}"\n  env_file = ["app.env"]\n}\n',
    env: { IMG: 'busybox' },
  });
  t.deepEqual(out[0], {
    source: '<stdin>:1',
    dir,
    manifest: { kind: 'job', scope: 'p', name: 'x', spec: { image: 'busybox', env: { A: 'from-file' }, logs: { max_size: '10m', max_files: 3 } } },
  });
});

test('a byte-order mark and CRLF line endings are fine', async (t) => {
  const dir = await project({ 'win.hcl': '\uFEFFjob "p" "w" {\r\n  image = "x"\r\n}\r\nasset "w" {\r\n  motd = <<-EOT\r\n    hi\r\n    EOT\r\n}\r\n' });
  const [one, two] = await load(dir, ['win']);
  t.is(one!.manifest.spec.image, 'x');
  t.is((two!.manifest.spec.files as Record<string, string>).motd!.trim(), 'hi');
  t.is(two!.source, 'win.hcl:4');
});

test('no -f at all is an error', async (t) => {
  await t.throwsAsync(load(tmpdir(), []), { message: /^no manifests given/ });
});
