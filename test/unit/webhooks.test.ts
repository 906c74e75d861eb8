/**
 * The webhooks module's pure parts: templating, payload
 * shape, transition ids and dedup, request method/header precedence,
 * options — and the service against a loopback receiver for the retry
 * count, the drop log line, the default-payload fallback and stop().
 */
import test from 'ava';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { Dedup } from '../../modules/webhooks/dedup.js';
import { validateOptions } from '../../modules/webhooks/options.js';
import { deployPayload, probePayload, rfc3339, tokenValues, transitionId } from '../../modules/webhooks/payload.js';
import { USER_AGENT, buildRequest } from '../../modules/webhooks/request.js';
import { createWebhooks } from '../../modules/webhooks/service.js';
import { render } from '../../modules/webhooks/template.js';

const ref = { kind: 'deployment', scope: 'prod', name: 'api' };

test('templating: every string value, nested through maps and arrays; keys, non-strings and unknown tokens untouched', (t) => {
  const body = {
    text: '{{name}} {{status}} {{release_id}}',
    '{{name}}': 'key stays',
    blocks: [{ type: 'section', fields: ['*{{scope}}*', 42, true, null, { deep: '{{image}}/{{nope}}/{{ name }}' }] }],
    count: 3,
  };
  const copy = structuredClone(body);
  const out = render(body, { name: 'api', status: 'success', release_id: 'r1', scope: 'prod', image: 'img:1' });
  t.deepEqual(out, {
    text: 'api success r1',
    '{{name}}': 'key stays',
    blocks: [{ type: 'section', fields: ['*prod*', 42, true, null, { deep: 'img:1/{{nope}}/{{ name }}' }] }],
    count: 3,
  });
  t.deepEqual(body, copy, 'the stored body is not changed (deep copy)');
  // One pass: a value that itself looks like a token is not expanded again.
  t.is(render('{{error}}', { error: '{{name}}', name: 'x' }), '{{name}}');
});

test('default on_deploy payload: reference field names and order, omitempty, RFC 3339 UTC to the second', (t) => {
  const p = deployPayload({
    ref,
    slot: 'success',
    release_id: 'abc123def',
    image: 'img:1',
    started_at: '2024-05-01T10:00:00.123Z',
    completed_at: '2024-05-01T10:00:07.999Z',
  });
  t.deepEqual(Object.keys(p), ['kind', 'scope', 'name', 'release_id', 'image', 'status', 'started_at', 'completed_at']);
  t.like(p, { kind: 'deployment', scope: 'prod', name: 'api', status: 'success', started_at: '2024-05-01T10:00:00Z', completed_at: '2024-05-01T10:00:07Z' });
  const f = deployPayload({ ref, slot: 'failure', error: 'boom' });
  t.deepEqual(f, { kind: 'deployment', scope: 'prod', name: 'api', status: 'failure', error: 'boom' });
  t.is(rfc3339('garbage'), undefined);
  t.is(rfc3339(0), '1970-01-01T00:00:00Z');
});

test('default on_probe payload: status "" always present, probe fields, timestamp; tokens cover every field', (t) => {
  const at = Date.UTC(2024, 4, 1, 10, 0, 0, 500);
  const p = probePayload({ ref, slot: 'failure', pod: 'prod-api.a1b2', probe: 'readiness', transition: 'unhealthy', reason: 'exec: exit 1', at });
  t.deepEqual(Object.keys(p), ['kind', 'scope', 'name', 'status', 'pod', 'probe', 'transition', 'transition_id', 'reason', 'timestamp']);
  t.is(p.status, '');
  t.is(p.timestamp, '2024-05-01T10:00:00Z');
  t.regex(p.transition_id!, /^[0-9a-f]{12}$/);
  const v = tokenValues(p);
  t.like(v, { pod: 'prod-api.a1b2', probe: 'readiness', transition: 'unhealthy', reason: 'exec: exit 1', status: '', release_id: '', error: '' });
  t.is(Object.keys(v).length, 15);
});

