/**
 * The assets module against a real etcd, a real filesystem and a loopback
 * HTTP server: apply-time content and digest stamping (in memory, nothing
 * written on a dry run), materialisation on reconcile, the url cache, the
 * three on_failure behaviours, delete, and the service. Every test boots its
 * own kernel on its own root and uses its own names, so they run at once.
 */
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, createLogger, type ApplyBatch } from '../../kernel/index.js';
import { ConflictError, NotFoundError, TransientError, ValidationError } from '../../lib/errors.js';
import { keys, refOf, type Manifest } from '../../lib/identity.js';
import type { AssetStatus, Assets } from '../../modules/assets/contract.js';
import assetsModule from '../../modules/assets/index.js';
import { cachePaths } from '../../modules/assets/url-fetch.js';
import type { Paths } from '../../modules/paths/contract.js';
import pathsModule from '../../modules/paths/index.js';
import type { Store } from '../../modules/store/contract.js';
import storeModule from '../../modules/store/index.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import kindsModule from '../../modules/kinds/index.js';

let etcd: TestEtcd;
let server: Server;
let base: string;
const cleanups: Array<() => Promise<unknown>> = [];

/** Per-path behaviour of the loopback server, and the requests it saw. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen = new Map<string, IncomingMessage['headers'][]>();

test.before(async () => {
  etcd = await startEtcd();
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    seen.set(path, [...(seen.get(path) ?? []), req.headers]);
    const handler = routes.get(path);
    if (!handler) {
      res.statusCode = 404;
      res.end('no such test route');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

test.after.always(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await etcd?.stop();
});

let seq = 0;
/** A name no other test uses (scopes and unscoped assets share one etcd). */
const unique = (prefix: string) => `${prefix}${++seq}-${process.pid % 1000}`;
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A url on the loopback server that answers with `body` and an ETag, honouring If-None-Match. */
function serveWithEtag(path: string, state: { body: string; etag: string; fail?: number }) {
  routes.set(path, (req, res) => {
    if (state.fail) {
      res.statusCode = state.fail;
      res.end('broken');
      return;
    }
    res.setHeader('etag', state.etag);
    if (req.headers['if-none-match'] === state.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.end(state.body);
  });
  return `${base}${path}`;
}

interface Env {
  kernel: Kernel;
  store: Store;
  paths: Paths;
  assets: Assets;
  /** Runs the onApply stages, then (not on a dry run) writes the manifests as the commit stage would. */
  apply(manifests: Manifest[], dryRun?: boolean): Promise<ApplyBatch>;
  reconcile(manifest: Manifest): Promise<void>;
  remove(scope: string, name: string): Promise<void>;
  status(scope: string, name: string): Promise<AssetStatus | undefined>;
}

async function boot(t: ExecutionContext, options: Record<string, unknown> = {}): Promise<Env> {
  const root = await mkdtemp(join(tmpdir(), 'voodu-assets-test-'));
  const kernel = new Kernel({ log: createLogger({ level: 'error', sink: () => {} }) });
  await kernel.boot([
    { module: kindsModule },
    { module: pathsModule, options: { root } },
    { module: storeModule, options: { endpoints: [etcd.endpoint] } },
    { module: assetsModule, options },
  ]);
  cleanups.push(async () => {
    await kernel.shutdown();
    await rm(root, { recursive: true, force: true });
  });
  t.teardown(() => kernel.shutdown());
  const store = kernel.services.get('store', 'test');
  let revision = 0;
  return {
    kernel,
    store,
    paths: kernel.services.get('paths', 'test'),
    assets: kernel.services.get('assets', 'test'),
    async apply(manifests, dryRun = false) {
      const batch: ApplyBatch = { manifests, dryRun, prune: false, force: false, report: {}, actions: [] };
      await kernel.hooks.onApply.promise(batch);
      if (!dryRun) for (const m of batch.manifests) await store.putJSON(keys.desired(refOf(m)), m);
      return batch;
    },
    reconcile: (manifest) =>
      kernel.hooks.onReconcile.for('asset').promise({ type: 'put', ref: refOf(manifest), manifest, revision: ++revision, cause: 'watch', attempt: 1 }),
    async remove(scope, name) {
      await store.delete(keys.desired({ kind: 'asset', scope, name }));
      await kernel.hooks.onReconcile
        .for('asset')
        .promise({ type: 'delete', ref: { kind: 'asset', scope, name }, revision: ++revision, cause: 'watch', attempt: 1 });
    },
    status: (scope, name) => store.getJSON<AssetStatus>(keys.status('asset', scope, name)),
  };
}

function asset(scope: string, name: string, files: Record<string, unknown>): Manifest {
  return { kind: 'asset', ...(scope && { scope }), name, spec: { files } };
}

function deployment(scope: string, name: string, spec: Record<string, unknown>): Manifest {
  return { kind: 'deployment', scope, name, spec: { image: 'nginx', ...spec } };
}

const url = (u: string, opts: { timeout?: string; on_failure?: string } = {}) => ({
  _source: 'url',
  url: u,
  timeout: opts.timeout ?? '',
  on_failure: opts.on_failure ?? '',
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

// ---------------------------------------------------------------------------

test('inline, file() and url() values are materialised with the right bytes, mode 0644 and digests in status', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const remote = serveWithEtag(`/${scope}/remote.txt`, { body: 'from the network\n', etag: '"r1"' });
  const m = asset(scope, 'cfg', {
    inline: 'server { listen 80; }\n',
    blob: { _source: 'file', content: b64('\x00binary\xff'), filename: 'blob.bin' },
    remote: url(remote),
  });
  const batch = await env.apply([m]);
  t.deepEqual(batch.report['assets'], [
    {
      asset: `asset/${scope}/cfg`,
      files: { inline: sha('server { listen 80; }\n'), blob: sha(Buffer.from('\x00binary\xff')), remote: sha('from the network\n') },
    },
  ]);
  // Apply computes in memory only: no asset directory and no status yet.
  t.false(await exists(env.paths.assetDir(scope, 'cfg')));
  t.is(await env.status(scope, 'cfg'), undefined);

  await env.reconcile(m);
  const dir = env.paths.assetDir(scope, 'cfg');
  t.is(dir, join(env.paths.root, 'assets', scope, 'cfg'));
  t.is(await readFile(join(dir, 'inline'), 'utf8'), 'server { listen 80; }\n');
  t.deepEqual(await readFile(join(dir, 'blob')), Buffer.from('\x00binary\xff'));
  t.is(await readFile(join(dir, 'remote'), 'utf8'), 'from the network\n');
  for (const key of ['inline', 'blob', 'remote']) t.is((await stat(join(dir, key))).mode & 0o777, 0o644, key);
  const status = await env.status(scope, 'cfg');
  t.deepEqual(status?.files, {
    inline: sha('server { listen 80; }\n'),
    blob: sha(Buffer.from('\x00binary\xff')),
    remote: sha('from the network\n'),
  });
  t.deepEqual(status?.errors, {});
  t.false(Number.isNaN(Date.parse(status!.materialised_at)));
  t.deepEqual((await readdir(dir)).sort(), ['blob', 'inline', 'remote']);
});

test('a dry run writes nothing: no asset dir, no url cache, no status — but still stamps in memory', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const remote = serveWithEtag(`/${scope}/dry.txt`, { body: 'dry', etag: '"d1"' });
  const a = asset(scope, 'dry', { k: url(remote), i: 'inline' });
  const d = deployment(scope, 'api', { volumes: ['${asset.dry.k}:/etc/k:ro'] });
  const batch = await env.apply([a, d], true);
  t.deepEqual((d.spec as any)._asset_digests, { [`${scope}.dry.k`]: sha('dry') });
  t.is((seen.get(`/${scope}/dry.txt`) ?? []).length, 1, 'the url was fetched');
  t.false(await exists(env.paths.assetDir(scope, 'dry')));
  t.false(await exists(join(env.paths.assets, scope)));
  t.deepEqual(await readdir(env.paths.cache), []);
  t.false(await exists(cachePaths(env.paths.cache, remote).bytes));
  t.is(await env.status(scope, 'dry'), undefined);
  t.is((await env.store.list(`/status/assets/${scope}`)).items.length, 0);
  t.truthy(batch.report['assets']);
});

test('url cache: the second fetch sends If-None-Match, the 304 serves the cached bytes', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const path = `/${scope}/etag.txt`;
  const remote = serveWithEtag(path, { body: 'cached body', etag: '"e1"' });
  const a = asset(scope, 'c', { k: url(remote) });
  await env.apply([a]);
  const files = cachePaths(env.paths.cache, remote);
  t.is(files.bytes, join(env.paths.root, 'cache', `${sha(remote)}.bytes`));
  t.is(await readFile(files.bytes, 'utf8'), 'cached body');
  const meta = JSON.parse(await readFile(files.meta, 'utf8'));
  t.is(meta.etag, '"e1"');
  t.true('last_modified' in meta);
  t.false(Number.isNaN(Date.parse(meta.fetched_at)));

  await env.reconcile(a);
  const requests = seen.get(path)!;
  t.is(requests.length, 2);
  t.is(requests[0]!['if-none-match'], undefined);
  t.is(requests[1]!['if-none-match'], '"e1"');
  t.is(await readFile(join(env.paths.assetDir(scope, 'c'), 'k'), 'utf8'), 'cached body');
  t.deepEqual((await env.status(scope, 'c'))?.files, { k: sha('cached body') });
});

