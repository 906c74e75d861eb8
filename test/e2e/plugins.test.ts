/**
 * Out-of-process plugins end to end (docs/plugin-protocol.md): real plugin subprocesses from test/fixtures/plugins, a real
 * etcd, real HTTP and the real CLI. No deployment or statefulset module
 * runs, so applied manifests are only stored; the job module is there for
 * the `run_job` action, whose run is a real container (removed by scope).
 */
import test from 'ava';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keys } from '../../lib/identity.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { removeScopes, requireDocker, uniqueName } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { apiFetch, callApi } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'apply', 'workload', 'job', 'plugins'];
/** Scope of the dispatch test's resources; unique, so concurrent runs on one engine never meet. */
const DISPATCH_SCOPE = uniqueName('disp');

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { plugins: { timeoutMs: 4000 } });
  work = await mkdtemp(join(tmpdir(), 'voodu-plugins-e2e-'));
  // Installed the way an install leaves them: one directory per plugin under $VOODU_ROOT/plugins.
  await cp(join(FIXTURES, 'macro'), join(ctl.root, 'plugins', 'fakedb'), { recursive: true });
  await cp(join(FIXTURES, 'dispatch'), join(ctl.root, 'plugins', 'acts'), { recursive: true });
});

test.after.always(async () => {
  await removeScopes(DISPATCH_SCOPE);
  await ctl?.stop();
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

async function cli(...args: string[]) {
  return runCli(args, { target: ctl });
}

async function hcl(name: string, text: string): Promise<string> {
  const file = join(work, name);
  await writeFile(file, text);
  return file;
}

const stored = (kind: string, scope: string, name: string) => etcd.store.get(keys.desired({ kind, scope, name }));
const exists = (p: string) => stat(p).then(() => true, () => false);

test.serial('GET /plugins lists the installed plugins with their manifests', async (t) => {
  const { status, body } = await call('GET', '/plugins');
  t.is(status, 200);
  const names = body.data.plugins.map((p: any) => p.name).sort();
  t.deepEqual(names, ['acts', 'fakedb']);
  const fakedb = body.data.plugins.find((p: any) => p.name === 'fakedb');
  t.deepEqual(fakedb.aliases, ['fdb']);
  t.is(fakedb.version, '0.1.0');
  t.deepEqual(body.data.errors, []);
});

test.serial('voodu apply of a plugin block stores the expanded manifests and the config its action sets', async (t) => {
  const file = await hcl('prod.hcl', 'fakedb "prod" "main" {\n  version = "16"\n}\n');
  const res = await cli('apply', '-f', file);
  t.is(res.code, 0, res.stderr);
  const sts = await stored('statefulset', 'prod', 'main');
  t.truthy(sts, 'statefulset stored');
  t.is(JSON.parse(sts!.value).spec.env.FAKEDB_VERSION, '16');
  t.truthy(await stored('asset', 'prod', 'main-conf'), 'asset stored');
  const password = (await etcd.store.get('/config/prod/main/FAKEDB_PASSWORD'))?.value;
  t.regex(password ?? '', /^[0-9a-f]{32}$/);
  t.false(res.stdout.includes(password!), 'the password reached the CLI output');

  // The API answer carries the lineage; a second apply keeps the password (the plugin sees the bucket as config).
  const again = await call('POST', '/apply', { kind: 'fakedb', scope: 'prod', name: 'main', spec: { version: '16' } });
  t.is(again.status, 200, again.body.error);
  t.deepEqual(again.body.data.plugin_expansions, [{ from: 'fakedb/prod/main', to: ['asset/prod/main-conf', 'statefulset/prod/main'] }]);
  t.is((await etcd.store.get('/config/prod/main/FAKEDB_PASSWORD'))?.value, password);
  t.false(JSON.stringify(again.body).includes(password!), 'the password reached the API answer');
});

test.serial('a plugin command rotates the password: config written, the statefulset re-put, the value never printed', async (t) => {
  const before = (await etcd.store.get('/config/prod/main/FAKEDB_PASSWORD'))!.value;
  const stsRev = (await stored('statefulset', 'prod', 'main'))!.modRevision;
  const res = await cli('fdb:rotate', 'prod/main');
  t.is(res.code, 0, res.stderr);
  t.is(res.stdout, 'rotated the password of prod/main\n  ✓ config_set prod/main: FAKEDB_PASSWORD\n');
  const after = (await etcd.store.get('/config/prod/main/FAKEDB_PASSWORD'))!.value;
  t.not(after, before);
  t.true((await stored('statefulset', 'prod', 'main'))!.modRevision > stsRev, 'no restart fan-out');
  const bad = await cli('fakedb:rotate', 'nope');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /plugin "fakedb" rotate exited 1: usage: fakedb:rotate <scope>\/<name>/);
});

test.serial('an alias is a block kind too, and the plugin block is stripped before the plugin sees the spec', async (t) => {
  const res = await call('POST', '/apply', { kind: 'fdb', scope: 'alias', name: 'db', spec: { version: '15', plugin: { version: '0.1.0' } } });
  t.is(res.status, 200, res.body.error);
  t.is(JSON.parse((await stored('statefulset', 'alias', 'db'))!.value).spec.env.FAKEDB_VERSION, '15');
  const pinned = await call('POST', '/apply', { kind: 'fakedb', scope: 'alias', name: 'db', spec: { plugin: { colour: 'red' } } });
  t.is(pinned.status, 400);
  t.regex(pinned.body.error!, /plugin\.colour: unknown; the plugin block takes version and repo/);
});

test.serial('voodu diff of a plugin block shows the plan and persists nothing, neither manifests nor config', async (t) => {
  const file = await hcl('stage.hcl', 'fakedb "stage" "main" {\n  version = "17"\n}\n');
  const before = await etcd.store.revision();
  const res = await cli('diff', '-f', file);
  t.true(res.code === 0 || res.code === 2, res.stderr);
  t.regex(res.stdout, /statefulset\/stage\/main/);
  t.regex(res.stdout, /asset\/stage\/main-conf/);
  t.is(await etcd.store.revision(), before, 'a dry run wrote to etcd');
  t.is(await stored('statefulset', 'stage', 'main'), undefined);
  t.deepEqual((await etcd.store.list('/config/stage/')).items, []);

  const json = await call('POST', '/apply?dry_run=true', { kind: 'fakedb', scope: 'stage', name: 'main', spec: {} });
  t.is(json.status, 200, json.body.error);
  t.deepEqual(json.body.data.actions, ['config_set (dry run: not run)']);
  t.is(await etcd.store.revision(), before);
});

test.serial('a dispatch command returning every action type: each has its effect, exec_local and fetch_file run in the CLI', async (t) => {
  const scope = DISPATCH_SCOPE;
  const dep = (name: string) => ({ kind: 'deployment', scope, name, spec: { image: 'voodu-test/busybox:1' } });
  t.is((await call('POST', '/apply', [dep('api'), dep('doomed')])).status, 200);
  await etcd.store.put(`/config/${scope}/api/OLD_KEY`, 'old');
  const apiRevBefore = (await stored('deployment', scope, 'api'))!.modRevision;

  const res = await cli(`acts:all`, scope, work);
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /^acts did everything \(hello from plugin\.yml\)$/m);
  t.regex(res.stdout, new RegExp(`✓ config_set ${scope}/api: FROM_PLUGIN`));
  t.regex(res.stdout, new RegExp(`✓ config_unset ${scope}/api: OLD_KEY`));
  t.regex(res.stdout, new RegExp(`✓ apply_manifest job/${scope}/made`));
  t.regex(res.stdout, new RegExp(`✓ run_job ${scope}/made queued`));
  t.regex(res.stdout, new RegExp(`✓ delete_manifest deployment/${scope}/doomed$`, 'm'));
  t.regex(res.stdout, new RegExp(`✓ delete_manifest deployment/${scope}/never-there \\(no-op\\)`));
  t.regex(res.stdout, /✓ wrote .*report\.txt \(28 bytes\)/);

  t.is((await etcd.store.get(`/config/${scope}/api/FROM_PLUGIN`))?.value, 'yes');
  t.is(await etcd.store.get(`/config/${scope}/api/OLD_KEY`), undefined);
  t.true((await stored('deployment', scope, 'api'))!.modRevision > apiRevBefore, 'config_set did not fan out to the deployment');
  t.truthy(await stored('job', scope, 'made'));
  // run_job answered at once; the run itself happens in the background, in a real container.
  const runs = await waitFor('the run_job run to finish', async () => {
    const history = (await etcd.store.getJSON<{ history?: { status: string; exit_code?: number }[] }>(keys.status('job', scope, 'made')))?.history;
    return history?.some((r) => r.status !== 'running') ? history : undefined;
  });
  t.is(runs[0]!.status, 'succeeded');
  t.is(runs[0]!.exit_code, 0);
  t.is(await stored('deployment', scope, 'doomed'), undefined);
  t.is(await readFile(join(work, 'exec-local.txt'), 'utf8'), 'ran-locally\n');
  t.is(await readFile(join(work, 'report.txt'), 'utf8'), 'report from the acts plugin\n');

  // Over HTTP with ?restart=false: no fan-out, and the CLI-side actions come back unexecuted.
  const revBefore = (await stored('deployment', scope, 'api'))!.modRevision;
  const http = await call('POST', '/plugin/acts/all?restart=false', { args: [scope, join(work, 'http')] });
  t.is(http.status, 200, http.body.error);
  t.is((await stored('deployment', scope, 'api'))!.modRevision, revBefore, '?restart=false still fanned out');
  t.deepEqual(http.body.data.exec_local, [{ type: 'exec_local', command: ['sh', '-c', 'echo ran-locally > "$0"', join(work, 'http', 'exec-local.txt')] }]);
  t.is(http.body.data.fetch_file[0].dest_path, join(work, 'http', 'report.txt'));
  t.false(await exists(join(work, 'http')), 'the server ran a CLI-side action');

  // A second CLI run refuses to overwrite the downloaded file.
  const twice = await cli(`acts:all`, scope, work);
  t.is(twice.code, 1);
  t.regex(twice.stderr, /fetch_file .*report\.txt: file already exists/);
});

