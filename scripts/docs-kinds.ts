/** Writes docs/kinds.md from the core modules' kind definitions (`npm run docs:kinds`). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { coreKindRegistry } from '../modules/core.js';
import { renderKindDocs } from './lib/kind-docs.js';

const target = fileURLToPath(new URL('../docs/kinds.md', import.meta.url));
await writeFile(target, renderKindDocs(await coreKindRegistry()));
console.log(`wrote ${target}`);
