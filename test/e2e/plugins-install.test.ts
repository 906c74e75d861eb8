/**
 * The plugin installer end to end: real files, real tarballs,
 * a loopback "GitHub" serving releases over HTTP, real hook processes, and
 * the HTTP routes + CLI verbs on a booted api module. No Docker, no etcd.
 */
import test from 'ava';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../cli/main.js';
import { createLogger } from '../../kernel/index.js';
import { createInstaller, PluginInstallError } from '../../modules/plugins/install/index.js';
import { registerInstallRoutes } from '../../modules/plugins/install/routes.js';
import { loadAll, loadPluginDir } from '../../modules/plugins/load.js';
import { apiFetch } from '../helpers/http.js';
import { bootModules } from '../helpers/controller.js';
import { demoEntries, demoTarball, rawTarball, sha256, writeDemo } from '../fixtures/plugin-releases/build.js';
import { startFakeGithub, type FakeGithub, type FakeRelease } from '../fixtures/plugin-releases/fake-github.js';

const TOKEN = 'ghp_test_secret_token_123';
let work: string;
let markers: string;
let releases: FakeRelease[];
let github: FakeGithub;

const asset = (name: string, body: Buffer) => [
  { name, body },
  { name: `${name}.sha256`, body: `${sha256(body)}  ${name}\n` },
];

test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'voodu-plugins-install-'));
  markers = join(work, 'markers');
  await mkdir(markers);
  // The controller's own token must never reach a plugin's hook.
  process.env.GITHUB_TOKEN = 'env-token-must-not-leak';
  const build = (v: string | undefined, o?: Parameters<typeof demoTarball>[3]) => demoTarball(work, v, markers, o);
  const v200 = await build('2.0.0', { topDir: 'voodu-demo-2.0.0' });
  const v120 = await build('1.2.0');
  const v100 = await build('1.0.0');
  const v090 = await build('0.9.0');
  const v060 = await build('0.6.0', { extra: { 'fail-install': 'yes\n' } });
  const v050 = await build('0.4.0');
  const rc = await build('2.1.0-rc.1');
  const dotdot = rawTarball([...(await demoEntries('0.8.0', markers)), { path: '../evil.txt', body: 'escaped\n' }]);
  const escape = rawTarball([...(await demoEntries('0.7.0', markers)), { path: 'bin/escape', type: 'SymbolicLink', linkpath: '../../../../../../etc/passwd' }]);
  releases = [
    { tag: 'v3.0.0', draft: true, assets: asset('voodu-demo_3.0.0.tar.gz', v200) },
    { tag: 'v2.1.0-rc.1', prerelease: true, assets: asset('voodu-demo_2.1.0-rc.1.tar.gz', rc) },
    { tag: 'nightly', assets: asset('voodu-demo_nightly.tar.gz', v200) },
    {
      tag: 'v2.0.0',
      assets: [
        { name: 'voodu-demo_2.0.0.tar.gz', body: v200 },
        { name: 'checksums.txt', body: `${sha256(Buffer.from('other'))}  other.tar.gz\n${sha256(v200)}  voodu-demo_2.0.0.tar.gz\n` },
      ],
    },
    { tag: 'v1.2.0', assets: asset('voodu-demo_1.2.0.tar.gz', v120) },
    { tag: 'v1.1.0', sourceArchive: await build('1.1.0', { topDir: 'acme-voodu-demo-1a2b3c4' }) },
    { tag: 'v1.0.0', assets: asset('voodu-demo_1.0.0.tar.gz', v100) },
    { tag: 'v0.9.0', assets: [{ name: 'voodu-demo_0.9.0.tar.gz', body: v090 }, { name: 'voodu-demo_0.9.0.tar.gz.sha256', body: `${sha256(v100)}  voodu-demo_0.9.0.tar.gz\n` }] },
    { tag: 'v0.8.0', assets: asset('voodu-demo_0.8.0.tar.gz', dotdot) },
    { tag: 'v0.7.0', assets: asset('voodu-demo_0.7.0.tar.gz', escape) },
    { tag: 'v0.6.0', assets: asset('voodu-demo_0.6.0.tar.gz', v060) },
    { tag: 'v0.5.0', assets: asset('voodu-demo_0.5.0.tar.gz', v050) },
  ];
  github = await startFakeGithub('acme', 'voodu-demo', releases);
});