test.serial('fetch_file downloads are confined to the plugin dir and $VOODU_ROOT', async (t) => {
  const outside = await apiFetch(ctl, `/plugin/acts/file?path=${encodeURIComponent('/etc/passwd')}`);
  t.is(outside.status, 400);
  t.regex(((await outside.json()) as any).error, /outside the plugin's directory and \$VOODU_ROOT/);
  const sneaky = `${ctl.root}/plugins/acts/../../../../etc/passwd`;
  t.is((await apiFetch(ctl, `/plugin/acts/file?path=${encodeURIComponent(sneaky)}`)).status, 400);
  const inside = await apiFetch(ctl, `/plugin/acts/file?path=${encodeURIComponent(join(ctl.root, 'plugins', 'acts', 'data', 'report.txt'))}`);
  t.is(inside.status, 200);
  t.is(await inside.text(), 'report from the acts plugin\n');
});

test.serial('unknown action types and undeclared commands are 400s naming what is supported', async (t) => {
  const bogus = await call('POST', '/plugin/acts/bogus');
  t.is(bogus.status, 400);
  t.regex(bogus.body.error!, /unknown action type "launch_rocket" \(supported: .*apply_manifest.*config_set.*config_unset.*delete_manifest.*exec_local.*fetch_file/);
  const undeclared = await call('POST', '/plugin/acts/launch');
  t.is(undeclared.status, 400);
  t.is(undeclared.body.error, 'plugin "acts" has no command "launch" (available: all, bogus, expand, garbage, leak, progress, slow)');
  const missing = await call('POST', '/plugin/nope/x');
  t.is(missing.status, 400);
  t.regex(missing.body.error!, /plugin "nope" not found/);
});

test.serial('a community module tapping onAction adds an action type', async (t) => {
  const seen: unknown[] = [];
  ctl.kernel.hooks.onAction.for('launch_rocket').tapPromise('rockets', async (a, actx) => {
    if (!actx.dryRun) seen.push(a.name);
    return { applied: `launched ${String(a.name)}` };
  });
  const res = await call('POST', '/plugin/acts/bogus');
  t.is(res.status, 200, res.body.error);
  t.deepEqual(res.body.data.applied, ['launched n']);
  t.deepEqual(seen, ['n']);
});

test.serial('a timeout kills the plugin and the children it started', async (t) => {
  const pidfile = join(work, 'slow.pids');
  const res = await call('POST', '/plugin/acts/slow', { args: [pidfile] });
  t.is(res.status, 500);
  t.regex(res.body.error!, /invoke plugin: plugin "acts": slow timed out after 4s; it and its children were killed/);
  const pids = (await readFile(pidfile, 'utf8')).trim().split(/\s+/).map(Number);
  t.is(pids.length, 2);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(pids.filter(alive), [], 'a plugin process outlived the timeout');
});

test.serial('a client that goes away takes the plugin and its children with it, long before the timeout', async (t) => {
  const pidfile = join(work, 'gone.pids');
  const started = Date.now();
  const ac = new AbortController();
  const req = apiFetch(ctl, `/plugin/acts/slow`, { method: 'POST', body: JSON.stringify({ args: [pidfile] }), headers: { 'content-type': 'application/json' }, signal: ac.signal }).catch(
    (err: Error) => err,
  );
  const pids = await waitFor('the slow plugin to write its pids', async () => {
    const text = await readFile(pidfile, 'utf8').catch(() => '');
    const found = text.trim().split(/\s+/).filter(Boolean).map(Number);
    return found.length === 2 ? found : undefined;
  }, 3_000);
  ac.abort();
  t.true((await req) instanceof Error);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitFor('the plugin and its child to die', () => !pids.some(alive), 3_000);
  // The timeout of this suite is 4 s: dying before it means the disconnect did it.
  t.true(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
});

test.serial('malformed plugin output is an error naming the plugin and the command', async (t) => {
  const garbage = await call('POST', '/plugin/acts/garbage');
  t.is(garbage.status, 400);
  t.regex(garbage.body.error!, /^plugin "acts" garbage: data must be/);
  const expand = await call('POST', '/apply', { kind: 'acts', scope: 'x', name: 'y', spec: {} });
  t.is(expand.status, 400);
  t.regex(expand.body.error!, /expand acts\/x\/y: plugin "acts" expand returned no JSON envelope .*got: this is not json/);
  t.is(await stored('deployment', 'x', 'y'), undefined);
});

test.serial('a secret a plugin prints on stderr stays out of a successful answer and the log', async (t) => {
  const res = await call('POST', '/plugin/acts/leak');
  t.is(res.status, 200, res.body.error);
  t.is(res.body.data.message, 'all good');
  t.false(JSON.stringify(res.body).includes('hunter2'));
  t.false(ctl.logs.some((l) => l.includes('hunter2')), 'the secret reached the controller log');
});

test.serial('a long command streams its progress lines, masked, to a client that asks, past the default timeout its plugin.yml extends', async (t) => {
  const scope = DISPATCH_SCOPE;
  t.is((await call('POST', `/config?scope=${scope}&name=prog&restart=false`, { PROG_SECRET: 'pr0gress-s3cret-value' })).status, 200);
  // The fixture controller's timeout is 4 s; the command runs ~4.5 s under its declared `timeout: 20`.
  const started = Date.now();
  const res = await apiFetch(ctl, '/plugin/acts/progress', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ args: [`${scope}/prog`, 'pr0gress-s3cret-value'] }),
  });
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const arrivals: { at: number; line: string }[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const lines = (buffered + decoder.decode(chunk, { stream: true })).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) arrivals.push({ at: Date.now() - started, line });
  }
  t.is(arrivals.length, 4, JSON.stringify(arrivals));
  const items = arrivals.map((a) => JSON.parse(a.line));
  t.deepEqual(items.slice(0, 3).map((i) => Object.keys(i)), [['progress'], ['progress'], ['progress']]);
  t.is(items[0].progress, 'step 1 of 3: starting');
  t.notRegex(items[1].progress, /pr0gress-s3cret-value/, 'a bucket value in a progress line is masked');
  t.regex(items[1].progress, /step 2 of 3: using/);
  t.deepEqual(items[3], { status: 'ok', data: { message: 'progressed', applied: [] } });
  // Streamed, not buffered: the first line came seconds before the answer.
  t.true(arrivals[3]!.at - arrivals[0]!.at > 2500, JSON.stringify(arrivals.map((a) => a.at)));

  // An error after progress is the last line, with the status it would have had.
  const failed = await apiFetch(ctl, '/plugin/acts/progress', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ args: [`${scope}/prog`, 'x', 'fail'] }),
  });
  const lines = (await failed.text()).trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(lines.at(-1), { status: 'error', error: 'plugin "acts" progress exited 1: it broke after the progress', code: 400 });

  // A client that does not ask gets the plain envelope.
  const plain = await call('POST', '/plugin/acts/progress', { args: [`${scope}/prog`, 'x'] });
  t.is(plain.status, 200);
  t.is(plain.body.data.message, 'progressed');

  // The CLI shows the lines on stderr as they come, the answer on stdout.
  const r = await cli('acts:progress', `${scope}/prog`, 'pr0gress-s3cret-value');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /step 1 of 3: starting\nstep 2 of 3: using .*\nstep 3 of 3: done\n/);
  t.notRegex(r.stderr + r.stdout, /pr0gress-s3cret-value/);
  t.regex(r.stdout, /progressed/);
  const bad = await cli('acts:progress', `${scope}/prog`, 'x', 'fail');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /it broke after the progress/);
});

