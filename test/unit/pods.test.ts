import test from 'ava';
import { FrameDecoder, decodeTrailer, encodeFrame, encodeTrailer } from '../../lib/exec-frames.js';
import { parsePodRef, type WirePod } from '../../modules/pods/cli-refs.js';
import { renderPods } from '../../modules/pods/cli-get.js';
import { statsFilter } from '../../modules/pods/cli-stats.js';
import { ownerOf, podOf } from '../../modules/pods/identity.js';
import { LinePrefixer } from '../../modules/pods/logs.js';
import { filterOf, podName, sinceParam, tailParam } from '../../modules/pods/params.js';
import { queryFlag as boolParam } from '../../lib/query-flag.js';
import { execBody, execQuery } from '../../modules/pods/exec-request.js';
import { kinds } from '../helpers/kinds.js';

test('exec frames survive any chunking, and the trailer is read back or reported unreadable', (t) => {
  const wire = Buffer.concat([encodeFrame(1, 'out'), encodeFrame(2, Buffer.from('err')), encodeTrailer({ exit_code: 7 })]);
  for (let cut = 1; cut < wire.length; cut++) {
    const d = new FrameDecoder();
    const frames = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    t.deepEqual(frames.map((f) => [f.type, f.payload.toString()]), [[1, 'out'], [2, 'err'], [3, '{"exit_code":7}']], `cut at ${cut}`);
    t.is(d.pending, 0);
  }
  t.deepEqual(decodeTrailer(Buffer.from('{"exit_code":0}')), { exit_code: 0 });
  t.deepEqual(decodeTrailer(Buffer.from('{"error":"boom"}')), { error: 'boom' });
  t.regex(decodeTrailer(Buffer.from('nope')).error!, /unreadable exec trailer/);
  t.regex(decodeTrailer(Buffer.from('{"exit_code":1.5}')).error!, /unreadable/);
});

test('log lines get their prefix whole, across chunks and split multi-byte characters', (t) => {
  const p = new LinePrefixer('[a] ');
  const euro = Buffer.from('€');
  t.is(p.push(Buffer.concat([Buffer.from('one\ntw'), euro.subarray(0, 1)])), '[a] one\n');
  t.is(p.push(Buffer.concat([euro.subarray(1), Buffer.from('o\nthr')]))!, '[a] tw€o\n');
  t.is(p.push(Buffer.from('ee')), '');
  t.is(p.flush(), '[a] three\n');
  t.is(p.flush(), '');
});

test('pod refs: container names, scope/name.replica, scope/name, scope; malformed ones are refused', (t) => {
  t.deepEqual(parsePodRef('prod-api.a1b2'), { pod: 'prod-api.a1b2' });
  t.deepEqual(parsePodRef('prod/api.a1b2'), { pod: 'prod-api.a1b2' });
  t.deepEqual(parsePodRef('data/pg.0'), { pod: 'data-pg.0' });
  t.deepEqual(parsePodRef('prod/api'), { scope: 'prod', name: 'api' });
  t.deepEqual(parsePodRef('prod'), { scope: 'prod' });
  for (const bad of ['', 'a/b/c', '/api', 'prod/', '.hidden', 'a b', 'prod/api.', 'prod/.x']) {
    t.throws(() => parsePodRef(bad), { message: /not a pod reference/ }, bad);
  }
});

const wire = (name: string, extra: Partial<WirePod> = {}): WirePod => ({
  name,
  id: name,
  kind: 'deployment',
  scope: 's',
  resource: 'r',
  replica_id: 'x',
  role: 'deployment',
  image: 'img',
  state: 'running',
  status: 'Up 1 second',
  created_at: '',
  frozen: false,
  orphan: false,
  ...extra,
});

test('get pods groups by role in the documented order, orphans last, degraded replicas called out', (t) => {
  const out = renderPods([
    wire('z-backup', { role: 'backup', kind: 'job' }),
    wire('a-custom', { role: 'custom', kind: 'job' }),
    wire('o-orphan', { orphan: true }),
    wire('s-0', { role: 'statefulset', kind: 'statefulset', state: 'exited', status: 'Exited (1) 2 seconds ago' }),
    wire('d-1', { frozen: true, state: 'exited', status: 'Exited (0) 1 second ago' }),
    wire('l', { kind: '', role: '', scope: '', resource: '' }),
    wire('j-1', { role: 'job', kind: 'job' }),
  ]);
  const groups = [...out.matchAll(/^=== (.+) \((\d+)\) ===$/gm)].map((m) => `${m[1]}:${m[2]}`);
  t.deepEqual(groups, ['deployment:1', 'statefulset:1', 'job:1', 'backup:1', 'custom:1', 'legacy:1', 'orphans:1', 'DEGRADED:1']);
  t.regex(out, /d-1 .*Exited \(0\) 1 second ago \(frozen\)/);
  t.regex(out, /^l\s+\(legacy\)\s+-\s+-\s+img/m);
  t.regex(out.slice(out.indexOf('DEGRADED')), /s-0/);
});

