/**
 * The house rules about who may import whom (CONTRIBUTING.md), read from the
 * sources with the TypeScript parser:
 *
 *   (a) kernel/ imports only tapable, Node built-ins and other kernel/ files,
 *       type-only imports included (the shapes its hooks carry, Manifest and
 *       ResourceRef, are declared in kernel/hooks.ts; lib/identity.ts
 *       re-exports them);
 *   (b) a file of modules/A reaches modules/B only through B's contract.ts
 *       or spec.ts; a spec.ts imports only lib/ and modules' spec.ts and
 *       contract.ts files; modules/core.ts, the catalogue, is exempt;
 *   (c) a contract.ts holds types and constants only.
 *
 * Each rule is also run on a small tree that breaks it, so a rule that
 * checked nothing would fail here.
 */
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sources, contractViolations, kernelViolations, moduleViolations, tsFiles } from '../helpers/imports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let sources: Sources;

test.before(() => {
  sources = Sources.open(root);
});
test.after.always(() => sources?.close());

test('(a) the kernel imports only tapable, Node built-ins and itself', (t) => {
  t.true(tsFiles(join(root, 'kernel')).length >= 5, 'the kernel files were found');
  t.deepEqual(kernelViolations(sources), []);
});

test('(b) modules reach each other only through contract.ts and spec.ts; spec.ts imports only lib/ and other faces', (t) => {
  t.true(tsFiles(join(root, 'modules')).length > 50, 'the module files were found');
  t.deepEqual(moduleViolations(sources), []);
});

test('(c) contract.ts files hold types and constants only', (t) => {
  t.true(tsFiles(join(root, 'modules')).filter((f) => f.endsWith('/contract.ts')).length >= 15, 'the contracts were found');
  t.deepEqual(contractViolations(sources), []);
});

test('each rule fails on a tree that breaks it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-boundaries-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'kernel/hooks.ts': [
      "import { AsyncSeriesHook } from 'tapable';",
      "import { join } from 'node:path';",
      "import { helper } from './helper.js';",
      "import type { Manifest } from '../lib/identity.js';",
      "import Docker from 'dockerode';",
      'export const hooks = [AsyncSeriesHook, join, helper, Docker];',
      'export type M = Manifest;',
      '',
    ].join('\n'),
    'kernel/helper.ts': 'export const helper = 1;\n',
    'lib/identity.ts': 'export interface Manifest { kind: string }\n',
    'modules/a/index.ts': [
      "import type { B } from '../b/contract.js';",
      "import { bKind } from '../b/spec.js';",
      "import { start } from '../b/index.js';",
      "import type { Internal } from '../b/internal.js';",
      "import { own } from './own.js';",
      "export const a = async (b?: B, i?: Internal) => [bKind, start, own, b, i, (await import('../b/lazy.js')).lazy];",
      "export type Later = import('../b/types.js').T;",
      '',
    ].join('\n'),
    'modules/a/own.ts': 'export const own = 1;\n',
    'modules/b/contract.ts': [
      "export const B_PATH = '/b';",
      'export interface B { path: string }',
      'export function helper() { return 1; }',
      'export class BError extends Error {}',
      'export const arrow = () => 1;',
      'export const obj = { method() { return 1; } };',
      'export let counter = 0;',
      'counter++;',
      '',
    ].join('\n'),
    'modules/b/spec.ts': [
      "import { B_PATH } from './contract.js';",
      "import { lazy } from './lazy.js';",
      "import { readFileSync } from 'node:fs';",
      'export const bKind = [B_PATH, lazy, readFileSync];',
      '',
    ].join('\n'),
    'modules/b/index.ts': 'export const start = 1;\n',
    'modules/b/internal.ts': 'export type Internal = number;\n',
    'modules/b/lazy.ts': 'export const lazy = 1;\n',
    'modules/b/types.ts': 'export type T = number;\n',
    'modules/core.ts': "export const modules = { b: () => import('./b/index.js') };\n",
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const fixture = Sources.open(dir);
  t.teardown(() => fixture.close());

  t.deepEqual(kernelViolations(fixture), [
    'kernel/hooks.ts:4: imports ../lib/identity.js (type)',
    'kernel/hooks.ts:5: imports dockerode (static)',
  ]);
  const face = 'another module is reached only through its contract.ts or spec.ts';
  const pure = "a spec.ts imports only lib/ and modules' spec.ts and contract.ts";
  t.deepEqual(moduleViolations(fixture), [
    `modules/a/index.ts:3: imports ../b/index.js (static); ${face}`,
    `modules/a/index.ts:4: imports ../b/internal.js (type); ${face}`,
    `modules/a/index.ts:6: imports ../b/lazy.js (dynamic); ${face}`,
    `modules/a/index.ts:7: imports ../b/types.js (type); ${face}`,
    `modules/b/spec.ts:2: imports ./lazy.js (static); ${pure}`,
    `modules/b/spec.ts:3: imports node:fs (static); ${pure}`,
  ]);
  t.deepEqual(contractViolations(fixture), [
    'modules/b/contract.ts:8: a statement run for its effect',
    'modules/b/contract.ts:3: function helper',
    'modules/b/contract.ts:4: class BError',
    'modules/b/contract.ts:5: a function expression',
    'modules/b/contract.ts:6: a method with a body',
    'modules/b/contract.ts:7: `let`',
  ]);
});
