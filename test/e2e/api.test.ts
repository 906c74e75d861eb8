import test from 'ava';
import { request } from 'node:http';
import { createLogger } from '../../kernel/index.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { ApiServer } from '../../modules/api/server.js';
import { API_ONLY, bootController, type TestController } from '../helpers/controller.js';

// The api module alone (store and runtime disabled): envelope, limits and errors over real HTTP.
let ctl: TestController;
test.before(async () => {
  ctl = await bootController({ modules: API_ONLY });
  const api = ctl.kernel.services.get('api', 'test');
  api.route('GET', '/echo/:name', (req) => ({ name: req.params.name, q: req.query.q ?? null }));
  api.route('POST', '/echo', (req) => req.body);
  api.route('GET', '/bad', () => {
    throw new ValidationError('query.kind: "pods" is not a kind; accepted: deployment, job', { field: 'kind' });
  });
  api.route('GET', '/missing', () => {
    throw new NotFoundError('deployment prod/api not found');
  });
  api.route('POST', '/created', () => api.reply(201, { id: 'x' }));
  api.route('GET', '/crash', () => {
    throw new Error('unexpected');
  });
});
test.after.always(() => ctl?.cleanup());

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(ctl.url + path, { method, ...(body !== undefined ? { body } : {}), headers: { authorization: `Bearer ${ctl.token}`, ...headers } });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

test('GET /health answers the version and the commit, not enveloped', async (t) => {
  const { status, json } = await call('GET', '/health');
  t.is(status, 200);
  t.is(json.status, 'ok');
  t.regex(json.version, /^\d+\.\d+\.\d+ \(commit: [0-9a-f]{7,}(-dirty)?\)$/);
  t.is(json.data, undefined);
});

test('answers are enveloped, with route params and query decoded', async (t) => {
  const { status, json } = await call('GET', '/echo/a%3Ab?q=x%20y');
  t.is(status, 200);
  t.deepEqual(json, { status: 'ok', data: { name: 'a:b', q: 'x y' } });
});

test('a JSON body round-trips; reply() sets the status', async (t) => {
  const sent = { kind: 'deployment', spec: { image: 'nginx', replicas: 2 } };
  const { json } = await call('POST', '/echo', JSON.stringify(sent), { 'content-type': 'application/json' });
  t.deepEqual(json, { status: 'ok', data: sent });
  const created = await call('POST', '/created');
  t.is(created.status, 201);
  t.deepEqual(created.json, { status: 'ok', data: { id: 'x' } });
});

test('typed errors map to their status inside the envelope', async (t) => {
  const bad = await call('GET', '/bad');
  t.is(bad.status, 400);
  t.deepEqual(bad.json, { status: 'error', error: 'query.kind: "pods" is not a kind; accepted: deployment, job' });
  const missing = await call('GET', '/missing');
  t.is(missing.status, 404);
  t.is(missing.json.error, 'deployment prod/api not found');
  const crash = await call('GET', '/crash');
  t.is(crash.status, 500);
  t.is(crash.json.status, 'error');
});

test('unknown routes and methods answer in the envelope', async (t) => {
  const nf = await call('GET', '/nope');
  t.is(nf.status, 404);
  t.is(nf.json.status, 'error');
  t.truthy(nf.json.error);
  const wrong = await call('DELETE', '/echo');
  t.is(wrong.status, 405);
  t.is(wrong.json.status, 'error');
});

test('invalid JSON is a 400 that says so', async (t) => {
  const { status, json } = await call('POST', '/echo', '{"kind":', { 'content-type': 'application/json' });
  t.is(status, 400);
  t.regex(json.error, /request body is not valid JSON/);
});

test('a body over 1 MiB gets a 413 envelope naming the limit', async (t) => {
  const big = 'a'.repeat(1024 * 1024 + 1);
  const { status, json } = await call('POST', '/echo', big, { 'content-type': 'application/json' });
  t.is(status, 413);
  t.is(json.status, 'error');
  t.regex(json.error, /exceeds the 1 MiB limit \(1048576 bytes\)/);
  // Exactly at the limit is accepted (and then parsed).
  const atLimit = JSON.stringify('a'.repeat(1024 * 1024 - 2));
  t.is((await call('POST', '/echo', atLimit, { 'content-type': 'application/json' })).status, 200);
});

test('a chunked body without Content-Length is capped too', async (t) => {
  const { port } = new URL(ctl.url);
  const status = await new Promise<number>((resolve, reject) => {
    const headers = { 'transfer-encoding': 'chunked', 'content-type': 'application/json', authorization: `Bearer ${ctl.token}` };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, 'b');
    for (let i = 0; i < 20; i++) req.write(chunk); // 1.25 MiB
    req.end();
  });
  t.is(status, 413);
});

test('requests before every module started get 503; the token gates the API', async (t) => {
  const server = new ApiServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1024, token: 's3cret', tokenHint: 'the test', log: createLogger({ sink: () => {} }) });
  server.route('GET', '/x', () => 'y');
  await server.listen();
  try {
    const url = server.address().url;
    const auth = { authorization: 'Bearer s3cret' };
    t.is((await fetch(url + '/x', { headers: auth })).status, 503);
    server.markReady();
    t.is((await fetch(url + '/x')).status, 401);
    t.is((await fetch(url + '/x', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const ok = await fetch(url + '/x', { headers: auth });
    t.deepEqual(await ok.json(), { status: 'ok', data: 'y' });
  } finally {
    await server.close();
  }
});

test('the token cannot be given on the command line, where ps shows it', async (t) => {
  const err = await t.throwsAsync(bootController({ modules: API_ONLY, flags: ['--api-token', 'a-long-enough-token-value'] }));
  t.regex(err!.message, /--api-token/);
});

test('a malformed body is refused without echoing any of it', async (t) => {
  const { status, json } = await call('POST', '/echo', '{"PASSWORD": hunter2}', { 'content-type': 'application/json' });
  t.is(status, 400);
  t.false(json.error.includes('hunter2'));
  t.regex(json.error, /request body is not valid JSON/);
});
