/**
 * Wall time of the CLI as an operator feels it: a fresh `voodu` process
 * per command, start-up included, against a real controller over HTTP.
 * Beside it, in the same run, the floor no CLI can beat (`node -e 0`) and
 * the cheapest verb (`voodu version`, no request).
 *
 *   no-op apply   `voodu apply -f stack.hcl` of 25 deployments × 2 replicas
 *                 that are already stored: parse from the HCL cache, one
 *                 POST, "No changes."
 *   diff          `voodu diff -f stack.hcl` of the same, nothing to show
 *
 * The stack's 50 containers are running before any figure is taken, so
 * the controller is idle between commands, as it is for an operator.
 *
 *   npm run build && node --import=tsx scripts/bench-cli.ts [--runs 10] [--cli dist/bin/voodu.js]…
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { bootController } from '../test/helpers/controller.js';
import { TEST_IMAGE } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { apiFetch } from '../test/helpers/http.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, cli: { type: 'string', multiple: true, default: ['dist/bin/voodu.js'] } } });
const runs = Number(values.runs);
/** Each CLI build to time, side by side (`--cli a.js --cli b.js` compares two). */
const clis = values.cli.map((c) => resolve(c));
const cli = clis[0]!;

const scope = `benchcli${process.pid}`;
const docker = new Docker();
const stack = Array.from(
  { length: 25 },
  (_, i) => `deployment "${scope}" "svc${i}" {\n  image    = "${TEST_IMAGE}"\n  replicas = 2\n  command  = ["sleep", "3600"]\n  env = { INDEX = "${i}" }\n}\n`,
).join('\n');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const etcd = await startEtcd();
const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
const dir = await mkdtemp(join(tmpdir(), 'voodu-bench-cli-'));
try {
  const file = join(dir, 'stack.hcl');
  await writeFile(file, stack);
  const env = { ...process.env, VOODU_CONTROLLER_URL: ctl.url, VOODU_API_TOKEN: ctl.token, XDG_CACHE_HOME: join(dir, 'cache'), VOODU_NO_REMOTE: '1' };

  /** Wall ms of one fresh process; its stdout, to check it did what the row says. */
  const timed = async (argv: string[]): Promise<{ ms: number; out: string }> => {
    const t = performance.now();
    const { stdout } = await run(process.execPath, argv, { env, cwd: dir });
    return { ms: performance.now() - t, out: stdout };
  };
  const series = async (argv: string[], check?: (out: string) => boolean): Promise<number[]> => {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await timed(argv);
      if (check && !check(r.out)) throw new Error(`${argv.join(' ')} printed:\n${r.out}`);
      xs.push(r.ms);
    }
    return xs;
  };

  const first = await timed([cli, 'apply', '-f', file]); // stores the stack and fills the HCL cache
  for (let i = 0; ; i++) {
    const up = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`] } });
    if (up.length === 50) break;
    if (i > 1200) throw new Error(`only ${up.length} of 50 containers running after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const floor = await series(['-e', '0']);
  const rows: [string, number[]][] = [];
  for (const c of clis) {
    const tag = clis.length > 1 ? ` [${c.replace(`${process.cwd()}/`, '')}]` : '';
    rows.push([`voodu version${tag}`, await series([c, 'version'])]);
    rows.push([`voodu apply -f (50 pods, no changes)${tag}`, await series([c, 'apply', '-f', file], (out) => /No changes\./.test(out))]);
    rows.push([`voodu diff -f (50 pods, no changes)${tag}`, await series([c, 'diff', '-f', file])]);
  }

  console.log(`CLI wall time, a fresh process each, median of ${runs} (min–max); the first apply stored the stack in ${ms(first.ms)}`);
  console.log('command                                   median     range');
  const row = (name: string, xs: number[]) => console.log(`${name.padEnd(name.length > 40 ? 70 : 40)} ${ms(median(xs)).padStart(7)}   ${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`);
  row('floor: node -e 0', floor);
  for (const [name, xs] of rows) row(name, xs);
} finally {
  await apiFetch(ctl, `/scope?scope=${scope}&grace=0s`, { method: 'DELETE' }).catch(() => undefined);
  for (let i = 0; i < 600 && (await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } })).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  await rm(dir, { recursive: true, force: true });
  await ctl.cleanup();
  await etcd.stop();
}