test('If-Modified-Since is sent when the cache has a Last-Modified', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const path = `/${scope}/lm.txt`;
  const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT';
  routes.set(path, (req, res) => {
    res.setHeader('last-modified', lastModified);
    if (req.headers['if-modified-since'] === lastModified) {
      res.statusCode = 304;
      res.end();
    } else res.end('lm body');
  });
  const a = asset(scope, 'lm', { k: url(`${base}${path}`) });
  await env.apply([a]);
  await env.reconcile(a);
  t.is(seen.get(path)![1]!['if-modified-since'], lastModified);
  t.is(await readFile(join(env.paths.assetDir(scope, 'lm'), 'k'), 'utf8'), 'lm body');
});

test('on_failure = "error": the apply fails with a 400 naming asset, key, url and reason; a reconcile fails transiently', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const state = { body: 'ok', etag: '"x1"', fail: 0 };
  const remote = serveWithEtag(`/${scope}/strict.txt`, state);
  const a = asset(scope, 'strict', { k: url(remote, { on_failure: 'error' }) });
  // A cached copy exists: "error" must still not fall back to it.
  await env.apply([a]);
  state.fail = 404;
  const err = await t.throwsAsync(env.apply([a]), { instanceOf: ValidationError });
  t.is(err?.status, 400);
  t.true(err!.message.includes(`asset/${scope}/strict: files.k`), err!.message);
  t.true(err!.message.includes(remote), err!.message);
  t.true(err!.message.includes('HTTP 404'), err!.message);
  t.true(err!.message.includes('on_failure = "error"'), err!.message);

  await t.throwsAsync(env.reconcile(a), { instanceOf: TransientError, message: /HTTP 404/ });
  t.false(await exists(join(env.paths.assetDir(scope, 'strict'), 'k')));
});

