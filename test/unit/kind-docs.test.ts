import test from 'ava';
import { readFile } from 'node:fs/promises';
import { renderKindDocs } from '../../scripts/lib/kind-docs.js';
import { kinds } from '../helpers/kinds.js';

const docs = await readFile(new URL('../../docs/kinds.md', import.meta.url), 'utf8');

test('docs/kinds.md is what the registered definitions render (run `npm run docs:kinds` after changing a kind)', (t) => {
  t.is(docs, renderKindDocs(kinds));
});

test('every registered kind and every field has its section in docs/kinds.md', (t) => {
  for (const d of kinds.all()) {
    t.true(docs.includes(`\n## ${d.name}\n`), `no section for ${d.name}`);
    for (const field of Object.keys(d.fields)) t.true(docs.includes(`| \`${field}\` |`), `${d.name}.${field} is not documented`);
  }
});
