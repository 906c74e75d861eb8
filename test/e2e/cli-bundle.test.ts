/**
 * The CLI users run is the bundle `npm run build` writes to
 * dist/bin/voodu.js (scripts/bundle-cli.mjs), not the source the other
 * tests run through tsx. These tests run that file as a fresh process: it
 * starts, names its build, applies over HTTP to a real controller (the
 * lazily read parts — the HCL pipeline, croner through a cronjob — work
 * from inside one file), and it never loads daemon code at start-up.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootController, type TestController } from '../helpers/controller.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { requireDocker } from '../helpers/docker.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bin/voodu.js');
const scope = `bundle${process.pid}`;

let etcd: TestEtcd;
let ctl: TestController;
let dir = '';

test.before(async () => {
  if (!existsSync(bundle)) throw new Error('dist/bin/voodu.js is missing: run `npm run build` (scripts/setup does)');
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint] });
  dir = await mkdtemp(join(tmpdir(), 'voodu-bundle-'));
});

test.after.always(async () => {
  if (ctl) await ctl.cleanup();
  if (etcd) await etcd.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const voodu = (args: string[]) =>
  run(process.execPath, [bundle, ...args], {
    cwd: dir,
    env: { ...process.env, VOODU_CONTROLLER_URL: ctl.url, VOODU_API_TOKEN: ctl.token, VOODU_NO_REMOTE: '1', XDG_CACHE_HOME: join(dir, 'cache') },
  });

test('the bundle starts and names its build', async (t) => {
  const { stdout } = await voodu(['version']);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  t.regex(stdout, new RegExp(`^voodu ${pkg.version.replace(/\./g, '\\.')} \\(commit: [0-9a-f]{12}`));
});

test('the bundle applies a file to a real controller, then answers the same file with "No changes."', async (t) => {
  const file = join(dir, 'nightly.hcl');
  await writeFile(file, `cronjob "${scope}" "nightly" {\n  schedule = "0 3 * * *"\n  image    = "voodu-test/busybox:1"\n  command  = ["true"]\n}\n`);
  const first = await voodu(['apply', '-f', file, '--no-wait']);
  t.regex(first.stdout, new RegExp(`cronjob/${scope}/nightly`));
  const again = await voodu(['apply', '-f', file]);
  t.regex(again.stdout, /No changes\./);
  // A bad schedule is refused by the same croner rules the controller uses, before any request.
  await writeFile(file, `cronjob "${scope}" "nightly" {\n  schedule = "0 25 * * *"\n  image    = "voodu-test/busybox:1"\n}\n`);
  const bad = await t.throwsAsync(voodu(['apply', '-f', file]));
  t.regex((bad as unknown as { stderr: string }).stderr, /schedule/);
  await voodu(['delete', 'cronjob', `${scope}/nightly`, '-y']);
});

test('the bundle imports only node builtins and sade up front; daemon modules are left as lazy imports of tsc output', async (t) => {
  const text = await readFile(bundle, 'utf8');
  const statics = [...text.matchAll(/^import\s[^;]*?from\s+"([^"]+)";?$/gm)].map((m) => m[1]!);
  t.true(statics.length > 0);
  t.deepEqual(statics.filter((s) => !s.startsWith('node:') && s !== 'sade'), [], 'a static import other than node builtins and sade');
  for (const banned of ['dockerode', 'etcd3', 'tapable', 'restify']) t.false(text.includes(`from "${banned}"`), `${banned} is imported`);
  const lazy = [...text.matchAll(/import\("(\.[^"]+)"\)/g)].map((m) => m[1]!);
  t.true(lazy.length > 10, 'the daemon halves of the core modules are dynamic imports');
  for (const path of lazy) t.true(existsSync(resolve(dirname(bundle), path)), `${path} does not exist beside the bundle`);
});