test('on_failure = "stale" (the default): the cached bytes are served and the key is recorded in errors', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const state = { body: 'version one', etag: '"s1"', fail: 0 };
  const remote = serveWithEtag(`/${scope}/stale.txt`, state);
  const a = asset(scope, 'st', { k: url(remote) });
  const d = deployment(scope, 'web', { command: ['cat', '${asset.st.k}'] });
  await env.apply([a, d]);
  await env.reconcile(a);
  const before = (d.spec as any)._asset_digests;
  t.deepEqual(before, { [`${scope}.st.k`]: sha('version one') });

  state.fail = 404;
  const d2 = deployment(scope, 'web', { command: ['cat', '${asset.st.k}'] });
  const batch = await env.apply([a, d2]);
  const report = (batch.report['assets'] as any[])[0];
  t.deepEqual(report.files, { k: sha('version one') });
  t.regex(report.errors.k, /HTTP 404.*cached copy/);
  t.deepEqual((d2.spec as any)._asset_digests, before, 'stale content keeps the consumer unchanged');

  await env.reconcile(a);
  t.is(await readFile(join(env.paths.assetDir(scope, 'st'), 'k'), 'utf8'), 'version one');
  const status = await env.status(scope, 'st');
  t.deepEqual(status?.files, { k: sha('version one') });
  t.regex(status!.errors['k']!, /HTTP 404.*serving the cached copy fetched at .*on_failure = "stale"/);
});

