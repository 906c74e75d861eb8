import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../cli/hcl/index.js';

// Every ```hcl block of the README goes through the real parser and validator, so the docs cannot drift.
const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

test('every HCL example in the README parses and validates', async (t) => {
  const text = await readFile(readme, 'utf8');
  // Blocks inside list items are indented; strip the common indent.
  const blocks = [...text.matchAll(/^( *)```hcl\n([\s\S]*?)^\1```/gm)].map((m) => m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''));
  t.true(blocks.length >= 3, `found ${blocks.length} HCL blocks`);
  const dir = await mkdtemp(join(tmpdir(), 'voodu-readme-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [i, block] of blocks.entries()) {
    const file = join(dir, `example-${i}.hcl`);
    await writeFile(file, block);
    // `file("./x")` in an example reads a file the reader has next to their HCL: stand one in.
    for (const [, path] of block.matchAll(/file\("\.\/([\w.-]+)"\)/g)) await writeFile(join(dir, path!), `# stands in for ${path}\n`);
    const loaded = await loadManifests({ files: [file], cwd: dir, env: {} });
    t.true(loaded.length > 0, `README HCL block ${i + 1} declares nothing`);
  }
});
