/**
 * The plugin SDK (plugins/sdk) is vendored into each bundled plugin's
 * lib/sdk, since a plugin installs as one self-contained directory; every
 * copy must be byte-identical to the source (scripts/sync-plugin-sdk.mjs
 * makes it so, and its --check is what this test runs).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'scripts', 'sync-plugin-sdk.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

test('every bundled plugin that vendors the SDK carries it unchanged', (t) => {
  const vendoring = readdirSync(join(root, 'plugins')).filter((p) => p !== 'sdk' && existsSync(join(root, 'plugins', p, 'lib', 'sdk')));
  t.deepEqual(vendoring.filter((p) => p === 'redis' || p === 'postgres').sort(), ['postgres', 'redis']);
  const r = run('--check');
  t.is(r.status, 0, r.stderr);
});

test('--check names a drifted copy and the sync repairs it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voodu-sdk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'plugins', 'sdk'), join(dir, 'sdk'), { recursive: true });
  mkdirSync(join(dir, 'demo', 'lib', 'sdk'), { recursive: true });
  t.is(run('--plugins', dir).status, 0);
  t.is(run('--plugins', dir, '--check').status, 0);
  appendFileSync(join(dir, 'demo', 'lib', 'sdk', 'flags.js'), '// local edit\n');
  const drifted = run('--plugins', dir, '--check');
  t.is(drifted.status, 1);
  t.regex(drifted.stderr, /plugins\/demo\/lib\/sdk\/flags\.js differs from plugins\/sdk\/flags\.js/);
  t.is(run('--plugins', dir).status, 0);
  t.is(run('--plugins', dir, '--check').status, 0);
});