test.after.always(async () => {
  await github?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Setup {
  root: string;
  pluginsDir: string;
  cacheDir: string;
  logs: string[];
  progress: string[];
  installer: ReturnType<typeof createInstaller>;
}

async function setup(api = github.url, extra: { retries?: number } = {}): Promise<Setup> {
  const root = await mkdtemp(join(work, 'root-'));
  const logs: string[] = [];
  const pluginsDir = join(root, 'plugins');
  const cacheDir = join(root, 'cache', 'plugins');
  const installer = createInstaller({
    pluginsDir,
    cacheDir,
    githubApi: api,
    token: TOKEN,
    loadPluginDir,
    log: createLogger({ level: 'debug', sink: (l) => logs.push(l) }),
    retries: extra.retries ?? 2,
    backoffMs: 50,
    apiTimeoutMs: 5000,
  });
  return { root, pluginsDir, cacheDir, logs, progress: [], installer };
}

const opts = (s: Setup, version?: string) => ({ ...(version ? { version } : {}), onProgress: (l: string) => s.progress.push(l) });

async function installedVersion(s: Setup, name = 'demo'): Promise<string | undefined> {
  return (await loadPluginDir(join(s.pluginsDir, name))).manifest.version;
}

async function leftovers(s: Setup): Promise<string[]> {
  return (await readdir(s.pluginsDir)).filter((n) => n.startsWith('.'));
}

async function hookLog(): Promise<string> {
  return readFile(join(markers, 'hooks.log'), 'utf8').catch(() => '');
}

test('installs from a local path: links inside are copied as files, the hook runs with the plugin env, the source is recorded', async (t) => {
  const s = await setup();
  const src = join(s.root, 'src-demo');
  await writeDemo(src, '0.0.1', markers);
  await symlink('hello', join(src, 'bin', 'hi'));
  const result = await s.installer.install(src, opts(s, '9.9.9'));
  t.is(result.name, 'demo');
  t.is(result.version, '0.0.1');
  t.is(result.source, src);
  t.is(result.dir, join(s.pluginsDir, 'demo'));
  t.false(result.cached);
  t.true(s.progress.some((l) => l.includes('ignored')), 'a version given with a local path is reported as ignored');
  const hi = await lstat(join(result.dir, 'bin', 'hi'));
  t.true(hi.isFile() && !hi.isSymbolicLink(), 'the symlink was dereferenced');
  t.is(hi.mode & 0o777, 0o755);
  const loaded = await loadPluginDir(result.dir);
  t.is(loaded.source, src, 'the loader reads the recorded source back');
  t.is((await readFile(join(result.dir, '.hook-ran'), 'utf8')).trim(), 'demo', 'the hook got the plugin name as argv[1] and ran in the plugin dir');
  const log = await hookLog();
  t.true(log.includes(`install demo dir=${result.dir} home=${result.dir} token=none`), log);
  t.deepEqual(await leftovers(s), []);

  // A link pointing out of the source directory is refused, and nothing is left behind.
  const bad = join(s.root, 'src-bad');
  await writeDemo(bad, '0.0.2', markers);
  await symlink('/etc/hostname', join(bad, 'bin', 'host'));
  const err = await t.throwsAsync(s.installer.install(bad));
  t.regex(err!.message, /outside the plugin directory/);
  t.is(await installedVersion(s), '0.0.1');
  t.deepEqual(await leftovers(s), []);
});

test('latest skips drafts, prereleases and non-semver tags; the token goes to the API only and never into logs', async (t) => {
  // A server of its own: the other tests' requests would mix into the journal.
  const own = await startFakeGithub('acme', 'voodu-demo', releases);
  t.teardown(() => own.close());
  const s = await setup(own.url);
  const result = await s.installer.install('acme/voodu-demo', opts(s));
  t.is(result.version, '2.0.0');
  t.is(await installedVersion(s), '2.0.0');
  const hits = own.hits;
  const api = hits.filter((h) => h.path.startsWith('/repos/'));
  const downloads = hits.filter((h) => h.path.startsWith('/dl/'));
  t.true(api.length >= 6, `every page of releases was read (${api.map((h) => h.path).join(' ')})`);
  t.true(api.every((h) => h.auth === `Bearer ${TOKEN}`));
  t.deepEqual(downloads.map((h) => h.path).sort(), ['/dl/v2.0.0/checksums.txt', '/dl/v2.0.0/voodu-demo_2.0.0.tar.gz']);
  t.true(downloads.every((h) => h.auth === undefined), 'no token to the download host');
  t.true(s.progress.some((l) => /verified voodu-demo_2\.0\.0\.tar\.gz.*checksums\.txt/.test(l)), s.progress.join('\n'));
  t.true(s.progress.some((l) => /downloading voodu-demo_2\.0\.0\.tar\.gz: 100%/.test(l)));
  t.false([...s.logs, ...s.progress].join('\n').includes(TOKEN));
  // A single top-level directory in the tarball is stripped.
  t.truthy(await lstat(join(result.dir, 'plugin.yml')));
  const meta = JSON.parse(await readFile(join(s.cacheDir, 'acme', 'voodu-demo', '2.0.0', 'meta.json'), 'utf8'));
  t.true(meta.verified);
});

test('an exact pin, ranges and a prerelease range land the version asked; an unknown version lists what exists', async (t) => {
  const s = await setup();
  t.is((await s.installer.install('acme/voodu-demo@v1.0.0', opts(s))).version, '1.0.0');
  t.is(await installedVersion(s), '1.0.0');
  t.is((await s.installer.install('https://github.com/acme/voodu-demo', opts(s, '^1.1'))).version, '1.2.0');
  t.is(await installedVersion(s), '1.2.0');
  // 1.1.0 has no assets: its source archive is used, with the top directory stripped.
  const r110 = await s.installer.install('github.com/acme/voodu-demo', opts(s, '~1.1.0'));
  t.is(r110.version, '1.1.0');
  t.is(await installedVersion(s), '1.1.0');
  t.true(s.progress.some((l) => l.includes('publishes no sha256 (GitHub source archive)')));
  t.is((await s.installer.install('acme/voodu-demo', opts(s, '>=2.1.0-rc.0'))).version, '2.1.0-rc.1');
  const err = await t.throwsAsync(s.installer.install('acme/voodu-demo', opts(s, '9.9.9')));
  t.regex(err!.message, /no release with version 9\.9\.9 \(releases: 2\.1\.0-rc\.1, 2\.0\.0, 1\.2\.0/);
  const conflict = await t.throwsAsync(s.installer.install('acme/voodu-demo@1.0.0', opts(s, '1.2.0')));
  t.regex(conflict!.message, /^version: /);
  t.deepEqual(await leftovers(s), []);
});

test('a bad checksum, a ../ entry, an escaping symlink and a drifted plugin.yml are refused and leave the previous install intact', async (t) => {
  const s = await setup();
  await s.installer.install('acme/voodu-demo', opts(s, '1.0.0'));
  const cases: [string, RegExp][] = [
    ['0.9.0', /sha256 mismatch for voodu-demo_0\.9\.0\.tar\.gz.*refusing/],
    ['0.8.0', /not a safe plugin archive: entry "\.\.\/evil\.txt" is an absolute path or walks out with '\.\.'/],
    ['0.7.0', /not a safe plugin archive: symlink "bin\/escape" points to .*outside the plugin directory/],
    ['0.5.0', /release 0\.5\.0 contains a plugin\.yml with version "0\.4\.0"; the tag and plugin\.yml drifted/],
  ];
  for (const [version, message] of cases) {
    const err = await t.throwsAsync(s.installer.install('acme/voodu-demo', opts(s, version)));
    t.regex(err!.message, message, version);
    t.is(await installedVersion(s), '1.0.0', `${version} left 1.0.0 in place`);
    t.deepEqual(await leftovers(s), [], `${version} left no staging dir`);
  }
  for (const dir of [s.root, s.pluginsDir, work]) t.false((await readdir(dir)).includes('evil.txt'), `nothing escaped into ${dir}`);
  await t.throwsAsync(lstat(join(s.cacheDir, 'acme', 'voodu-demo', '0.9.0', 'meta.json')), undefined, 'a tarball failing its checksum is not cached');
});

test('a failing install hook puts the previous version back and reports the last 8 lines', async (t) => {
  const s = await setup();
  await s.installer.install('acme/voodu-demo', opts(s, '1.0.0'));
  const err = await t.throwsAsync(s.installer.install('acme/voodu-demo', opts(s, '0.6.0')));
  t.true(err instanceof PluginInstallError);
  t.regex(err!.message, /^plugin "demo": install hook: install hook exited 3/);
  t.true(err!.message.includes('hook line 3') && err!.message.includes('hook line 10'));
  t.false(err!.message.includes('hook line 2\n'), 'only the last 8 lines');
  t.is(await installedVersion(s), '1.0.0');
  await t.throwsAsync(lstat(join(s.pluginsDir, 'demo', 'fail-install')));
  t.deepEqual(await leftovers(s), []);
  t.true(s.logs.some((l) => l.includes('install hook demo: hook line 1')), 'hook output is logged');
});

test('an install hook past its timeout is killed with its children, and the previous version is put back', async (t) => {
  const s = await setup();
  const installer = createInstaller({
    pluginsDir: s.pluginsDir,
    cacheDir: s.cacheDir,
    loadPluginDir,
    log: createLogger({ sink: (l) => s.logs.push(l) }),
    hookTimeoutMs: 1500,
  });
  const good = join(s.root, 'good');
  await writeDemo(good, '0.1.0', markers);
  await installer.install(good);
  const slow = join(s.root, 'slow');
  const pidFile = join(s.root, 'child.pid');
  await writeDemo(slow, '0.2.0', markers, {
    install: `#!/bin/sh\nsleep 60 &\necho $! > ${JSON.stringify(pidFile)}\necho waiting\nwait\n`,
  });
  const err = await t.throwsAsync(installer.install(slow));
  t.regex(err!.message, /install hook timed out after 2 s and was killed\nwaiting/);
  t.is(await installedVersion(s), '0.1.0');
  const child = Number((await readFile(pidFile, 'utf8')).trim());
  const alive = () => {
    try {
      process.kill(child, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 5000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.false(alive(), 'the hook\'s background child was killed too');
});

test('a 503 on the download is retried; a re-install of a resolved version uses the cache, and with the server stopped too', async (t) => {
  const own = await startFakeGithub('acme', 'voodu-demo', releases);
  t.teardown(() => own.close());
  const s = await setup(own.url, { retries: 1 });
  own.failNext('/dl/v1.2.0/voodu-demo_1.2.0.tar.gz', 2);
  const sOk = await setup(own.url, { retries: 3 });
  t.is((await sOk.installer.install('acme/voodu-demo@1.2.0', opts(sOk))).version, '1.2.0');
  t.is(own.hits.filter((h) => h.path === '/dl/v1.2.0/voodu-demo_1.2.0.tar.gz').length, 3, 'two 503s, then the download');
  t.true(sOk.progress.some((l) => /retrying in \d+ ms/.test(l)));

  await s.installer.install('acme/voodu-demo@1.2.0', opts(s));
  await s.installer.install('acme/voodu-demo', opts(s)); // latest → 2.0.0, cached too
  const before = own.hits.length;
  const again = await s.installer.install('acme/voodu-demo@1.2.0', opts(s));
  t.true(again.cached);
  t.is(own.hits.length, before, 'an exact cached version makes no request at all');

  await own.close();
  s.progress.length = 0;
  const offline = await s.installer.install('acme/voodu-demo', opts(s, '1.2.0'));
  t.true(offline.cached);
  t.is(await installedVersion(s), '1.2.0');
  const latest = await s.installer.install('acme/voodu-demo', opts(s));
  t.is(latest.version, '2.0.0');
  t.true(s.progress.some((l) => /GitHub is unreachable .*using cached acme\/voodu-demo 2\.0\.0/.test(l)), s.progress.join('\n'));
  t.is((await s.installer.install('acme/voodu-demo', opts(s, '^1.0'))).version, '1.2.0');
  const err = await t.throwsAsync(s.installer.install('acme/voodu-demo', opts(s, '1.0.0')));
  t.regex(err!.message, /cannot reach GitHub/);
  t.is(await installedVersion(s), '1.2.0');
});

test('remove runs the uninstall hook and deletes the directory; unknown and invalid names are refused', async (t) => {
  const s = await setup();
  const src = join(s.root, 'src-demo');
  await writeDemo(src, '0.0.3', markers);
  await s.installer.install(src);
  const marker = `uninstall demo`;
  const before = (await hookLog()).split('\n').filter((l) => l === marker).length;
  await s.installer.remove('demo');
  t.is((await hookLog()).split('\n').filter((l) => l === marker).length, before + 1);
  await t.throwsAsync(lstat(join(s.pluginsDir, 'demo')));
  t.deepEqual(await leftovers(s), []);
  const missing = await t.throwsAsync(s.installer.remove('demo'));
  t.is((missing as { status?: number }).status, 404);
  const invalid = await t.throwsAsync(s.installer.remove('../etc'));
  t.is((invalid as { status?: number }).status, 400);
});

/** Runs the CLI in-process against `url`; returns exit code and output. */
async function cli(ctl: { url: string; root: string }, ...args: string[]) {
  let out = '';
  let err = '';
  const sink = (write: (s: string) => void) => new Writable({ write: (c, _e, cb) => (write(String(c)), cb()) });
  const code = await main(['node', 'voodu', '--controller-url', ctl.url, ...args], {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env: { VOODU_ROOT: ctl.root },
  });
  return { code, out, err };
}

test('the HTTP routes and the plugins verbs: install (path and --version), list, update from the recorded source, remove', async (t) => {
  const s = await setup();
  const ctl = await bootModules('http://127.0.0.1:1', ['paths', 'api']);
  t.teardown(() => ctl.stop());
  const api = ctl.kernel.services.get('api', 'test');
  const listPlugins = async () => {
    const all = await loadAll(s.pluginsDir);
    return { plugins: all.plugins.map((p) => ({ ...p.manifest, ...(p.source ? { source: p.source } : {}) })), errors: all.errors };
  };
  registerInstallRoutes(api, s.installer, { listPlugins, log: ctl.kernel.log.child('plugins') });
  // GET /plugins belongs to the plugins module; the same listing stands in for it here.
  api.route('GET', '/plugins', listPlugins);

  const post = (body: unknown) =>
    apiFetch(ctl, `/plugins/install`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const noSource = await post({ version: '1.0.0' });
  t.is(noSource.status, 400);
  t.regex(((await noSource.json()) as { error: string }).error, /^source: required/);
  const badVersion = await post({ source: 'acme/voodu-demo', version: 3 });
  t.is(badVersion.status, 400);
  t.regex(((await badVersion.json()) as { error: string }).error, /^version: must be a string/);
  const badRange = await post({ source: 'acme/voodu-demo', version: 'not a range' });
  t.is(badRange.status, 400);
  t.regex(((await badRange.json()) as { error: string }).error, /^version: "not a range" is neither a version nor a semver range/);

  const src = join(s.root, 'src-demo');
  await writeDemo(src, '0.0.4', markers);
  const installed = await cli(ctl, 'plugins:install', src, '-o', 'json');
  t.is(installed.code, 0, installed.err);
  const body = JSON.parse(installed.out);
  t.like(body, { name: 'demo', version: '0.0.4', source: src, cached: false, description: 'installer test plugin' });
  t.true(ctl.logs.some((l) => l.includes(`install ${src}: installed demo@0.0.4`)), 'progress lines are logged');
  // …and streamed to the CLI as they happen, on stderr (stdout stays the JSON answer).
  t.true(installed.err.includes(`  copying ${src}\n`), installed.err);
  t.true(installed.err.includes('  installed demo@0.0.4\n'), installed.err);

  const fromGithub = await cli(ctl, 'plugins', 'install', 'acme/voodu-demo', '--version', '1.0.0');
  t.is(fromGithub.code, 0, fromGithub.err);
  t.is(fromGithub.out, 'installed demo@1.0.0\n');
  t.regex(fromGithub.err, /^ {2}resolving acme\/voodu-demo .*$/m, fromGithub.err);
  t.regex(fromGithub.err, /^ {2}verified .*sha256/m, fromGithub.err);

  const listed = await cli(ctl, 'plugins:list');
  t.is(listed.out, 'demo@1.0.0  acme/voodu-demo\n');
  const updated = await cli(ctl, 'plugins', 'update', 'demo');
  t.is(updated.code, 0, updated.err);
  t.is(updated.out, 'updated demo 1.0.0 → 2.0.0\n');
  t.is(await installedVersion(s), '2.0.0');

  const removed = await cli(ctl, 'plugins', 'remove', 'demo');
  t.is(removed.out, 'removed demo\n');
  const again = await cli(ctl, 'plugins:remove', 'demo');
  t.is(again.code, 1);
  t.regex(again.err, /plugin "demo" not installed/);
  const invalid = await apiFetch(ctl, `/plugins/bad.name`, { method: 'DELETE' });
  t.is(invalid.status, 400);
  const empty = await cli(ctl, 'plugins');
  t.is(empty.out, 'no plugins installed\n');
});