test('stats refs: kind, scope, scope/name, kind/scope/name; never both a ref and flags', (t) => {
  t.deepEqual(statsFilter(kinds, undefined, { scope: 'p' }), { kind: undefined, scope: 'p', name: undefined });
  t.deepEqual(statsFilter(kinds, 'deployments', {}), { kind: 'deployment' });
  t.deepEqual(statsFilter(kinds, 'prod', {}), { scope: 'prod' });
  t.deepEqual(statsFilter(kinds, 'prod/api', {}), { scope: 'prod', name: 'api' });
  t.deepEqual(statsFilter(kinds, 'statefulset/data/pg', {}), { kind: 'statefulset', scope: 'data', name: 'pg' });
  t.throws(() => statsFilter(kinds, 'widget/a/b', {}), { message: /not a kind/ });
  t.throws(() => statsFilter(kinds, 'prod', { scope: 'x' }), { message: /either a ref or/ });
  t.throws(() => statsFilter(kinds, 'a/b/c/d', {}));
});

test('identity: release containers belong to their deployment, init to their parent, plugin roles to nobody', (t) => {
  const l = (labels: Record<string, string>) => ({ labels: { createdby: 'voodu', 'voodu.scope': 's', ...labels } });
  t.deepEqual(ownerOf(l({ 'voodu.kind': 'deployment', 'voodu.name': 'api' })), { kind: 'deployment', scope: 's', name: 'api' });
  t.deepEqual(ownerOf(l({ 'voodu.kind': 'job', 'voodu.name': 'api-release', 'voodu.role': 'release' })), { kind: 'deployment', scope: 's', name: 'api' });
  t.deepEqual(ownerOf(l({ 'voodu.kind': 'statefulset', 'voodu.name': 'pg', 'voodu.role': 'init' })), { kind: 'statefulset', scope: 's', name: 'pg' });
  t.is(ownerOf(l({ 'voodu.kind': 'job', 'voodu.name': 'pg-backup', 'voodu.role': 'backup' })), undefined);
  t.is(ownerOf(l({})), undefined);
  const pod = podOf(
    { id: 'i', name: 's-pg.0', image: 'img', imageId: '', state: 'created', status: 'Created', createdAt: '2024-01-01T00:00:00Z', labels: l({ 'voodu.kind': 'statefulset', 'voodu.name': 'pg', 'voodu.replica_id': '0', 'voodu.replica_ordinal': '0' }).labels },
    { details: { startedAt: '0001-01-01T00:00:00Z' }, frozen: false, orphan: false },
  );
  t.like(pod, { kind: 'statefulset', resource: 'pg', ordinal: 0, role: 'statefulset', created_at: '2024-01-01T00:00:00Z' });
  t.false('started_at' in pod, 'a never-started container has no start time');
});

test('query and body checks name the field and never echo env values', (t) => {
  t.is(podName('prod-api.a1b2'), 'prod-api.a1b2');
  for (const bad of ['', '.x', 'a/b', 'a b', '-x']) t.throws(() => podName(bad), { message: /pod name/ }, bad);
  t.true(boolParam({ f: '1' }, 'f', false));
  t.false(boolParam({}, 'f', false));
  t.throws(() => boolParam({ f: 'yes' }, 'f', false), { message: /query\.f/ });
  t.is(tailParam({ tail: 'all' }), undefined);
  t.is(tailParam({ tail: '10' }), 10);
  t.throws(() => tailParam({ tail: '-1' }));
  t.is(sinceParam({ since: '2024-05-01T12:00:00Z' }), '2024-05-01T12:00:00Z');
  t.is(sinceParam({ since: '1714564800' }), '1714564800');
  t.throws(() => sinceParam({ since: 'yesterday' }), { message: /query\.since/ });
  t.deepEqual(filterOf(kinds, { kind: 'statefulsets', scope: 'data' }), { kind: 'statefulset', scope: 'data' });
  t.throws(() => filterOf(kinds, { name: 'Bad Name' }), { message: /query\.name/ });

  t.deepEqual(execQuery({ tty: 'true', cols: '80', rows: '24', workdir: '/app', user: '1000:1000', frames: 'true' }), {
    tty: true,
    interactive: false,
    frames: true,
    workdir: '/app',
    user: '1000:1000',
    cols: 80,
    rows: 24,
  });
  t.throws(() => execQuery({ workdir: 'relative' }), { message: /query\.workdir/ });
  t.throws(() => execQuery({ user: 'root; rm' }), { message: /query\.user/ });
  t.deepEqual(execBody({ command: ['env'], env: ['A=1', 'B=x=y'] }), { cmd: ['env'], env: { A: '1', B: 'x=y' } });
  const err = t.throws(() => execBody({ command: ['env'], env: ['A=1', ' SPACED=supersecret'] }));
  t.regex(err!.message, /body\.env\[1\]/);
  t.false(err!.message.includes('supersecret'));
  t.throws(() => execBody({ command: [] }), { message: /body\.command/ });
  t.throws(() => execBody({ command: ['ls'], cmd: ['x'] }), { message: /body\.cmd: unknown field/ });
  t.throws(() => execBody(['ls']), { message: /body: must be a JSON object/ });
});
