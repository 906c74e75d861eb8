#!/usr/bin/env node
// Copies the plugin SDK (plugins/sdk/*.js, *.d.ts) into every bundled
// plugin that vendors it (plugins/<name>/lib/sdk/). A plugin is installed
// as one self-contained directory (symlinks out of it are refused), so each
// carries its own copy; plugins/sdk is the one source, and
// test/unit/plugin-sdk.test.ts fails when a copy drifts from it.
//
//   node scripts/sync-plugin-sdk.mjs          copy
//   node scripts/sync-plugin-sdk.mjs --check  exit 1 naming each stale copy
//   --plugins DIR                             another plugins directory (tests)
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const at = process.argv.indexOf('--plugins');
const plugins = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(dirname(fileURLToPath(import.meta.url)), '..', 'plugins');
const sdk = join(plugins, 'sdk');
const files = readdirSync(sdk).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts')).sort();
const check = process.argv.includes('--check');
let stale = 0;
for (const plugin of readdirSync(plugins).sort()) {
  const dest = join(plugins, plugin, 'lib', 'sdk');
  if (plugin === 'sdk' || !existsSync(dest)) continue;
  for (const f of files) {
    const to = join(dest, f);
    const same = existsSync(to) && readFileSync(to).equals(readFileSync(join(sdk, f)));
    if (same) continue;
    if (check) {
      stale++;
      console.error(`plugins/${plugin}/lib/sdk/${f} differs from plugins/sdk/${f}; run node scripts/sync-plugin-sdk.mjs`);
    } else {
      copyFileSync(join(sdk, f), to);
      console.log(`plugins/${plugin}/lib/sdk/${f} ← plugins/sdk/${f}`);
    }
  }
}
process.exit(stale ? 1 : 0);
