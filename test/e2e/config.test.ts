/**
 * The config module against a real etcd and real HTTP: bucket merge rules,
 * key lookup, unset, the env file on disk, fan-out observed on a store
 * watch, validation, secrets kept out of logs, and the `voodu config` verb.
 * Each test uses its own scope, so they run concurrently on one controller.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, createLogger } from '../../kernel/index.js';
import { keys, parseDesiredKey } from '../../lib/identity.js';
import apiModule from '../../modules/api/index.js';
import configModule from '../../modules/config/index.js';
import pathsModule from '../../modules/paths/index.js';
import { readToken } from '../helpers/controller.js';
import { apiFetch } from '../helpers/http.js';
import type { Store, WatchEvent } from '../../modules/store/contract.js';
import storeModule from '../../modules/store/index.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { runCli } from '../helpers/cli.js';
import kindsModule from '../../modules/kinds/index.js';

let etcd: TestEtcd;
let kernel: Kernel;
let store: Store;
let root: string;
let url: string;
let token: string;
const logLines: string[] = [];

test.before(async () => {
  etcd = await startEtcd();
  root = await mkdtemp(join(tmpdir(), 'voodu-config-test-'));
  kernel = new Kernel({ log: createLogger({ level: 'debug', sink: (line) => logLines.push(line) }) });
  await kernel.boot([
    { module: kindsModule },
    { module: pathsModule, options: { root } },
    { module: storeModule, options: { endpoints: [etcd.endpoint] } },
    { module: apiModule, options: { http: '127.0.0.1:0' } },
    { module: configModule },
  ]);
  store = kernel.services.get('store', 'test');
  url = kernel.services.get('api', 'test').address().url;
  token = await readToken(root);
});

test.after.always(async () => {
  await kernel?.shutdown();
  await etcd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await apiFetch({ url, token }, path, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

async function putManifest(kind: string, scope: string, name: string, spec: Record<string, unknown>) {
  const value = JSON.stringify({ kind, scope, name, spec, metadata: { created_at: '2024-01-01T00:00:00Z' } });
  const key = keys.desired({ kind, scope, name });
  await store.put(key, value);
  return (await store.get(key))!;
}

/**
 * Runs `action` and returns the /desired/ events in `scopes` during it
 * (other tests run concurrently in their own scopes). A sentinel put
 * afterwards bounds the wait: watch events arrive in revision order, so once
 * the sentinel is seen nothing earlier is still in flight.
 */
async function desiredEventsDuring(scopes: string[], action: () => Promise<unknown>): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const sentinel = `/desired/sentinels/${scopes[0]}/done-${Math.random().toString(36).slice(2)}`;
  let seen!: () => void;
  const done = new Promise<void>((resolve) => (seen = resolve));
  const watch = await store.watch('/desired/', {
    fromRevision: (await store.revision()) + 1,
    onEvent: (event) => {
      const ref = parseDesiredKey(event.key);
      if (event.key === sentinel) seen();
      else if (ref && ref.kind !== 'sentinel' && scopes.includes(ref.scope)) events.push(event);
    },
  });
  try {
    await action();
    await store.put(sentinel, 'x');
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('sentinel never seen on the watch')), 10_000))]);
  } finally {
    await watch.close();
  }
  return events;
}

async function cli(...args: string[]) {
  return runCli(args, { target: { url, root } });
}