test('transition_id: sha256(scope|name|pod|probe|transition|unix-seconds)[:12], deterministic, varies, truncated to the second', (t) => {
  const base = { ref, pod: 'prod-api.a1b2', probe: 'readiness' as const, transition: 'unhealthy', at: 1_714_557_600_000 };
  t.regex(transitionId(base), /^[0-9a-f]{12}$/);
  t.is(transitionId(base), transitionId({ ...base, at: base.at + 999 }), 'same second, same id');
  t.not(transitionId(base), transitionId({ ...base, at: base.at + 1000 }), 'next second, new id');
  t.not(transitionId(base), transitionId({ ...base, transition: 'healthy' }));
  t.not(transitionId(base), transitionId({ ...base, pod: 'prod-api.ffff' }));
  t.not(transitionId(base), transitionId({ ...base, probe: 'liveness' }));
});

test('transition_id matches an independent sha256 of the documented input', async (t) => {
  const { createHash } = await import('node:crypto');
  const at = 1_714_557_600_750;
  const expected = createHash('sha256').update('prod|api|prod-api.a1b2|liveness|healthy|1714557600').digest('hex').slice(0, 12);
  t.is(transitionId({ ref, pod: 'prod-api.a1b2', probe: 'liveness', transition: 'healthy', at }), expected);
});

test('dedup: a repeat within 60 s is dropped; after the window it is admitted again', (t) => {
  let now = 1_000_000;
  const d = new Dedup(60_000, () => now);
  t.true(d.admit('a'));
  t.false(d.admit('a'));
  t.true(d.admit('b'));
  now += 59_999;
  t.false(d.admit('a'));
  now += 1;
  t.true(d.admit('a'), 'expired');
  t.false(d.admit('a'));
});

test('request: method upper-cased (default POST); content-type default, operator headers override it; User-Agent forced', (t) => {
  const r = buildRequest({ url: 'https://hooks.example.test/T000/secret', method: 'patch', headers: { 'Content-Type': 'text/plain', 'User-Agent': 'mine', 'X-Key': 'k' } });
  t.is(r.method, 'PATCH');
  t.is(r.headers.get('content-type'), 'text/plain');
  t.is(r.headers.get('x-key'), 'k');
  t.is(r.headers.get('user-agent'), USER_AGENT);
  const d = buildRequest({ url: 'http://127.0.0.1:9/x' });
  t.is(d.method, 'POST');
  t.is(d.headers.get('content-type'), 'application/json');
  t.is(d.headers.get('user-agent'), 'voodu-deploy-webhook');
  const bad = t.throws(() => buildRequest({ url: 'http://127.0.0.1:9/x', headers: { 'X-Token': 'sec\nret' } }));
  t.regex(bad.message, /header "X-Token"/);
  t.false(bad.message.includes('sec'), 'the value is never echoed');
  t.regex(t.throws(() => buildRequest({ url: 'not a url/secret' })).message, /^url is not an absolute URL$/);
});

