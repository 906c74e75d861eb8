/**
 * Bundled plugins installed on first use, end to end: real etcd, real HTTP,
 * real plugin subprocesses and install hooks, with the plugins module's
 * `bundledDir` pointed at a fixture directory built here (a macro plugin,
 * one known by its alias, and a stand-in for caddy).
 *
 * - `offline`: its GitHub API is a dead address, so every install that
 *   succeeds there touched no network;
 * - `online`: a loopback GitHub serving one release, for `plugin { repo,
 *   version }`, which must keep going there even when a bundled copy exists;
 * - `edge`: deployments and the ingress module with the default plugin
 *   `caddy`, not installed — the first ingress installs the bundled one.
 */
import test from 'ava';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { NotFoundError } from '../../lib/errors.js';
import { keys } from '../../lib/identity.js';
import type { IngressStatus } from '../../modules/ingress/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, removeScopes, requireDocker, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { sha256 } from '../fixtures/plugin-releases/build.js';
import { startFakeGithub, type FakeGithub } from '../fixtures/plugin-releases/fake-github.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const APPLY_MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'apply', 'workload', 'plugins'];
const EDGE_MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'app', 'workload', 'deployment', 'plugins', 'ingress'];
/** Scope prefix of the edge controller's deployments, removed by prefix at the end. */
const PREFIX = uniqueName('bndl');

let etcd: TestEtcd;
let work: string;
let bundled: string;
let hookLog: string;
let caddyLog: string;
let github: FakeGithub;
let offline: ModuleController;
let online: ModuleController;
let edge: ModuleController | undefined;

/** The macro fixture as plugin `name`, with an install hook appending `<name> <argv1>` to $BUNDLED_HOOK_LOG. */
async function macroPlugin(dir: string, name: string, version: string, aliases: string[] = []): Promise<void> {
  await cp(join(FIXTURES, 'macro'), dir, { recursive: true });
  await writeFile(
    join(dir, 'plugin.yml'),
    `name: ${name}\nversion: ${version}\n${aliases.length ? `aliases: [${aliases.join(', ')}]\n` : ''}commands:\n  - name: expand\n`,
  );
  await writeFile(join(dir, 'install'), `#!/bin/sh\necho "${name} $1" >> "$BUNDLED_HOOK_LOG"\n`, { mode: 0o755 });
}

test.before(async () => {
  await requireDocker();
  work = await mkdtemp(join(tmpdir(), 'voodu-plugins-bundled-'));
  hookLog = join(work, 'hooks.log');
  caddyLog = join(work, 'caddy-calls.jsonl');
  await writeFile(hookLog, '');
  await writeFile(caddyLog, '');
  process.env.BUNDLED_HOOK_LOG = hookLog;
  process.env.FAKE_CADDY_LOG = caddyLog;

  bundled = join(work, 'bundled');
  await mkdir(bundled);
  await macroPlugin(join(bundled, 'bundb'), 'bundb', '0.2.0');
  // Directory and name differ on purpose: found by the alias in plugin.yml, not the directory.
  await macroPlugin(join(bundled, 'alias-dir'), 'aliasdb', '0.1.0', ['adb']);
  // The recording stand-in for the ingress plugin, under the name the ingress module asks for.
  await cp(join(FIXTURES, 'fake-caddy'), join(bundled, 'caddy'), { recursive: true });
  const yml = await readFile(join(bundled, 'caddy', 'plugin.yml'), 'utf8');
  await writeFile(join(bundled, 'caddy', 'plugin.yml'), yml.replace(/^name: fake-caddy$/m, 'name: caddy'));
  await writeFile(join(bundled, 'caddy', 'install'), '#!/bin/sh\necho "caddy $1" >> "$BUNDLED_HOOK_LOG"\n', { mode: 0o755 });

  // A release of bundb 1.0.0 on the loopback GitHub, for the pinned block.
  const release = join(work, 'release-bundb');
  await macroPlugin(release, 'bundb', '1.0.0');
  const tarball = join(work, 'voodu-bundb_1.0.0.tar.gz');
  await tar.create({ gzip: true, file: tarball, cwd: release, portable: true }, ['plugin.yml', 'bin', 'install']);
  const body = await readFile(tarball);
  github = await startFakeGithub('acme', 'voodu-bundb', [
    {
      tag: 'v1.0.0',
      assets: [
        { name: 'voodu-bundb_1.0.0.tar.gz', body },
        { name: 'voodu-bundb_1.0.0.tar.gz.sha256', body: `${sha256(body)}  voodu-bundb_1.0.0.tar.gz\n` },
      ],
    },
  ]);

  etcd = await startEtcd();
  offline = await bootModules(etcd.endpoint, APPLY_MODULES, {
    plugins: { bundledDir: bundled, timeoutMs: 10_000, install: { githubApi: 'http://127.0.0.1:1', retries: 0, apiTimeoutMs: 2000 } },
  });
  online = await bootModules(etcd.endpoint, APPLY_MODULES, {
    plugins: { bundledDir: bundled, timeoutMs: 10_000, install: { githubApi: github.url, retries: 0 } },
  });
});