test.serial('plugin verbs: aliases, args reach the plugin untouched (-r, -o included), context on stdin, --help from plugin.yml', async (t) => {
  const res = await cli('fdb:info', 'prod/main', '-r', '1', '-o', 'json');
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /^fakedb info prod\/main -r 1 -o json$/m);
  const ctx = JSON.parse(/context: (.*)/.exec(res.stdout)![1]!);
  t.like(ctx, { plugin: 'fdb', command: 'info', node_name: 'voodu-0' });
  // A capability URL of this run, under the controller's own address: the API token never reaches a plugin.
  t.true(ctx.controller_url.startsWith(`${ctl.url.replace('localhost', '127.0.0.1')}/cap/`), ctx.controller_url);
  t.is(ctx.plugin_dir, join(ctl.root, 'plugins', 'fakedb'));

  const spaced = await cli('fakedb', 'info', 'x');
  t.regex(spaced.stdout, /^fakedb info x$/m);

  const help = await cli('fdb', '--help');
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /fakedb 0\.1\.0 — A pretend database/);
  t.regex(help.stdout, /fdb:info\s+Echo its arguments and the invocation context/);
  const one = await cli('fdb:info', '--help');
  t.regex(one.stdout, /voodu fdb:info \[args\.\.\.\]\n\nEcho its arguments/);

  const json = await cli('-o', 'json', 'acts:leak');
  t.is(JSON.parse(json.stdout).data.message, 'all good');
  const unknown = await cli('nosuch:thing');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /plugin "nosuch"/);
});