test('on_failure = "stale" falls back to the file on disk when the cache is gone, and fails the apply when neither exists', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const state = { body: 'on disk', etag: '"o1"', fail: 0 };
  const remote = serveWithEtag(`/${scope}/disk.txt`, state);
  const a = asset(scope, 'disk', { k: url(remote, { on_failure: 'stale' }) });
  await env.apply([a]);
  await env.reconcile(a);
  const files = cachePaths(env.paths.cache, remote);
  await rm(files.bytes);
  await rm(files.meta);
  state.fail = 410;

  const batch = await env.apply([a]);
  t.regex((batch.report['assets'] as any[])[0].errors.k, /file already on disk/);
  await env.reconcile(a);
  t.is(await readFile(join(env.paths.assetDir(scope, 'disk'), 'k'), 'utf8'), 'on disk');
  t.regex((await env.status(scope, 'disk'))!.errors['k']!, /HTTP 410.*file already on disk/);

  // A new asset with the same failing url: nothing cached, nothing on disk.
  const fresh = asset(scope, 'fresh', { k: url(remote) });
  const err = await t.throwsAsync(env.apply([fresh]), { instanceOf: ValidationError });
  t.regex(err!.message, new RegExp(`asset/${scope}/fresh: files\\.k: fetching .*HTTP 410.*no cached copy and no earlier file`));
});

test('on_failure = "skip": the key is left out (no file, no digest), recorded in errors, and its old file is removed', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const state = { body: 'optional', etag: '"k1"', fail: 0 };
  const remote = serveWithEtag(`/${scope}/skip.txt`, state);
  const a = asset(scope, 'opt', { k: url(remote, { on_failure: 'skip' }), other: 'kept' });
  await env.apply([a]);
  await env.reconcile(a);
  const dir = env.paths.assetDir(scope, 'opt');
  t.is(await readFile(join(dir, 'k'), 'utf8'), 'optional');

  state.fail = 404;
  const d = deployment(scope, 'web', { volumes: ['${asset.opt.k}:/k', '${asset.opt.other}:/o'] });
  const batch = await env.apply([a, d]);
  const report = (batch.report['assets'] as any[])[0];
  t.deepEqual(report.files, { other: sha('kept') }, 'no digest for the skipped key');
  t.regex(report.errors.k, /HTTP 404.*skipped \(on_failure = "skip"\)/);
  // The consumer still applies; the skipped key is stamped as unavailable, so it changes again once the file is back.
  t.deepEqual((d.spec as any)._asset_digests, { [`${scope}.opt.k`]: 'unavailable', [`${scope}.opt.other`]: sha('kept') });

  await env.reconcile(a);
  t.false(await exists(join(dir, 'k')), 'the old file is removed');
  t.deepEqual(await readdir(dir), ['other']);
  const status = await env.status(scope, 'opt');
  t.deepEqual(status?.files, { other: sha('kept') });
  t.regex(status!.errors['k']!, /skipped/);

  // Unlike stale, a cached copy was there and was not used.
  t.true(await exists(cachePaths(env.paths.cache, remote).bytes));
});

test('every key failed and nothing on disk: the reconcile fails transiently, with the errors in status', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  routes.set(`/${scope}/down`, (_req, res) => {
    res.statusCode = 502;
    res.end();
  });
  const a = asset(scope, 'down', { k: url(`${base}/${scope}/down`, { on_failure: 'skip' }) });
  await env.apply([a]);
  t.is(seen.get(`/${scope}/down`)!.length, 3, 'a 5xx is retried twice within the timeout');
  await t.throwsAsync(env.reconcile(a), { instanceOf: TransientError, message: /no key could be materialised/ });
  t.regex((await env.status(scope, 'down'))!.errors['k']!, /HTTP 502/);
});

test('a url that does not answer in time fails with a timeout', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  routes.set(`/${scope}/slow`, () => {
    // Never answers.
  });
  const a = asset(scope, 'slow', { k: url(`${base}/${scope}/slow`, { timeout: '300ms', on_failure: 'error' }) });
  const started = Date.now();
  const err = await t.throwsAsync(env.apply([a]), { instanceOf: ValidationError });
  t.regex(err!.message, /within 300ms \(timeout\)/);
  t.true(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
});

test('a url() response over the size cap is refused, saying so', async (t) => {
  const env = await boot(t, { maxUrlBytes: 1024 });
  const scope = unique('s');
  routes.set(`/${scope}/big`, (_req, res) => res.end(Buffer.alloc(4096, 1)));
  const err = await t.throwsAsync(env.apply([asset(scope, 'big', { k: url(`${base}/${scope}/big`, { on_failure: 'error' }) })]), {
    instanceOf: ValidationError,
  });
  t.regex(err!.message, /larger than the 1024 bytes limit/);
});

