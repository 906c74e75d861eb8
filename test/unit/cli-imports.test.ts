/**
 * The CLI loads no daemon code. Starting from bin/voodu.ts and following
 * every static import (not `import()`, not `import type`), no file under
 * kernel/ is reached and neither tapable, dockerode nor etcd3 is imported.
 * The same holds from each `cli` facet of modules/core.ts, which the CLI
 * loads at start. The walker itself is checked on a small tree that breaks
 * the rule, so a walker that saw nothing would fail here.
 */
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVerbs } from '../../cli/verbs/index.js';
import { coreModules } from '../../modules/core.js';
import { Sources, cliClosureViolations, cliFacetFiles, staticClosure } from '../helpers/imports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let sources: Sources;

test.before(() => {
  sources = Sources.open(root);
});
test.after.always(() => sources?.close());

test('the CLI (bin/voodu.ts) statically loads no kernel/ file and none of tapable, dockerode, etcd3', (t) => {
  const closure = staticClosure(sources, [join(root, 'bin/voodu.ts')]);
  t.deepEqual(cliClosureViolations(sources, closure), []);
  // The walk went where the CLI goes: through main.ts to the verb registry and the catalogue.
  for (const f of ['cli/main.ts', 'cli/verbs/index.ts', 'modules/core.ts', 'modules/plugins/cli.ts']) {
    t.true(closure.files.has(join(root, f)), `${f} is in the CLI's closure`);
  }
  t.true(closure.packages.has('sade'));
});

test('every cli facet of modules/core.ts (and what it loads) is CLI-safe', (t) => {
  const facets = cliFacetFiles(sources, join(root, 'modules/core.ts'));
  t.is(facets.length, Object.values(coreModules).filter((m) => m.cli).length, 'every cli facet was found in core.ts');
  for (const file of facets) {
    t.regex(basename(file), /^cli(-[a-z-]+)?\.ts$/, `${sources.rel(file)}: a cli facet is a cli.ts or cli-*.ts`);
    const closure = staticClosure(sources, [file]);
    t.deepEqual(cliClosureViolations(sources, closure), [], sources.rel(file));
  }
});

test('loadVerbs: the CLI verbs and every facet verb, each once, with get extended by pods', async (t) => {
  const verbs = await loadVerbs();
  const names = verbs.map((v) => v.name);
  t.is(new Set(names).size, names.length, `no verb twice: ${names.join(', ')}`);
  t.is(names[0], 'version');
  t.is(names.at(-1), 'remote default');
  for (const [module, m] of Object.entries(coreModules)) {
    if (!m.cli) continue;
    for (const v of (await m.cli()).verbs) t.true(names.includes(v.name), `${module}: ${v.name}`);
  }
  t.regex(verbs.find((v) => v.name === 'get')!.args ?? '', /\[ref\]/, 'pods extended get with a ref');
  t.is(await loadVerbs(), verbs, 'loaded once per process');
});

test('the walker finds a kernel file, a daemon package and an `import { type … }` (which still loads), and skips import type and import()', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-cli-imports-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'bin/voodu.ts': "import { main } from '../cli/main.js';\nexport const run = main;\n",
    'cli/main.ts': [
      "import { helper } from './helper.js';",
      "import type { Hidden } from '../kernel/erased.js';",
      "import { type Kept } from 'dockerode';",
      "export { x } from './reexport.js';",
      "export type { Y } from 'etcd3';",
      'export const main = async (h?: Hidden, k?: Kept) => [helper, h, k, await import("tapable")];',
      '',
    ].join('\n'),
    'cli/helper.ts': "import { kernel } from '../kernel/index.js';\nexport const helper = kernel;\n",
    'cli/reexport.ts': "import { AsyncSeriesHook } from 'tapable';\nexport const x = AsyncSeriesHook;\n",
    'kernel/index.ts': 'export const kernel = 1;\n',
    'kernel/erased.ts': 'export type Hidden = number;\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const fixture = Sources.open(dir);
  t.teardown(() => fixture.close());
  const closure = staticClosure(fixture, [join(dir, 'bin/voodu.ts')]);
  t.deepEqual([...closure.files.keys()].map((f) => fixture.rel(f)).sort(), ['bin/voodu.ts', 'cli/helper.ts', 'cli/main.ts', 'cli/reexport.ts', 'kernel/index.ts']);
  t.deepEqual([...closure.packages.keys()].sort(), ['dockerode', 'tapable']);
  t.deepEqual(cliClosureViolations(fixture, closure).sort(), [
    'loads dockerode: bin/voodu.ts → cli/main.ts',
    'loads kernel/index.ts: bin/voodu.ts → cli/main.ts → cli/helper.ts → kernel/index.ts',
    'loads tapable: bin/voodu.ts → cli/main.ts → cli/reexport.ts',
  ]);
});