test('GET merges scope and app buckets (app wins); merge=false and scope-only read one bucket', async (t) => {
  t.is((await call('POST', '/config?scope=merge', { SHARED: 'scope', ONLY_SCOPE: 's' })).status, 200);
  t.is((await call('POST', '/config?scope=merge&name=api', { SHARED: 'app', ONLY_APP: 'a' })).status, 200);

  const merged = await call('GET', '/config?scope=merge&name=api');
  t.deepEqual(merged.json, { status: 'ok', data: { vars: { SHARED: 'app', ONLY_SCOPE: 's', ONLY_APP: 'a' } } });
  const explicit = await call('GET', '/config?scope=merge&name=api&merge=true');
  t.deepEqual(explicit.json.data.vars, merged.json.data.vars);
  const appOnly = await call('GET', '/config?scope=merge&name=api&merge=false');
  t.deepEqual(appOnly.json.data, { vars: { SHARED: 'app', ONLY_APP: 'a' } });
  const scopeOnly = await call('GET', '/config?scope=merge');
  t.deepEqual(scopeOnly.json.data, { vars: { SHARED: 'scope', ONLY_SCOPE: 's' } });
  const empty = await call('GET', '/config?scope=merge&name=nothing-here&merge=false');
  t.deepEqual(empty.json.data, { vars: {} });
  // Stored raw under the documented keys.
  t.is((await store.get('/config/merge/_/SHARED'))?.value, 'scope');
  t.is((await store.get('/config/merge/api/SHARED'))?.value, 'app');
});

test('GET with key answers {KEY: VAL} or 404 naming the key', async (t) => {
  await call('POST', '/config?scope=lookup', { FROM_SCOPE: '1' });
  await call('POST', '/config?scope=lookup&name=api', { FROM_APP: '2' });
  t.deepEqual((await call('GET', '/config?scope=lookup&name=api&key=FROM_SCOPE')).json.data, { FROM_SCOPE: '1' });
  t.deepEqual((await call('GET', '/config?scope=lookup&name=api&key=FROM_APP')).json.data, { FROM_APP: '2' });
  const notInApp = await call('GET', '/config?scope=lookup&name=api&key=FROM_SCOPE&merge=false');
  t.is(notInApp.status, 404);
  t.deepEqual(notInApp.json, { status: 'error', error: 'key "FROM_SCOPE" not set' });
  const missing = await call('GET', '/config?scope=lookup&key=NOPE');
  t.is(missing.status, 404);
  t.is(missing.json.error, 'key "NOPE" not set');
});

test('an empty value unsets; DELETE removes one key and 404s when it was not set', async (t) => {
  await call('POST', '/config?scope=unset&name=api&restart=false', { A: '1', B: '2', C: '3' });
  const patched = await call('POST', '/config?scope=unset&name=api&restart=false', { A: '', D: '4' });
  t.is(patched.status, 200);
  t.deepEqual(patched.json.data, { vars: { B: '2', C: '3', D: '4' }, restarted: [] });
  t.is(await store.get('/config/unset/api/A'), undefined);

  const deleted = await call('DELETE', '/config?scope=unset&name=api&key=B&restart=false');
  t.is(deleted.status, 200);
  t.deepEqual(deleted.json.data, { vars: { C: '3', D: '4' }, restarted: [] });
  const again = await call('DELETE', '/config?scope=unset&name=api&key=B');
  t.is(again.status, 404);
  t.is(again.json.error, 'key "B" not set');
  const noKey = await call('DELETE', '/config?scope=unset&name=api');
  t.is(noKey.status, 400);
  t.regex(noKey.json.error, /^query\.key: required/);
  // The env file followed the bucket.
  t.is(await readFile(join(root, 'apps', 'unset-api', 'shared', '.env'), 'utf8'), 'C=3\nD=4\n');
});