test('options: defaults as the spec; every bad value names the field', (t) => {
  t.deepEqual(validateOptions(undefined), { attemptTimeoutMs: 10_000, retryDelaysMs: [1000, 5000], budgetMs: 120_000 });
  t.deepEqual(validateOptions({ retryDelaysMs: [0, 10], attemptTimeoutMs: 500 }), { attemptTimeoutMs: 500, retryDelaysMs: [0, 10], budgetMs: 120_000 });
  t.regex(t.throws(() => validateOptions({ retryDelaysMs: [1, -1] }), { instanceOf: ValidationError }).message, /webhooks\.retryDelaysMs/);
  t.regex(t.throws(() => validateOptions({ attemptTimeoutMs: 0 }), { instanceOf: ValidationError }).message, /webhooks\.attemptTimeoutMs/);
  t.regex(t.throws(() => validateOptions({ retries: 3 }), { instanceOf: ValidationError }).message, /webhooks\.retries: unknown option/);
  t.throws(() => validateOptions([]), { instanceOf: ValidationError });
});

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback receiver answering with `statuses` in turn (the last one repeats). */
async function receiver(t: { teardown(fn: () => unknown): void }, statuses: number[] | ((n: number) => number)) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const n = seen.length;
      const status = typeof statuses === 'function' ? statuses(n) : (statuses[n - 1] ?? statuses[statuses.length - 1]!);
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function service(timings: Partial<{ attemptTimeoutMs: number; retryDelaysMs: number[]; budgetMs: number }> = {}) {
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', sink: (l) => logs.push(l) });
  let now = 1_000_000;
  const svc = createWebhooks({ log, timings: { attemptTimeoutMs: 2000, retryDelaysMs: [10, 10], budgetMs: 10_000, ...timings }, assets: () => undefined, now: () => now });
  return { svc, logs, advance: (ms: number) => (now += ms) };
}

test('delivery: 500, 500, 200 → delivered on attempt 3; deploy() returns before anything is sent', async (t) => {
  const rx = await receiver(t, [500, 500, 200]);
  const { svc, logs } = service();
  svc.deploy({ ref, slot: 'success', release_id: 'r1' }, { success: [{ url: `${rx.url}/hook` }] });
  t.is(rx.seen.length, 0, 'fire-and-forget');
  await svc.idle();
  t.is(rx.seen.length, 3);
  t.true(logs.some((l) => l.includes('deployment/prod/api on_deploy webhook (success) delivered to http://127.0.0.1') && l.includes('(attempt 3)')));
  t.deepEqual(JSON.parse(rx.seen[2]!.body), { kind: 'deployment', scope: 'prod', name: 'api', release_id: 'r1', status: 'success' });
});

test('delivery: always 500 → exactly 3 attempts, then one "dropped after retries" line without URL path, headers or body', async (t) => {
  const rx = await receiver(t, [500]);
  const { svc, logs } = service();
  svc.deploy(
    { ref, slot: 'failure', error: 'boom' },
    { failure: [{ url: `${rx.url}/T0/very-secret-path`, headers: { Authorization: 'Bearer sekrit' }, body: { text: 'token sekrit2 {{error}}' } }] },
  );
  await svc.idle();
  t.is(rx.seen.length, 3);
  t.is(JSON.parse(rx.seen[0]!.body).text, 'token sekrit2 boom');
  t.is(rx.seen[0]!.headers['authorization'], 'Bearer sekrit');
  const dropped = logs.filter((l) => l.includes('deployment/prod/api on_deploy webhook (failure) dropped after retries:'));
  t.is(dropped.length, 1, logs.join('\n'));
  t.regex(dropped[0]!, /3 attempt\(s\), last: HTTP 500/);
  t.false(logs.some((l) => l.includes('very-secret-path') || l.includes('sekrit')), 'no secrets in the log');
});

test('delivery: several targets in parallel with [i/n] in their lines; a bad file body falls back to the default payload', async (t) => {
  const ok = await receiver(t, [200]);
  const { svc, logs } = service({ retryDelaysMs: [] });
  svc.deploy(
    { ref, slot: 'failure', error: 'boom' },
    { failure: [{ url: `${ok.url}/a`, method: 'put' }, { url: `${ok.url}/b`, file: '${asset.hooks.tpl}' }, { url: 'http://127.0.0.1:1/closed' }] },
  );
  await svc.idle();
  const byPath = Object.fromEntries(ok.seen.map((s) => [s.path, s]));
  t.is(byPath['/a']?.method, 'PUT');
  t.is(byPath['/b']?.method, 'POST');
  t.deepEqual(JSON.parse(byPath['/b']!.body), { kind: 'deployment', scope: 'prod', name: 'api', status: 'failure', error: 'boom' });
  t.true(logs.some((l) => l.includes('(failure[2/3]) body build failed, sending the default payload') && l.includes('assets module is not enabled')));
  t.true(logs.some((l) => l.includes('(failure[3/3]) dropped after retries: 1 attempt(s)')));
  t.false(logs.some((l) => l.includes('/closed')));
});