test.serial('JIT install during apply: an unknown kind installs its plugin, a different pin re-installs, a drifted version is refused', async (t) => {
  const plugin = async (dir: string, version: string) => {
    const src = join(work, dir);
    await cp(join(FIXTURES, 'macro'), src, { recursive: true });
    await writeFile(join(src, 'plugin.yml'), `name: jitdb\nversion: ${version}\ncommands:\n  - name: expand\n`);
    return src;
  };
  const v3 = await plugin('src-jitdb', '0.3.0');
  process.env.VOODU_PLUGIN_DEFAULT_REPO_JITDB = v3;
  t.teardown(() => {
    delete process.env.VOODU_PLUGIN_DEFAULT_REPO_JITDB;
  });

  const first = await call('POST', '/apply', { kind: 'jitdb', scope: 'jit', name: 'one', spec: {} });
  t.is(first.status, 200, first.body.error);
  t.is(first.body.data.plugin_installs.length, 1);
  t.like(first.body.data.plugin_installs[0], { plugin: 'jitdb', version: '0.3.0' });
  t.true(await exists(join(ctl.root, 'plugins', 'jitdb', 'plugin.yml')));
  t.truthy(await stored('statefulset', 'jit', 'one'));

  // Installed and unpinned: used as it is; two blocks of one kind share one lookup.
  const again = await call('POST', '/apply', [
    { kind: 'jitdb', scope: 'jit', name: 'one', spec: {} },
    { kind: 'jitdb', scope: 'jit', name: 'two', spec: {} },
  ]);
  t.is(again.status, 200, again.body.error);
  t.is(again.body.data.plugin_installs, undefined);

  const v4 = await plugin('src-jitdb-v4', '0.4.0');
  const pinned = await call('POST', '/apply', { kind: 'jitdb', scope: 'jit', name: 'one', spec: { plugin: { version: '0.4.0', repo: v4 } } });
  t.is(pinned.status, 200, pinned.body.error);
  t.like(pinned.body.data.plugin_installs[0], { plugin: 'jitdb', version: '0.4.0' });
  const listed = await call('GET', '/plugins');
  t.is(listed.body.data.plugins.find((p: any) => p.name === 'jitdb').version, '0.4.0');

  const drifted = await call('POST', '/apply', { kind: 'jitdb', scope: 'jit', name: 'one', spec: { plugin: { version: '9.9.9', repo: v4 } } });
  t.is(drifted.status, 400);
  t.regex(drifted.body.error!, /asked for version 9\.9\.9 but .* installed 0\.4\.0/);
});

test.serial('legacy POST /plugins/exec runs <plugin> <command> args with extra env', async (t) => {
  const plain = await call('POST', '/plugins/exec', { args: ['fdb', 'info', 'a', 'b'] });
  t.is(plain.status, 200, plain.body.error);
  t.regex(plain.body.data.stdout, /^fakedb info a b$/m);
  const enveloped = await call('POST', '/plugins/exec', { args: ['acts', 'all', 'legacy', '/nonexistent'], env: { ACTS_GREETING: 'from the body' } });
  t.is(enveloped.status, 200, enveloped.body.error);
  t.regex(enveloped.body.data.message, /from the body/);
  t.is(await etcd.store.get('/config/legacy/api/FROM_PLUGIN'), undefined, 'legacy exec does not run actions');
  t.is((await call('POST', '/plugins/exec', { args: ['fdb'] })).status, 400);
  const missing = await call('POST', '/plugins/exec', { args: ['nope', 'x'] });
  t.is(missing.status, 404);
  t.is(missing.body.error, 'plugin "nope" not installed');
});