test('the env file layers manifest env < scope config < app config, sorted and trimmed, mode 0600', async (t) => {
  await putManifest('deployment', 'envf', 'web', {
    image: 'nginx',
    env: { FROM_MANIFEST: 'm', OVERRIDDEN_BY_SCOPE: 'm', OVERRIDDEN_BY_APP: 'm', PORT: 8080, DEBUG: true, NESTED: { no: 1 } },
  });
  await call('POST', '/config?scope=envf&restart=false', { OVERRIDDEN_BY_SCOPE: 's', OVERRIDDEN_BY_APP: 's', SCOPE_ONLY: 's' });
  const res = await call('POST', '/config?scope=envf&name=web&restart=false', { OVERRIDDEN_BY_APP: 'a', PADDED: '  spaced out  ' });
  t.is(res.status, 200);

  const file = join(root, 'apps', 'envf-web', 'shared', '.env');
  t.is(
    await readFile(file, 'utf8'),
    [
      'DEBUG=true',
      'FROM_MANIFEST=m',
      'OVERRIDDEN_BY_APP=a',
      'OVERRIDDEN_BY_SCOPE=s',
      'PADDED=spaced out',
      'PORT=8080',
      'SCOPE_ONLY=s',
      '',
    ].join('\n'),
  );
  t.is((await stat(file)).mode & 0o777, 0o600);
  for (const dir of ['', 'releases', 'shared']) t.is((await stat(join(root, 'apps', 'envf-web', dir))).mode & 0o777, 0o755, `apps/envf-web/${dir}`);

  // The service gives the same map the file was written from.
  const config = kernel.services.get('config', 'test');
  t.deepEqual(await config.envFor('envf', 'web', { FROM_MANIFEST: 'm', OVERRIDDEN_BY_APP: 'm' }), {
    FROM_MANIFEST: 'm',
    OVERRIDDEN_BY_APP: 'a',
    OVERRIDDEN_BY_SCOPE: 's',
    SCOPE_ONLY: 's',
    PADDED: '  spaced out  ',
  });
});

test('a cronjob contributes spec.job.env; an app with no manifest still gets its file; scope-level sets write none', async (t) => {
  await putManifest('cronjob', 'cronenv', 'nightly', { schedule: '@daily', job: { image: 'busybox', env: { JOB_ONLY: 'j', X: 'manifest' } } });
  await call('POST', '/config?scope=cronenv&name=nightly&restart=false', { X: 'app' });
  t.is(await readFile(join(root, 'apps', 'cronenv-nightly', 'shared', '.env'), 'utf8'), 'JOB_ONLY=j\nX=app\n');

  await call('POST', '/config?scope=aws&name=cli&restart=false', { AWS_REGION: 'eu-west-1' });
  t.is(await readFile(join(root, 'apps', 'aws-cli', 'shared', '.env'), 'utf8'), 'AWS_REGION=eu-west-1\n');

  await call('POST', '/config?scope=scopeonly&restart=false', { A: '1' });
  await t.throwsAsync(stat(join(root, 'apps', 'scopeonly')), { code: 'ENOENT' });
});

test('fan-out re-puts every workload manifest of the scope unchanged, at a new revision', async (t) => {
  const before = new Map(
    await Promise.all(
      [
        ['deployment', 'fan', 'api'],
        ['statefulset', 'fan', 'db'],
        ['job', 'fan', 'migrate'],
        ['cronjob', 'fan', 'nightly'],
        ['ingress', 'fan', 'api'],
        ['deployment', 'fan-other', 'api'],
      ].map(async ([kind, scope, name]) => {
        const kv = await putManifest(kind!, scope!, name!, { image: 'x' });
        return [kv.key, kv] as const;
      }),
    ),
  );

  let answer: any;
  const events = await desiredEventsDuring(['fan', 'fan-other'], async () => {
    answer = await call('POST', '/config?scope=fan', { LOG_LEVEL: 'debug' });
  });
  t.is(answer.status, 200);
  t.deepEqual(answer.json.data, {
    vars: { LOG_LEVEL: 'debug' },
    restarted: ['cronjob/fan/nightly', 'deployment/fan/api', 'job/fan/migrate', 'statefulset/fan/db'],
  });
  t.deepEqual(events.map((e) => e.key).sort(), [
    '/desired/cronjobs/fan/nightly',
    '/desired/deployments/fan/api',
    '/desired/jobs/fan/migrate',
    '/desired/statefulsets/fan/db',
  ]);
  for (const event of events) {
    const old = before.get(event.key)!;
    t.is(event.type, 'put');
    t.is(event.value, old.value, `${event.key} re-put unchanged`);
    t.true(event.modRevision > old.modRevision, `${event.key} has a new revision`);
  }
});