test('only http and https URLs are fetched', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  for (const u of ['file:///etc/passwd', 'ftp://example.com/x', 'gopher://x']) {
    const err = await t.throwsAsync(env.apply([asset(scope, 'bad', { k: url(u, { on_failure: 'skip' }) })]), { instanceOf: ValidationError });
    t.regex(err!.message, /only http and https/);
  }
});

test('invalid and traversing keys are refused at apply, naming the key', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  for (const key of ['../x', 'a/b', '.', '..', '', 'with.dot', 'sp ace']) {
    const err = await t.throwsAsync(env.apply([asset(scope, 'keys', { [key]: 'x' })]), { instanceOf: ValidationError });
    t.true(err!.message.includes(`files key ${JSON.stringify(key)}`), err!.message);
  }
  t.false(await exists(join(env.paths.assets, scope)));
  // Asset names are validated too.
  await t.throwsAsync(env.apply([asset(scope, '../etc', { k: 'x' })]), { instanceOf: ValidationError, message: /asset name/ });
});

test('a value of any other shape is a 400 naming the key and the accepted shapes', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  for (const value of [42, null, ['a'], { _source: 'ftp' }, { _source: 'file', content: 'not base64!' }, { _source: 'url' }]) {
    const err = await t.throwsAsync(env.apply([asset(scope, 'shape', { k: value })]), { instanceOf: ValidationError });
    t.true(err!.message.startsWith(`asset/${scope}/shape: files.k`), err!.message);
  }
  const err = await t.throwsAsync(env.apply([asset(scope, 'shape', { k: 42 })]));
  t.regex(err!.message, /accepted: a string \(inline content\)/);
  await t.throwsAsync(env.apply([asset(scope, 'shape', { k: url(`${base}/x`, { on_failure: 'maybe' }) })]), { message: /on_failure "maybe"/ });
  await t.throwsAsync(env.apply([asset(scope, 'shape', { k: url(`${base}/x`, { timeout: 'soon' }) })]), { message: /timeout "soon"/ });
});

test('undeclared files are swept; a directory at a key path is replaced by the file', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const a1 = asset(scope, 'sw', { a: 'A', b: 'B' });
  await env.apply([a1]);
  await env.reconcile(a1);
  const dir = env.paths.assetDir(scope, 'sw');
  await writeFile(join(dir, 'stray'), 'left by someone');
  await mkdir(join(dir, 'a2'));
  await writeFile(join(dir, 'a2', 'inside'), 'x');

  const a2 = asset(scope, 'sw', { a: 'A', a2: 'now a file' });
  await env.apply([a2]);
  await env.reconcile(a2);
  t.deepEqual((await readdir(dir)).sort(), ['a', 'a2']);
  t.is(await readFile(join(dir, 'a2'), 'utf8'), 'now a file');
  t.deepEqual((await env.status(scope, 'sw'))?.files, { a: sha('A'), a2: sha('now a file') });
});

test('stamping: a content change flips the consumer digest; unchanged content keeps the spec identical', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const spec = () => ({
    env: { CONF: '${asset.conf.main}' },
    _asset_digests: { 'left.over': 'from an earlier apply' },
    depends_on: { assets: ['conf.extra'] },
  });
  const d1 = deployment(scope, 'api', spec());
  await env.apply([asset(scope, 'conf', { main: 'v1', extra: 'e' }), d1]);
  const first = structuredClone(d1.spec);
  t.deepEqual((first as any)._asset_digests, { [`${scope}.conf.extra`]: sha('e'), [`${scope}.conf.main`]: sha('v1') });

  const d2 = deployment(scope, 'api', spec());
  await env.apply([asset(scope, 'conf', { main: 'v1', extra: 'e' }), d2]);
  t.is(JSON.stringify(d2.spec), JSON.stringify(first), 'byte-identical spec for unchanged content');

  const d3 = deployment(scope, 'api', spec());
  await env.apply([asset(scope, 'conf', { main: 'v2', extra: 'e' }), d3]);
  t.is((d3.spec as any)._asset_digests[`${scope}.conf.main`], sha('v2'));
  t.not(JSON.stringify(d3.spec), JSON.stringify(first));

  // No references: no _asset_digests at all (a stale one is dropped).
  const plain = deployment(scope, 'plain', { _asset_digests: { x: 'y' } });
  await env.apply([plain]);
  t.false('_asset_digests' in plain.spec);
});

