/**
 * Build mode as an operator feels it, a fresh `voodu` process per command
 * against a real controller, beside the peer in the same run: the docker
 * CLI's classic builder (`DOCKER_BUILDKIT=0 docker build`) on a context of
 * the same size and shape.
 *
 *   first build   apply of a new context (`--mib` MiB of incompressible files):
 *                 pack, upload, build, roll out one replica — and its upload
 *                 speed, from the controller's "Received the context" line
 *   unchanged     apply of the same files again: hashed here, not sent, "No changes."
 *                 (the peer: `docker build` of an unchanged context, which sends it
 *                 all again and hits the layer cache)
 *   rollback      `voodu rollback` to the previous build, until the replica runs it
 *
 *   npm run build && node --import=tsx scripts/bench-build.ts [--mib 64] [--runs 3]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { bootController } from '../test/helpers/controller.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { apiFetch } from '../test/helpers/http.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { mib: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' } } });
const mib = Number(values.mib);
const runs = Number(values.runs);
const cli = resolve('dist/bin/voodu.js');
const scope = `benchbuild${process.pid}`;
const docker = new Docker();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A context of `mib` MiB in 1 MiB random files, plus an index.html saying `tag`. */
async function context(dir: string, tag: string): Promise<void> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), 'FROM voodu-test/busybox:1\nCOPY . /app/\nCMD ["sh", "-c", "trap \\"exit 0\\" TERM; while true; do sleep 1 & wait; done"]\n');
  for (let i = 0; i < mib; i++) await writeFile(join(dir, 'data', `blob${i}`), randomBytes(1024 * 1024));
  await writeFile(join(dir, 'index.html'), `${tag}\n`);
}

const etcd = await startEtcd();
const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
const work = await mkdtemp(join(tmpdir(), 'voodu-bench-build-'));
const env = { ...process.env, VOODU_CONTROLLER_URL: ctl.url, VOODU_API_TOKEN: ctl.token, XDG_CACHE_HOME: join(work, 'cache'), VOODU_NO_REMOTE: '1', DOCKER_BUILDKIT: '0' };
const timed = async (file: string, argv: string[], cwd: string) => {
  const t = performance.now();
  const { stdout, stderr } = await run(file, argv, { env, cwd, maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - t, out: stdout, err: stderr };
};
const rows: Record<string, number[]> = {};
const add = (name: string, ms: number) => (rows[name] ??= []).push(ms);
const speeds: number[] = [];
const peerTags: string[] = [];
try {
  for (let r = 0; r < runs; r++) {
    const app = join(work, `app${r}`);
    await context(app, `v1-${r}`);
    await writeFile(join(app, 'voodu.hcl'), `deployment "${scope}" "web${r}" {\n  build {}\n  stop_grace_period = "1s"\n}\n`);
    const first = await timed(process.execPath, [cli, 'apply', '-f', 'voodu.hcl'], app);
    add('voodu: first build (pack, upload, build, roll out)', first.ms);
    const received = /Received the context: [\d.]+ MiB in ([\d.]+) s \(([\d.]+) MiB\/s\)/.exec(first.err);
    if (received) {
      speeds.push(Number(received[2]));
      add('voodu:   of which the upload', Number(received[1]) * 1000);
    }
    const built = /-----> Built .* in ([\d.]+) s/.exec(first.err)?.[1];
    if (built) add('voodu:   of which the build on the host', Number(built) * 1000);
    const again = await timed(process.execPath, [cli, 'apply', '-f', 'voodu.hcl'], app);
    if (!/No changes\./.test(again.out)) throw new Error(`the unchanged re-apply printed:\n${again.out}\n${again.err}`);
    add('voodu: unchanged re-apply (hashed, nothing sent)', again.ms);
    await writeFile(join(app, 'index.html'), `v2-${r}\n`);
    await timed(process.execPath, [cli, 'apply', '-f', 'voodu.hcl'], app);
    const back = await timed(process.execPath, [cli, 'rollback', `${scope}/web${r}`], app);
    add('voodu: rollback to the previous build (until it runs)', back.ms);

    // The peer, on a context of the same size and shape that it has never seen.
    const peer = join(work, `peer${r}`);
    await context(peer, `peer-${r}`);
    const tag = `${scope}-peer${r}:1`;
    peerTags.push(tag);
    add('docker build: first build (upload, build)', (await timed('docker', ['build', '-q', '-t', tag, '.'], peer)).ms);
    add('docker build: unchanged context (sent again, cache hit)', (await timed('docker', ['build', '-q', '-t', tag, '.'], peer)).ms);
  }
  console.log(`build mode, ${mib} MiB context of 1 MiB random files, median of ${runs} (min–max)`);
  for (const [name, xs] of Object.entries(rows)) console.log(`${name.padEnd(58)} ${s(median(xs)).padStart(9)}   ${s(Math.min(...xs))}–${s(Math.max(...xs))}`);
  if (speeds.length) console.log(`${'voodu: upload to the controller (its "Received" line)'.padEnd(58)} ${`${median(speeds).toFixed(0)} MiB/s`.padStart(9)}`);
} finally {
  await apiFetch(ctl, `/scope?scope=${scope}&grace=0s`, { method: 'DELETE' }).catch(() => undefined);
  for (let i = 0; i < 300 && (await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } })).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  const images = await docker.listImages();
  await Promise.all(
    images.filter((i) => (i.RepoTags ?? []).some((t) => t.startsWith(scope))).map((i) => docker.getImage(i.Id).remove({ force: true }).catch(() => undefined)),
  );
  await rm(work, { recursive: true, force: true });
  await ctl.cleanup();
  await etcd.stop();
}