test('fan-out with a name touches only that resource', async (t) => {
  await putManifest('deployment', 'fanone', 'api', { image: 'x' });
  await putManifest('deployment', 'fanone', 'web', { image: 'x' });
  await putManifest('job', 'fanone', 'api-migrate', { image: 'x' });
  let answer: any;
  const events = await desiredEventsDuring(['fanone'], async () => {
    answer = await call('POST', '/config?scope=fanone&name=api', { A: '1' });
  });
  t.deepEqual(answer.json.data.restarted, ['deployment/fanone/api']);
  t.deepEqual(
    events.map((e) => e.key),
    ['/desired/deployments/fanone/api'],
  );

  const deleteEvents = await desiredEventsDuring(['fanone'], async () => {
    answer = await call('DELETE', '/config?scope=fanone&name=api&key=A');
  });
  t.is(answer.status, 200);
  t.deepEqual(answer.json.data, { vars: {}, restarted: ['deployment/fanone/api'] });
  t.deepEqual(
    deleteEvents.map((e) => e.key),
    ['/desired/deployments/fanone/api'],
  );
});

test('restart=false stores the change and writes the file but re-puts nothing', async (t) => {
  await putManifest('deployment', 'norestart', 'api', { image: 'x', env: { M: 'm' } });
  let answer: any;
  const events = await desiredEventsDuring(['norestart'], async () => {
    answer = await call('POST', '/config?scope=norestart&name=api&restart=false', { A: '1' });
    await call('POST', '/config?scope=norestart&restart=false', { S: '2' });
    await call('DELETE', '/config?scope=norestart&name=api&key=A&restart=false');
  });
  t.deepEqual(answer.json.data, { vars: { A: '1' }, restarted: [] });
  t.deepEqual(events, []);
  t.deepEqual((await call('GET', '/config?scope=norestart&name=api')).json.data.vars, { S: '2' });
  // Unlike the reference the file, last written by the DELETE, keeps the manifest and scope layers.
  t.is(await readFile(join(root, 'apps', 'norestart-api', 'shared', '.env'), 'utf8'), 'M=m\nS=2\n');
});

test('validation errors name the field and never echo the value', async (t) => {
  const badKey = await call('POST', '/config?scope=valid', { '1BAD': 'x' });
  t.is(badKey.status, 400);
  t.regex(badKey.json.error, /"1BAD" is not a valid variable name/);

  const dashKey = await call('POST', '/config?scope=valid', { 'MY-KEY': 'x' });
  t.is(dashKey.status, 400);

  const newline = await call('POST', '/config?scope=valid&name=api', { PEM: 'line-one-s3cr3t\nline-two' });
  t.is(newline.status, 400);
  t.regex(newline.json.error, /^body\.PEM: the value of PEM contains a newline or NUL/);
  t.false(newline.text.includes('s3cr3t'));

  const nul = await call('POST', '/config?scope=valid', { K: 'a\u0000b' });
  t.is(nul.status, 400);

  const notString = await call('POST', '/config?scope=valid', { PORT: 8080 });
  t.is(notString.status, 400);
  t.regex(notString.json.error, /^body\.PORT: the value of PORT must be a string \(got number\)/);

  for (const body of [{}, [], 'null', '"x"']) {
    const res = await call('POST', '/config?scope=valid', body);
    t.is(res.status, 400, JSON.stringify(body));
    t.regex(res.json.error, /^body: /);
  }

  for (const path of ['/config', '/config?name=api', '/config?scope=']) {
    const res = await call('GET', path);
    t.is(res.status, 400, path);
    t.regex(res.json.error, /^query\.scope: required/);
  }
  t.regex((await call('POST', '/config', { A: '1' })).json.error, /^query\.scope: required/);
  t.regex((await call('GET', '/config?scope=Prod')).json.error, /^query\.scope: "Prod" is not a valid name/);
  t.regex((await call('GET', '/config?scope=p&name=a/b')).json.error, /^query\.name: /);
  t.regex((await call('GET', '/config?scope=p&name=_')).json.error, /^query\.name: /);
  t.regex((await call('GET', '/config?scope=p&merge=maybe')).json.error, /^query\.merge: "maybe" is not a boolean/);
  t.regex((await call('GET', '/config?scope=p&key=a.b')).json.error, /^query\.key: "a\.b" is not a valid variable name/);

  // Nothing was stored by any of the rejected requests.
  t.deepEqual((await store.list('/config/valid/')).items, []);
});

