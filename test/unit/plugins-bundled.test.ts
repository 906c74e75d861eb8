/**
 * Where the bundled plugins are: the directory of the package.json named
 * `voodu`, walked up to from the plugins module's own file — the same
 * answer from source (`modules/plugins/`) and from the build
 * (`dist/modules/plugins/`, where no package.json and no `plugins/` are).
 */
import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultBundledDir, projectRoot } from '../../modules/plugins/bundled.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
let work: string;

test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'voodu-bundled-unit-'));
});
test.after.always(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('from source and from the build, the project root is the checkout and its plugins/ the bundled directory', async (t) => {
  t.is(JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).name, 'voodu');
  t.is(projectRoot(), REPO);
  t.is(projectRoot(join(REPO, 'dist', 'modules', 'plugins', 'bundled.js')), REPO);
  t.is(defaultBundledDir(), join(REPO, 'plugins'));
  t.is(defaultBundledDir(join(REPO, 'dist', 'modules', 'plugins', 'bundled.js')), join(REPO, 'plugins'));
});

test('another package.json on the way up is passed over; none named voodu means no project root', async (t) => {
  const outer = join(work, 'outer');
  const inner = join(outer, 'node_modules', 'voodu');
  await mkdir(join(inner, 'dist', 'modules', 'plugins'), { recursive: true });
  await writeFile(join(outer, 'package.json'), JSON.stringify({ name: 'someone-else' }));
  await writeFile(join(inner, 'dist', 'package.json'), '{ not json');
  await writeFile(join(inner, 'package.json'), JSON.stringify({ name: 'voodu' }));
  const file = join(inner, 'dist', 'modules', 'plugins', 'bundled.js');
  t.is(projectRoot(file), inner);
  t.is(defaultBundledDir(file), undefined, 'a project root without plugins/ ships none');
  await mkdir(join(inner, 'plugins'));
  t.is(defaultBundledDir(file), join(inner, 'plugins'));
  t.is(projectRoot(join(outer, 'lib', 'x.js')), undefined);
});
