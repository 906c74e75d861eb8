/**
 * Hostile batches against the real `/apply` on a real etcd: a valid
 * manifest next to a generated one (fuzzed kinds, names and fields). Each
 * answer is 200 or a 4xx naming the problem, and a refused batch leaves
 * the store exactly as it was — no revision bump, the valid half not
 * stored either. No reconciler runs, so nothing here starts a container.
 */
import test from 'ava';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';

const RUNS = Math.max(50, Math.floor(Number(process.env.VOODU_FUZZ_RUNS ?? 10_000) / 20));
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'apply', 'workload', 'deployment', 'statefulset', 'job', 'cronjob'];
const scope = `fz${randomBytes(2).toString('hex')}`;

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(dockerClient());
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES);
});
test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
});

const value = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constantFrom('10s', '../x', '${ref.a.b}', '100%', 'kill -9'), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
const fuzzed = fc.record({
  kind: fc.oneof(fc.constantFrom('deployment', 'statefulset', 'job', 'cronjob', 'asset', 'nonsense'), fc.string()),
  scope: fc.oneof(fc.constant(scope), fc.constantFrom('', '..', 'a/b'), fc.string()),
  name: fc.oneof(fc.constantFrom('web', 'x y', '.'), fc.string()),
  spec: fc.oneof(fc.dictionary(fc.constantFrom('image', 'replicas', 'command', 'ports', 'schedule', 'timeout', 'host', 'stop_grace_period', 'max_surge', 'volumes'), value, { maxKeys: 5 }), value),
});

test('a refused batch stores nothing, not even its valid manifests; every refusal is a 4xx that says why', async (t) => {
  t.timeout(600_000);
  let refused = 0;
  let accepted = 0;
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fuzzed, async (m) => {
      const valid = { kind: 'job', scope, name: `ok${++n}`, spec: { image: TEST_IMAGE, command: ['true'] } };
      const before = await etcd.store.revision();
      const res = await callApi(ctl, 'POST', '/apply', [valid, m]);
      if (res.status === 200) {
        accepted++;
        return;
      }
      refused++;
      if (res.status < 400 || res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(m).slice(0, 300)}: ${res.body.error}`);
      if (!res.body.error?.trim()) throw new Error(`a refusal without a reason for ${JSON.stringify(m).slice(0, 300)}`);
      const after = await etcd.store.revision();
      if (after !== before) throw new Error(`a refused batch wrote to etcd (revision ${before} → ${after}): ${JSON.stringify(m).slice(0, 300)}`);
      if (await etcd.store.get(`/desired/jobs/${scope}/${valid.name}`)) throw new Error(`the valid half of a refused batch was stored: ${JSON.stringify(m).slice(0, 300)}`);
    }),
    { numRuns: RUNS },
  );
  t.log(`${RUNS} batches: ${refused} refused with nothing stored, ${accepted} accepted`);
  t.true(refused > RUNS / 2, 'the generator made mostly valid manifests: the test shows little');
});