test('secret values never reach the log', async (t) => {
  const secret = 'hunter2-TOPSECRET-value';
  await putManifest('deployment', 'secret', 'api', { image: 'x' });
  t.is((await call('POST', `/config?scope=secret&name=api`, { DB_PASSWORD: secret, OTHER: `${secret}-2` })).status, 200);
  t.is((await call('POST', `/config?scope=secret`, { SCOPE_PASSWORD: secret })).status, 200);
  t.is((await call('GET', `/config?scope=secret&name=api&key=DB_PASSWORD`)).json.data.DB_PASSWORD, secret);
  t.is((await call('POST', `/config?scope=secret&name=api`, { BAD: `${secret}\n` })).status, 400);
  t.is((await call('DELETE', `/config?scope=secret&name=api&key=DB_PASSWORD`)).status, 200);
  t.is((await call('POST', `/config?scope=secret&name=api`, { OTHER: '' })).status, 200);
  t.is((await cli('config', 'secret/api', 'set', `CLI_PASSWORD=${secret}`)).code, 0);

  const ours = logLines.filter((l) => l.includes('config secret'));
  t.true(ours.some((l) => l.includes('set DB_PASSWORD, OTHER')), ours.join('\n'));
  t.true(ours.some((l) => l.includes('unset DB_PASSWORD')), ours.join('\n'));
  t.true(ours.some((l) => l.includes('re-put deployment/secret/api')), ours.join('\n'));
  t.deepEqual(
    logLines.filter((l) => l.includes('hunter2')),
    [],
  );
});

test('voodu config: set, list, get, unset and -o json against the real controller', async (t) => {
  await putManifest('deployment', 'prod', 'api', { image: 'x' });

  const set = await cli('config', 'prod/api', 'set', 'A=1', 'DATABASE_URL=postgres://u:p@db/app?x=1', 'Z=');
  t.is(set.code, 0, set.stderr);
  t.is(set.stdout, 'A=1\nDATABASE_URL=postgres://u:p@db/app?x=1\nZ=\n');
  t.is(set.stderr, 'restarting deployment/prod/api\n');
  t.is((await store.get('/config/prod/api/DATABASE_URL'))?.value, 'postgres://u:p@db/app?x=1');

  t.is((await cli('config', 'prod', 'set', 'SCOPE_VAR=s', '--no-restart')).stderr, '');
  t.is((await cli('config', 'prod/api')).stdout, 'A=1\nDATABASE_URL=postgres://u:p@db/app?x=1\nSCOPE_VAR=s\n');
  t.is((await cli('config', 'prod/api', 'list')).stdout, 'A=1\nDATABASE_URL=postgres://u:p@db/app?x=1\nSCOPE_VAR=s\n');
  t.is((await cli('config', 'prod')).stdout, 'SCOPE_VAR=s\n');
  t.is((await cli('config', 'prod/api', 'get', 'database')).stdout, 'DATABASE_URL=postgres://u:p@db/app?x=1\n');
  t.deepEqual(JSON.parse((await cli('config', 'prod/api', 'get', 'VAR', '-o', 'json')).stdout), { SCOPE_VAR: 's' });
  t.deepEqual(JSON.parse((await cli('-o', 'json', 'config', 'prod/api')).stdout), {
    A: '1',
    DATABASE_URL: 'postgres://u:p@db/app?x=1',
    SCOPE_VAR: 's',
  });

  const noMatch = await cli('config', 'prod/api', 'get', 'nothing');
  t.is(noMatch.code, 1);
  t.is(noMatch.stderr, 'voodu: no variable of prod/api matches "nothing"\n');

  const unset = await cli('config', 'prod/api', 'unset', 'A', 'DATABASE_URL', '--no-restart');
  t.is(unset.code, 0, unset.stderr);
  t.is(unset.stdout, 'Unset A\nUnset DATABASE_URL\n');
  t.is(unset.stderr, '');
  t.is((await cli('config', 'prod/api', 'list', '-o', 'text')).stdout, 'SCOPE_VAR=s\n');
  t.is((await cli('config', 'prod/nobody')).stdout, 'SCOPE_VAR=s\n');
  t.is((await cli('config', 'empty')).stdout, 'No environment variables set\n');

  const notSet = await cli('config', 'prod/api', 'unset', 'SCOPE_VAR');
  t.is(notSet.code, 1);
  t.regex(notSet.stderr, /"SCOPE_VAR" not set in prod\/api; nothing was unset/);
});

