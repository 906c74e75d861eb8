/**
 * Each kind's documented `fields` are exactly what its validator accepts,
 * in the validator's order, every one with a type and a doc; and every
 * kind's `example` is HCL the CLI loads and validates.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadManifests } from '../../cli/hcl/index.js';
import { ValidationError } from '../../lib/errors.js';
import { At } from '../../lib/manifest/at.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { kinds } from '../helpers/kinds.js';

const dirs: string[] = [];
test.after.always(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Far (more than two edits) from every field name, so the error lists the accepted ones instead of a guess. */
const UNKNOWN = 'no_such_field';

/** The top-level keys `definition.validate` accepts, read from its "unknown field; <what> accepts a, b, c" error. */
function acceptedKeys(definition: KindDefinition): string[] {
  let message = '';
  try {
    definition.validate({ [UNKNOWN]: 1 }, new At({ block: 'x', hcl: false }));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    message = err.message;
  }
  const m = /^x: no_such_field: unknown field; .+? accepts (.+)$/.exec(message);
  if (!m) throw new Error(`${definition.name}: expected an "unknown field; … accepts …" error, got ${JSON.stringify(message)}`);
  return m[1]!.split(', ');
}

test('every core kind is checked', (t) => {
  t.deepEqual(kinds.names().sort(), ['app', 'asset', 'cronjob', 'deployment', 'ingress', 'job', 'registry', 'statefulset']);
});

test('fields are exactly the keys the validator accepts, in its order', (t) => {
  for (const d of kinds.all()) {
    const accepted = acceptedKeys(d);
    t.true(accepted.length > 0, d.name);
    t.deepEqual(Object.keys(d.fields), accepted, `${d.name}: fields vs validator`);
    // Each documented key on its own is not refused as unknown (null: a known key is skipped, an unknown one refused).
    for (const key of Object.keys(d.fields)) {
      try {
        d.validate({ [key]: null }, new At({ block: 'x', hcl: false }));
      } catch (err) {
        t.false(String((err as Error).message).includes(`${key}: unknown field`), `${d.name}.${key}`);
      }
    }
  }
});

test('every field has a type and a doc; defaults and example are written', (t) => {
  for (const d of kinds.all()) {
    for (const [key, f] of Object.entries(d.fields)) {
      t.true(typeof f.type === 'string' && f.type.trim() !== '', `${d.name}.${key}: type`);
      t.true(typeof f.doc === 'string' && f.doc.trim() !== '', `${d.name}.${key}: doc`);
    }
    t.true(Array.isArray(d.defaults), `${d.name}: defaults`);
    for (const x of d.defaults ?? []) t.true(x.trim() !== '', `${d.name}: an empty default`);
    t.true(typeof d.example === 'string' && d.example.trim() !== '', `${d.name}: example`);
    t.true(d.example!.trimStart().startsWith(`${d.name} "`), `${d.name}: the example is a ${d.name} block`);
  }
});

test('every example parses and validates through the CLI HCL loader', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-kind-fields-'));
  dirs.push(dir);
  for (const d of kinds.all()) {
    const file = join(dir, `${d.name}.hcl`);
    await writeFile(file, d.example!);
    const loaded = await loadManifests({ files: [file], env: {}, cwd: dir }).catch((err: Error) => t.fail(`${d.name}: ${err.message}`));
    if (!loaded) continue;
    const produced = loaded.map((l) => l.manifest.kind).sort();
    t.deepEqual(produced, [...(d.roles?.expandsTo ?? [d.name])].sort(), `${d.name}: what the example loads to`);
  }
});