test('an unresolved reference is a 400 naming the reference, the consumer and the field', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const d = deployment(scope, 'api', { volumes: ['/a:/a', '${asset.nope.key}:/etc/x'] });
  const err = await t.throwsAsync(env.apply([d]), { instanceOf: ValidationError });
  t.is(
    err!.message,
    `unresolved asset reference "\${asset.nope.key}" in deployment/${scope}/api (field spec.volumes[1]): no asset "nope" with key "key" in this apply or on the controller`,
  );
  // The asset exists but not the key.
  const err2 = await t.throwsAsync(env.apply([asset(scope, 'have', { a: '1' }), deployment(scope, 'api', { depends_on: { assets: ['have.b'] } })]));
  t.regex(err2!.message, /unresolved asset reference "\$\{asset\.have\.b\}" .*\(field spec\.depends_on\.assets\[0\]\): no asset "have" with key "b"/);
  // Malformed references are refused rather than passed to the container literally.
  await t.throwsAsync(env.apply([deployment(scope, 'api', { command: ['${asset.only}'] })]), { message: /is not an asset reference/ });
});

test('references resolve from the stored status when the asset is not in the batch', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const a = asset(scope, 'tls', { cert: 'CERT' });
  await env.apply([a]);
  await env.reconcile(a);
  const d = deployment(scope, 'edge', { volumes: ['${asset.tls.cert}:/cert'] });
  await env.apply([d]);
  t.deepEqual((d.spec as any)._asset_digests, { [`${scope}.tls.cert`]: sha('CERT') });
});

test('two-segment references prefer the caller scope\'s asset, else the unscoped one; three segments name the scope', async (t) => {
  const env = await boot(t);
  const prod = unique('p');
  const staging = unique('st');
  const name = unique('shared');
  const unscoped = asset('', name, { k: 'global' });
  const scoped = asset(prod, name, { k: 'prod only' });
  await env.apply([unscoped, scoped]);
  await env.reconcile(unscoped);
  await env.reconcile(scoped);

  const inProd = deployment(prod, 'a', { command: [`\${asset.${name}.k}`] });
  const inStaging = deployment(staging, 'b', { command: [`\${asset.${name}.k}`] });
  const cross = { kind: 'cronjob', scope: staging, name: 'c', spec: { schedule: '* * * * *', job: { command: [`\${asset.${prod}.${name}.k}`] } } };
  await env.apply([inProd, inStaging, cross]);
  t.deepEqual((inProd.spec as any)._asset_digests, { [`${prod}.${name}.k`]: sha('prod only') });
  t.deepEqual((inStaging.spec as any)._asset_digests, { [`${name}.k`]: sha('global') });
  t.deepEqual((cross.spec as any)._asset_digests, { [`${prod}.${name}.k`]: sha('prod only') });

  // The service resolves the same way.
  const r1 = await env.assets.resolveRef(`\${asset.${name}.k}`, prod);
  t.deepEqual(r1, { scope: prod, name, key: 'k', path: join(env.paths.assets, prod, name, 'k') });
  const r2 = await env.assets.resolveRef(`\${asset.${name}.k}`, staging);
  t.deepEqual(r2, { scope: '', name, key: 'k', path: join(env.paths.assets, name, 'k') });
  const r3 = await env.assets.resolveRef(`${prod}.${name}.k`, staging);
  t.is(r3.scope, prod);
  t.is(await readFile(r1.path, 'utf8'), 'prod only');
  t.is(await readFile(r2.path, 'utf8'), 'global');
  t.is(await env.assets.interpolate(`-c \${asset.${name}.k}`, staging), `-c ${r2.path}`);
  await t.throwsAsync(env.assets.resolveRef(`\${asset.${name}.missing}`, prod), { instanceOf: NotFoundError });
  await t.throwsAsync(env.assets.resolveRef('not a ref', prod), { instanceOf: ValidationError });
});

test('cronjob: refs under spec.job and job.depends_on are stamped', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const cj: Manifest = {
    kind: 'cronjob',
    scope,
    name: 'nightly',
    spec: { schedule: '@daily', job: { env: { F: '${asset.j.a}' }, depends_on: { assets: ['j.b'] }, _ignored: '${asset.j.zzz}' } },
  };
  await env.apply([asset(scope, 'j', { a: '1', b: '2' }), cj]);
  t.deepEqual((cj.spec as any)._asset_digests, { [`${scope}.j.a`]: sha('1'), [`${scope}.j.b`]: sha('2') });
});