test('voodu config rejects malformed arguments with a message naming them', async (t) => {
  const noEq = await cli('config', 'prod/cli', 'set', 'NOEQUALS');
  t.is(noEq.code, 1);
  t.regex(noEq.stderr, /argument "NOEQUALS" is not KEY=VALUE/);
  const badKey = await cli('config', 'prod/cli', 'set', '9X=secretvalue');
  t.is(badKey.code, 1);
  t.regex(badKey.stderr, /"9X" is not a valid variable name/);
  t.false(badKey.stderr.includes('secretvalue'));
  t.regex((await cli('config', 'prod/cli', 'set')).stderr, /needs at least one KEY=VALUE/);
  t.regex((await cli('config', 'a/b/c')).stderr, /ref "a\/b\/c" is not <scope> or <scope>\/<name>/);
  t.regex((await cli('config', 'prod/cli', 'frobnicate')).stderr, /unknown config action "frobnicate"/);
  t.regex((await cli('config', 'prod/cli', 'A=1')).stderr, /to set it run `voodu config prod\/cli set A=…`/);
  t.regex((await cli('config', 'prod/cli', 'list', 'extra')).stderr, /config list takes no arguments/);
});

test('a manifest env the file cannot hold fails loudly after storing the change, without echoing the value', async (t) => {
  await putManifest('deployment', 'badenv', 'api', { image: 'x', env: { CERT: '-----BEGIN s3cr3t-----\nabc' } });
  const res = await call('POST', '/config?scope=badenv&name=api', { A: '1' });
  t.is(res.status, 500);
  t.is(
    res.json.error,
    'config of badenv/api was stored, but its env file could not be written: env CERT: the value contains a newline or NUL, which an env file cannot hold (one KEY=VALUE per line); re-put deployment/badenv/api',
  );
  t.false(res.text.includes('s3cr3t'));
  t.is((await store.get('/config/badenv/api/A'))?.value, '1');
  t.false(logLines.some((l) => l.includes('s3cr3t')));
});

test('keys that name Object.prototype members are plain keys', async (t) => {
  t.is((await call('GET', '/config?scope=proto&name=api&key=constructor')).status, 404);
  t.is((await call('GET', '/config?scope=proto&key=toString')).status, 404);
  t.is((await call('DELETE', '/config?scope=proto&key=hasOwnProperty')).status, 404);
  const set = await call('POST', '/config?scope=proto&name=api&restart=false', '{"__proto__": "p", "constructor": "c"}');
  t.is(set.status, 200, set.text);
  t.deepEqual(Object.entries(set.json.data.vars).sort(), [
    ['__proto__', 'p'],
    ['constructor', 'c'],
  ]);
  t.deepEqual((await call('GET', '/config?scope=proto&name=api&key=__proto__')).json.data, JSON.parse('{"__proto__": "p"}'));
  t.is(await readFile(join(root, 'apps', 'proto-api', 'shared', '.env'), 'utf8'), '__proto__=p\nconstructor=c\n');
  t.is((await cli('config', 'proto/api', 'get', 'proto')).stdout, '__proto__=p\n');
});
