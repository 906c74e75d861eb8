/**
 * Hostile input, generated: thousands of inputs each (VOODU_FUZZ_RUNS,
 * default 10 000) to the HCL pipeline, the manifest decoder behind
 * `/apply`, the query parsers and the plugin-output decoders. For every
 * one: an answer or a ValidationError that names where the problem is —
 * never another exception (a crash in a handler), never over a second.
 * fast-check shrinks a failure to the smallest input and prints its seed.
 */
import test from 'ava';
import fc from 'fast-check';
import { loadManifests } from '../../cli/hcl/index.js';
import { ValidationError } from '../../lib/errors.js';
import { assertSegment } from '../../lib/identity.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { queryFlag } from '../../lib/query-flag.js';
import { graceParam } from '../../modules/apply/stop-now.js';
import { parseArgs } from '../../modules/plugins/dispatch.js';
import { parseEnvelope } from '../../modules/plugins/run.js';
import { kinds } from '../helpers/kinds.js';

process.env.VOODU_HCL_CACHE = '0';
const RUNS = Number(process.env.VOODU_FUZZ_RUNS ?? 10_000);
const SLOW_MS = 1000;
const KINDS = ['deployment', 'statefulset', 'job', 'cronjob', 'ingress', 'asset', 'config', 'app', 'secret', 'nonsense'];
const FIELDS = ['image', 'replicas', 'command', 'env', 'ports', 'volumes', 'probes', 'stop_grace_period', 'stop_signal', 'max_surge', 'schedule', 'timeout', 'host', 'service', 'port', 'data', 'build', 'resources', 'networks', 'dns_options', 'placement', '_asset_digests'];

/** A value a manifest field could be given: well-formed, wrong-typed, huge, nested, hostile strings. */
const fieldValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.constantFrom('10s', '-1s', '1e9h', '../../etc/passwd', '${env.X}', '${ref.a.b}', '${asset.x.y}', '%', '100%', '0', 'SIGKILL', 'kill -9', '\0', 'a'.repeat(70_000)),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const manifest = fc.oneof(
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        kind: fc.oneof(fc.constantFrom(...KINDS), fc.string()),
        scope: fc.oneof(fc.constantFrom('prod', '', '..', 'a/b', 'A', 'x'.repeat(80)), fc.string()),
        name: fc.oneof(fc.constantFrom('web', 'db', '.hidden', 'a b', '-x'), fc.string()),
        spec: fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 }), fieldValue),
      },
      { requiredKeys: [] },
    ),
  },
);

/** HCL-shaped text: blocks of real and unknown kinds with random labels and attributes, cut anywhere; or noise. */
const hclValue = fc.oneof(
  fc.integer().map(String),
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('true', '[1, "a"]', '{ a = 1 }', '"${env.HOME}"', '"${ref.x.y}"', '"${', '[', '{', '"unterminated', 'null', '1e400', '0x', 'env("X")'),
);
const hclBlock = fc
  .tuple(
    fc.oneof(fc.constantFrom(...KINDS, 'postgres', 'redis'), fc.stringMatching(/^[a-z_]{1,12}$/)),
    fc.array(fc.oneof(fc.constantFrom('prod', 'web', ''), fc.string({ maxLength: 10 })), { maxLength: 3 }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), fc.stringMatching(/^[a-z_]{1,10}$/)), hclValue), { maxLength: 5 }),
  )
  .map(([type, labels, attrs]) => `${type} ${labels.map((l) => JSON.stringify(l)).join(' ')} {\n${attrs.map(([k, v]) => `  ${k} = ${v}`).join('\n')}\n}\n`);
const hclText = fc.oneof(
  { weight: 4, arbitrary: fc.array(hclBlock, { minLength: 1, maxLength: 3 }).map((b) => b.join('\n')) },
  { weight: 1, arbitrary: fc.tuple(fc.array(hclBlock, { minLength: 1, maxLength: 2 }), fc.nat()).map(([b, cut]) => b.join('\n').slice(0, cut % 200)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** Runs one input: answered, or refused with a ValidationError that says where; anything else (or a slow answer) fails the property. */
async function refusedWell(run: () => unknown, input: unknown): Promise<void> {
  const started = performance.now();
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ValidationError)) {
      throw new Error(`not a ValidationError for ${JSON.stringify(input)?.slice(0, 300)}: ${(err as Error)?.stack ?? String(err)}`);
    }
    if (!err.message.trim()) throw new Error(`an empty refusal for ${JSON.stringify(input)?.slice(0, 300)}`);
  }
  const took = performance.now() - started;
  if (took > SLOW_MS) throw new Error(`${took.toFixed(0)} ms for ${JSON.stringify(input)?.slice(0, 300)}`);
}

test('the manifest decoder behind /apply: any JSON is accepted or refused naming the field', async (t) => {
  t.timeout(600_000);
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(manifest, async (m) => {
      await refusedWell(() => {
        try {
          validateManifest(m, kinds);
        } catch (err) {
          refused++;
          // A refusal names the manifest's place, the field or the kind: something to go and fix.
          if (err instanceof ValidationError && !err.field && !/kind|scope|name|spec|manifest/i.test(err.message)) throw new Error(`a refusal that names nothing: ${err.message}`);
          throw err;
        }
      }, m);
    }),
    { numRuns: RUNS },
  );
  t.log(`${RUNS} manifests, ${refused} refused`);
  t.true(refused > 0 && refused < RUNS, 'the generator produced only one kind of input');
});

test('the HCL pipeline (parse, blocks, interpolation, validation): any text is loaded or refused, within a second', async (t) => {
  t.timeout(900_000);
  // The parser is imported on first use: that second is start-up, not an input's.
  await loadManifests({ files: ['-'], format: 'hcl', stdin: 'deployment "s" "w" {\n  image = "x"\n}\n', cwd: '/nonexistent', env: {} });
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(hclText, async (text) => {
      await refusedWell(async () => {
        try {
          await loadManifests({ files: ['-'], format: 'hcl', stdin: text, cwd: '/nonexistent', env: {} });
        } catch (err) {
          refused++;
          throw err;
        }
      }, text);
    }),
    { numRuns: RUNS },
  );
  t.log(`${RUNS} HCL texts, ${refused} refused`);
  t.true(refused > 0 && refused < RUNS, 'the generator produced only one kind of input');
});

test('query parsers: segments, durations, booleans and grace periods never throw anything but a ValidationError', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('..', '.', '%2e%2e', 'a/b', '\0', '0s', '1h', '-1s', '99999999999h', 'true', '1', 'yes')), async (value) => {
      await refusedWell(() => assertSegment(value, 'query.name'), value);
      await refusedWell(() => queryFlag({ f: value }, 'f', false), value);
      await refusedWell(() => graceParam({ grace: value }), value);
      const ms = parseDurationMs(value);
      if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) throw new Error(`parseDurationMs(${JSON.stringify(value)}) = ${ms}`);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('plugin output decoders: any stdout is an envelope or plain text; any args body is a list or a refusal', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ status: 'ok', data: v })), fc.constantFrom('{"status":', '{"status":1}', '{"status":"error","error":{"a":1}}')), async (stdout) => {
      const env = parseEnvelope(stdout);
      if (env !== undefined && (typeof env.status !== 'string' || (env.error !== undefined && typeof env.error !== 'string'))) throw new Error(`a malformed envelope from ${stdout}`);
    }),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.anything({ maxDepth: 2 }), async (body) => refusedWell(() => parseArgs(body), body)),
    { numRuns: RUNS },
  );
  t.pass();
});