test('delete removes the scoped asset directory and its status', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const a = asset(scope, 'gone', { k: 'x' });
  await env.apply([a]);
  await env.reconcile(a);
  t.true(await exists(env.paths.assetDir(scope, 'gone')));
  await env.remove(scope, 'gone');
  t.false(await exists(env.paths.assetDir(scope, 'gone')));
  t.false(await exists(join(env.paths.assets, scope)), 'the emptied scope directory goes too');
  t.is(await env.status(scope, 'gone'), undefined);
  // Deleting again is harmless.
  await env.remove(scope, 'gone');
});

test('a scoped and an unscoped asset with the same name do not collide', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const name = unique('same');
  const u = asset('', name, { k: 'unscoped' });
  const s = asset(scope, name, { k: 'scoped' });
  await env.apply([u, s]);
  await env.reconcile(u);
  await env.reconcile(s);
  t.is(await readFile(join(env.paths.assets, name, 'k'), 'utf8'), 'unscoped');
  t.is(await readFile(join(env.paths.assets, scope, name, 'k'), 'utf8'), 'scoped');
  t.deepEqual((await env.status('', name))?.files, { k: sha('unscoped') });
  t.deepEqual((await env.status(scope, name))?.files, { k: sha('scoped') });
  t.truthy(await env.store.get(`/desired/assets/${scope}/${name}`));
  t.truthy(await env.store.get(`/desired/assets/${name}`));

  await env.remove(scope, name);
  t.is(await readFile(join(env.paths.assets, name, 'k'), 'utf8'), 'unscoped');
  t.deepEqual((await env.status('', name))?.files, { k: sha('unscoped') });
});

test('an unscoped asset named like the scope of other assets is refused (their directories would nest)', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  await t.throwsAsync(env.apply([asset(scope, 'x', { k: '1' }), asset('', scope, { k: '2' })]), { instanceOf: ConflictError });
  await env.apply([asset(scope, 'x', { k: '1' })]);
  await t.throwsAsync(env.apply([asset('', scope, { k: '2' })]), { instanceOf: ConflictError, message: new RegExp(`asset/${scope}/x`) });
});

test('ensureMaterialised rewrites files that drifted from status and leaves matching ones alone', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const a = asset(scope, 'en', { k: 'content' });
  await env.apply([a]);
  await t.throwsAsync(env.assets.ensureMaterialised(scope, 'never'), { instanceOf: NotFoundError });
  // Stored but never reconciled: ensureMaterialised does it.
  const status = await env.assets.ensureMaterialised(scope, 'en');
  const path = env.assets.pathOf(scope, 'en', 'k');
  t.is(await readFile(path, 'utf8'), 'content');
  t.deepEqual(status.files, { k: sha('content') });

  const again = await env.assets.ensureMaterialised(scope, 'en');
  t.is(again.materialised_at, status.materialised_at, 'nothing to do');
  await writeFile(path, 'tampered');
  const fixed = await env.assets.ensureMaterialised(scope, 'en');
  t.not(fixed.materialised_at, status.materialised_at);
  t.is(await readFile(path, 'utf8'), 'content');
  t.deepEqual(await env.assets.status(scope, 'en'), fixed);
});

test('pathOf validates every segment', async (t) => {
  const env = await boot(t);
  t.is(env.assets.pathOf('', 'n', 'k'), join(env.paths.assets, 'n', 'k'));
  t.throws(() => env.assets.pathOf('', 'n', '../k'), { instanceOf: ValidationError });
  t.throws(() => env.assets.pathOf('..', 'n', 'k'), { instanceOf: ValidationError });
  t.throws(() => env.assets.pathOf('s', 'a/b', 'k'), { instanceOf: ValidationError });
});

test('a symlink in the asset path is refused; nothing is written through it', async (t) => {
  const env = await boot(t);
  const scope = unique('s');
  const outside = await mkdtemp(join(tmpdir(), 'voodu-assets-outside-'));
  cleanups.push(() => rm(outside, { recursive: true, force: true }));
  await symlink(outside, join(env.paths.assets, scope));
  const a = asset(scope, 'evil', { k: 'x' });
  await env.apply([a]);
  await t.throwsAsync(env.reconcile(a), { message: /symbolic link/ });
  t.deepEqual(await readdir(outside), []);
  await t.throwsAsync(env.remove(scope, 'evil'), { message: /symbolic link/ });
});
