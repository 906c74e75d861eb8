/** Which env replicas should run: env drift rolls only after the manifest was rewritten (modules/workload/env-target.ts). */
import test from 'ava';
import { SEEN_KEPT, currentEnvHashes, decideEnvTarget, shapeOf, type EnvTargetInput } from '../../modules/workload/env-target.js';
import type { EnvTargetRecord } from '../../modules/workload/contract.js';

const spec = { image: 'busybox', replicas: 2, env: { A: '1' } };
const at = (over: Partial<EnvTargetInput> = {}): EnvTargetInput => ({ revision: 10, version: 1, spec, envHash: 'e1', ...over });
/** The record a first reconcile at revision 10 / version 1 with env e1 stores. */
const first = (): EnvTargetRecord => decideEnvTarget(undefined, at()).record;

test('no record yet: the current env is the target, stored', (t) => {
  const d = decideEnvTarget(undefined, at());
  t.true(d.moved);
  t.true(d.changed);
  t.like(d.record, { hash: 'e1', revision: 10, version: 1, replicas: 2, seen: ['e1'] });
  t.is(d.record.shape, shapeOf(spec));
});

test('a record this code cannot read is treated as none (the current env is the target, as before)', (t) => {
  for (const junk of [null, 'x', [], { hash: 1 }, { hash: 'e0', revision: 10, shape: 's', seen: [3] }]) {
    const d = decideEnvTarget(junk, at());
    t.true(d.moved, JSON.stringify(junk));
    t.is(d.record.hash, 'e1');
  }
});

test('same revision, env unchanged: nothing moves, nothing to store', (t) => {
  const d = decideEnvTarget(first(), at());
  t.false(d.moved);
  t.false(d.changed);
  t.is(d.record.hash, 'e1');
});

test('same revision, new env (a no-restart config change): the target stays, the new env is remembered', (t) => {
  const d = decideEnvTarget(first(), at({ envHash: 'e2' }));
  t.false(d.moved);
  t.true(d.changed);
  t.is(d.record.hash, 'e1');
  t.deepEqual(d.record.seen, ['e1', 'e2']);
  const current = currentEnvHashes(d.record, 'e2');
  t.true(current.has('e1'), 'the running replicas are not rolled');
  t.true(current.has('e2'), 'a replica created since (scale-up, repair) is not rolled back');
});

test('two no-restart changes: a replica created between them is still current', (t) => {
  const mid = decideEnvTarget(first(), at({ envHash: 'e2' })).record;
  const d = decideEnvTarget(mid, at({ envHash: 'e3' }));
  t.false(d.moved);
  t.deepEqual([...currentEnvHashes(d.record, 'e3')].sort(), ['e1', 'e2', 'e3']);
});

test('a re-put of the same manifest (restart fan-out, apply, rollback): the current env becomes the target', (t) => {
  const mid = decideEnvTarget(first(), at({ envHash: 'e2' })).record;
  const d = decideEnvTarget(mid, at({ revision: 15, version: 2, envHash: 'e2' }));
  t.true(d.moved);
  t.true(d.changed);
  t.like(d.record, { hash: 'e2', revision: 15, version: 2, seen: ['e2'] });
  t.false(currentEnvHashes(d.record, 'e2').has('e1'), 'replicas on the old env roll');
});

test('a spec change is a rewrite too', (t) => {
  const d = decideEnvTarget(first(), at({ revision: 15, version: 2, spec: { ...spec, image: 'busybox:2' } }));
  t.true(d.moved);
});

test('one write that only changes replicas is a scale: the target stands', (t) => {
  const mid = decideEnvTarget(first(), at({ envHash: 'e2' })).record;
  const d = decideEnvTarget(mid, at({ revision: 15, version: 2, spec: { ...spec, replicas: 3 }, envHash: 'e2' }));
  t.false(d.moved);
  t.like(d.record, { hash: 'e1', revision: 15, version: 2, replicas: 3 });
  t.deepEqual([...currentEnvHashes(d.record, 'e2')].sort(), ['e1', 'e2']);
  // And the next reconcile at that revision changes nothing.
  t.false(decideEnvTarget(d.record, at({ revision: 15, version: 2, spec: { ...spec, replicas: 3 }, envHash: 'e2' })).changed);
});

test('a scale and a re-put coalesced into one reconcile move the target: the restart is not lost', (t) => {
  const d = decideEnvTarget(first(), at({ revision: 20, version: 3, spec: { ...spec, replicas: 3 }, envHash: 'e2' }));
  t.true(d.moved);
  t.is(d.record.hash, 'e2');
});

test('without a version (unknown write count) a replicas change moves the target', (t) => {
  const { version: _v, ...noVersion } = first();
  const d = decideEnvTarget(noVersion, at({ revision: 15, version: undefined, spec: { ...spec, replicas: 3 } }));
  t.true(d.moved);
});

test('the shape ignores replicas and key order', (t) => {
  t.is(shapeOf({ replicas: 1, image: 'a', env: { B: '2', A: '1' } }), shapeOf({ env: { A: '1', B: '2' }, image: 'a', replicas: 5 }));
  t.not(shapeOf({ image: 'a' }), shapeOf({ image: 'b' }));
});

test(`remembered envs are capped at ${SEEN_KEPT}, newest kept; the target itself always counts`, (t) => {
  let record = first();
  for (let i = 2; i < SEEN_KEPT + 10; i++) record = decideEnvTarget(record, at({ envHash: `e${i}` })).record;
  t.is(record.seen.length, SEEN_KEPT);
  t.is(record.seen.at(-1), `e${SEEN_KEPT + 9}`);
  t.false(record.seen.includes('e2'));
  t.true(currentEnvHashes(record, 'now').has('e1'));
});