test.after.always(async () => {
  await offline?.stop();
  await online?.stop();
  await edge?.stop();
  await removeScopes(PREFIX);
  await etcd?.stop();
  await github?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const exists = (p: string) => stat(p).then(() => true, () => false);
const stored = (kind: string, scope: string, name: string) => etcd.store.get(keys.desired({ kind, scope, name }));
const hooks = async () => (await readFile(hookLog, 'utf8')).split('\n').filter(Boolean);

test.serial('a block of a kind nobody installed installs the bundled copy offline, reports it and expands; the next apply reuses it', async (t) => {
  const first = await callApi(offline, 'POST', '/apply', { kind: 'bundb', scope: 'bndl', name: 'one', spec: { version: '15' } });
  t.is(first.status, 200, first.body.error);
  t.deepEqual(first.body.data.plugin_installs, [{ plugin: 'bundb', version: '0.2.0', source: 'bundled' }]);
  const sts = await stored('statefulset', 'bndl', 'one');
  t.truthy(sts, 'the expansion was stored');
  t.is(JSON.parse(sts!.value).spec.env.FAKEDB_VERSION, '15');
  t.truthy(await etcd.store.get('/config/bndl/one/FAKEDB_PASSWORD'), "the expansion's action ran");

  // Installed the way a local-path install leaves it: its own directory, the source recorded, the hook run.
  const dir = join(offline.root, 'plugins', 'bundb');
  const record = JSON.parse(await readFile(join(dir, '.voodu-source.json'), 'utf8'));
  t.like(record, { source: join(bundled, 'bundb'), version: '0.2.0' });
  t.deepEqual(await hooks(), ['bundb bundb']);

  const again = await callApi(offline, 'POST', '/apply', [
    { kind: 'bundb', scope: 'bndl', name: 'one', spec: { version: '15' } },
    { kind: 'bundb', scope: 'bndl', name: 'two', spec: {} },
  ]);
  t.is(again.status, 200, again.body.error);
  t.is(again.body.data.plugin_installs, undefined, 'an installed plugin is used as it is');
  t.deepEqual(await hooks(), ['bundb bundb'], 'no second install');
  t.truthy(await stored('statefulset', 'bndl', 'two'));

  const listed = await callApi(offline, 'GET', '/plugins');
  t.is(listed.body.data.plugins.find((p: any) => p.name === 'bundb').source, join(bundled, 'bundb'));
});

test.serial('a bundled plugin is found by an alias in its plugin.yml, whatever its directory is called', async (t) => {
  const res = await callApi(offline, 'POST', '/apply', { kind: 'adb', scope: 'bndl', name: 'aliased', spec: {} });
  t.is(res.status, 200, res.body.error);
  t.deepEqual(res.body.data.plugin_installs, [{ plugin: 'aliasdb', version: '0.1.0', source: 'bundled' }]);
  t.true(await exists(join(offline.root, 'plugins', 'aliasdb', 'plugin.yml')));
  t.truthy(await stored('statefulset', 'bndl', 'aliased'));
});

test.serial('a kind neither installed nor bundled is a 400 naming the kind, what the project ships and the failed GitHub try; nothing is stored', async (t) => {
  const res = await callApi(offline, 'POST', '/apply', { kind: 'nosuchdb', scope: 'bndl', name: 'x', spec: {} });
  t.is(res.status, 400);
  t.regex(res.body.error!, /unknown kind "nosuchdb": no installed plugin owns it, the project ships none by that name \(it ships aliasdb, bundb, caddy\), and installing one from thadeu\/voodu-nosuchdb failed: .*; set plugin \{ repo = "owner\/repo" \} in the block, or install one with `voodu plugins:install/);
  t.is(await stored('statefulset', 'bndl', 'x'), undefined);
  t.false(await exists(join(offline.root, 'plugins', 'nosuchdb')));
});

test.serial('a bundled plugin with no expand command is refused as a block before anything is installed', async (t) => {
  const res = await callApi(offline, 'POST', '/apply', { kind: 'caddy', scope: 'bndl', name: 'edge', spec: {} });
  t.is(res.status, 400);
  t.regex(res.body.error!, /kind "caddy": the bundled plugin "caddy" \(.*\) has no expand command, so it is not a macro plugin/);
  t.false(await exists(join(offline.root, 'plugins', 'caddy')));
  t.false((await hooks()).some((l) => l.startsWith('caddy')));
});

test.serial('plugins.ensure: two callers at once share one bundled install; a name nobody ships is a NotFoundError with the fix', async (t) => {
  const plugins = offline.kernel.services.get('plugins', 'test');
  const [a, b] = await Promise.all([plugins.ensure('caddy'), plugins.ensure('caddy')]);
  t.deepEqual([a.installedFrom, b.installedFrom].filter(Boolean), ['bundled'], 'exactly one of them installed it');
  t.like(a, { name: 'caddy', version: '0.1.0' });
  t.is((await hooks()).filter((l) => l.startsWith('caddy')).length, 1, 'one install hook run');
  t.is((await plugins.ensure('caddy')).installedFrom, undefined);

  const err = await t.throwsAsync(plugins.ensure('nothing-here'));
  t.true(err instanceof NotFoundError);
  t.regex(err!.message, /plugin "nothing-here" is not installed in .*, and the project ships no plugin by that name \(it ships aliasdb, bundb, caddy\); install it with `voodu plugins:install/);
});

test.serial('plugin { repo, version } installs from GitHub as before, even when the project ships that kind', async (t) => {
  const res = await callApi(online, 'POST', '/apply', {
    kind: 'bundb',
    scope: 'bndl-gh',
    name: 'pinned',
    spec: { plugin: { repo: 'acme/voodu-bundb', version: '1.0.0' } },
  });
  t.is(res.status, 200, res.body.error);
  t.deepEqual(res.body.data.plugin_installs, [{ plugin: 'bundb', version: '1.0.0', source: 'acme/voodu-bundb' }]);
  t.true(github.hits.some((h) => h.path.startsWith('/repos/acme/voodu-bundb/releases')), 'the releases API was asked');
  const record = JSON.parse(await readFile(join(online.root, 'plugins', 'bundb', '.voodu-source.json'), 'utf8'));
  t.like(record, { source: 'acme/voodu-bundb', version: '1.0.0' });
  t.truthy(await stored('statefulset', 'bndl-gh', 'pinned'));
});

test.serial('the first ingress installs the bundled caddy plugin when none is installed, and its route goes through it', async (t) => {
  edge = await bootModules(etcd.endpoint, EDGE_MODULES, {
    plugins: { bundledDir: bundled, install: { githubApi: 'http://127.0.0.1:1', retries: 0 } },
    ingress: { debounceMs: 100 },
    deployment: { readyTimeoutMs: 20_000 },
  });
  const ctl = edge;
  const scope = `${PREFIX}-web`;
  const context = () => ctl.logs.slice(-30).join('\n');
  t.false(await exists(join(ctl.root, 'plugins', 'caddy')));

  const res = await callApi(ctl, 'POST', '/apply', {
    kind: 'app',
    scope,
    name: 'web',
    spec: { image: TEST_IMAGE, command: ['sh', '-c', 'mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www'], ports: ['8080'], host: 'web.bundled.test' },
  });
  t.is(res.status, 200, res.body.error);

  const store = ctl.kernel.services.get('store', 'test');
  const status = await waitFor(
    'the ingress applied through the bundled caddy',
    async () => {
      const s = await store.getJSON<IngressStatus>(keys.status('ingress', scope, 'web'));
      return s?.env_hash ? s : undefined;
    },
    { timeoutMs: 30_000, context },
  );
  t.is(status.plugin, 'caddy');
  t.falsy(status.last_reconcile_error);
  const record = JSON.parse(await readFile(join(ctl.root, 'plugins', 'caddy', '.voodu-source.json'), 'utf8'));
  t.is(record.source, join(bundled, 'caddy'));
  const calls = (await readFile(caddyLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { command: string; env: Record<string, string> });
  t.true(calls.some((c) => c.command === 'apply' && c.env.VOODU_INGRESS_HOST === 'web.bundled.test'), JSON.stringify(calls));
  t.true(ctl.logs.some((l) => /installed the bundled plugin "caddy" 0\.1\.0/.test(l)), context());
});