test('only the matching slot fires; a missing block or empty slot is a no-op', async (t) => {
  const rx = await receiver(t, [200]);
  const { svc } = service();
  svc.deploy({ ref, slot: 'success' }, { failure: [{ url: rx.url }] });
  svc.deploy({ ref, slot: 'success' }, undefined);
  svc.probe({ ref, slot: 'recovery', pod: 'p', probe: 'readiness', transition: 'healthy', at: 0 }, { failure: [{ url: rx.url }] });
  await svc.idle();
  t.is(rx.seen.length, 0);
});

test('probe: a repeat of the same transition within 60 s is dropped, delivered again after it', async (t) => {
  const rx = await receiver(t, [200]);
  const { svc, advance } = service();
  const ev = { ref, slot: 'failure' as const, pod: 'prod-api.a1b2', probe: 'readiness' as const, transition: 'unhealthy', reason: 'r', at: 1_714_557_600_000 };
  const onProbe = { failure: [{ url: rx.url, body: { id: '{{transition_id}}', who: '{{pod}} {{probe}} {{transition}}' } }] };
  svc.probe(ev, onProbe);
  svc.probe(ev, onProbe);
  await svc.idle();
  t.is(rx.seen.length, 1);
  t.deepEqual(JSON.parse(rx.seen[0]!.body), { id: transitionId(ev), who: 'prod-api.a1b2 readiness unhealthy' });
  advance(60_000);
  svc.probe(ev, onProbe);
  await svc.idle();
  t.is(rx.seen.length, 2);
});

test('stop() aborts pending retries at once', async (t) => {
  const rx = await receiver(t, [500]);
  const { svc, logs } = service({ retryDelaysMs: [60_000, 60_000] });
  svc.deploy({ ref, slot: 'success' }, { success: [{ url: rx.url }] });
  for (let i = 0; i < 200 && rx.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  await svc.stop();
  t.true(Date.now() - started < 5000, 'did not wait for the 60 s pause');
  t.is(rx.seen.length, 1);
  // The stop may land while the first answer is still on its way, or in the pause after it.
  t.true(logs.some((l) => /dropped after retries: controller stopping (after|during) attempt 1/.test(l)), logs.join('\n'));
  svc.deploy({ ref, slot: 'success' }, { success: [{ url: rx.url }] });
  await svc.idle();
  t.is(rx.seen.length, 1, 'nothing is sent after stop');
});

test('timeouts: an attempt without an answer ends at attemptTimeoutMs; the target budget ends the retries', async (t) => {
  const sockets = new Set<import('node:net').Socket>();
  const silent = createServer(() => undefined); // never answers
  silent.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => silent.close(() => r()));
  });
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  const a = service({ attemptTimeoutMs: 200, retryDelaysMs: [0] });
  a.svc.deploy({ ref, slot: 'success' }, { success: [{ url }] });
  await a.svc.idle();
  t.true(a.logs.some((l) => l.includes('dropped after retries: 2 attempt(s), last: no answer within 0.2 s')), a.logs.join('\n'));
  const b = service({ attemptTimeoutMs: 200, retryDelaysMs: [5000, 5000], budgetMs: 600 });
  const started = Date.now();
  b.svc.deploy({ ref, slot: 'success' }, { success: [{ url }] });
  await b.svc.idle();
  t.true(Date.now() - started < 3000);
  t.true(b.logs.some((l) => l.includes('dropped after retries: budget of 0.6 s spent after attempt 1: no answer within 0.2 s')), b.logs.join('\n'));
});
