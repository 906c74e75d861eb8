/**
 * `voodu exec <ref> -- cmd…`: runs a command in a pod over a hijacked
 * connection (framing in lib/exec-frames.ts) and exits with the command's
 * exit code. With a tty the local terminal goes raw for the session and is
 * always restored, and its size follows the local one: stdin and each
 * resize (SIGWINCH, which node reports as the stdout's `resize` event) go
 * as frames, in order, on the same connection.
 */
import type { Duplex } from 'node:stream';
import type { ReadStream } from 'node:tty';
import { CliError } from '../../cli/client.js';
import type { Verb, VerbContext } from '../../cli/verb.js';
import { FrameDecoder, STREAM_STDERR, STREAM_STDIN, STREAM_STDOUT, STREAM_TRAILER, decodeTrailer, encodeFrame, encodeResize, type Trailer } from '../../lib/exec-frames.js';
import { describeRef, listPods, parsePodRef } from './cli-refs.js';

export const exec: Verb = {
  name: 'exec',
  // Optional so `--container NAME -- cmd` needs no ref; then the first positional is the command's.
  args: '[ref]',
  description:
    'Run a command in a running pod and exit with its exit code. Put the command after --. ' +
    'REF is a container name, <scope>/<name>.<replica>, <scope>/<name> (a running pod of it) or <scope> (when it has one pod). ' +
    'On a terminal it defaults to -it (interactive with a tty)',
  options: [
    { flags: '-i, --stdin', description: 'send local stdin to the command (EOF closes its stdin)', default: false },
    { flags: '-t, --tty', description: 'allocate a terminal (stdout and stderr merged)', default: false },
    { flags: '-w, --workdir', description: 'working directory inside the container' },
    { flags: '-u, --user', description: 'user (name, uid, name:group or uid:gid)' },
    { flags: '-e, --env', description: 'extra KEY=VALUE for the command (repeatable)' },
    { flags: '--container', description: 'exact container name instead of a ref (for names a ref cannot spell)' },
  ],
  examples: [
    'exec prod/api -- ls -la /app',
    'exec -it prod/api -- sh',
    'exec prod-api.a1b2 -e DEBUG=1 -- env',
    'echo hi | voodu exec -i prod/db.0 -- wc -c',
    'exec --container prod-legacy -- ps',
  ],
  async run(ctx, args, opts) {
    const container = typeof opts.container === 'string' && opts.container ? opts.container : undefined;
    const rest = ((opts._ as unknown[] | undefined) ?? []).map(String);
    const ref = container ? undefined : args[0];
    const command = container && args[0] !== undefined ? [args[0], ...rest] : rest;
    if (!container && !ref) throw new CliError('no pod given; use `voodu exec <ref> -- cmd…` or `--container NAME -- cmd…`');
    if (command.length === 0) throw new CliError('no command given; put it after --, e.g. `voodu exec prod/api -- sh`');
    const stdinTty = Boolean((ctx.stdin as ReadStream).isTTY);
    const auto = stdinTty && opts.tty !== true && opts.stdin !== true;
    const tty = opts.tty === true || auto;
    const interactive = opts.stdin === true || auto;
    const pod = container ?? (await target(ctx, ref!));
    const env = envList(opts.env, tty ? ctx.env : undefined);
    const out = ctx.stdout as NodeJS.WriteStream;
    // A local terminal to follow: then our side of the connection is framed (stdin + resizes).
    const terminal = tty && out.isTTY ? out : undefined;
    const { socket, head } = await ctx.client.upgrade('POST', `/pods/${encodeURIComponent(pod)}/exec`, {
      query: {
        tty: tty || undefined,
        interactive: interactive || undefined,
        frames: terminal ? true : undefined,
        workdir: typeof opts.workdir === 'string' ? opts.workdir : undefined,
        user: opts.user !== undefined ? String(opts.user) : undefined,
        cols: tty && out.columns ? out.columns : undefined,
        rows: tty && out.rows ? out.rows : undefined,
      },
      body: { command, env },
    });
    const raw = tty && stdinTty ? (ctx.stdin as ReadStream) : undefined;
    raw?.setRawMode(true);
    try {
      const trailer = await session(ctx, socket, head, interactive, terminal);
      if (trailer.error !== undefined) throw new CliError(trailer.error);
      return trailer.exit_code ?? 1;
    } finally {
      raw?.setRawMode(false);
    }
  },
};

/** A named pod, or the one pod of a resource (running first, then newest) or of a scope. */
async function target(ctx: VerbContext, ref: string): Promise<string> {
  const r = parsePodRef(ref);
  if ('pod' in r) return r.pod;
  const all = await listPods(ctx.client, r);
  const replicas = all.filter((p) => p.role === p.kind);
  const pods = replicas.length ? replicas : all;
  if (pods.length === 0) throw new CliError(`no pods match "${describeRef(r)}"`);
  if (!r.name && pods.length > 1) {
    throw new CliError(`scope "${r.scope}" has ${pods.length} pods (${pods.map((p) => p.name).join(', ')}); name one, or use <scope>/<name>`);
  }
  const pick = [...pods].sort(
    (a, b) => Number(b.state === 'running') - Number(a.state === 'running') || b.created_at.localeCompare(a.created_at),
  )[0]!;
  ctx.stderr.write(`==> ${pick.name} (${pick.state === 'running' ? 'running' : 'stopped'})\n`);
  return pick.name;
}

/** `-e` values, plus the terminal's TERM/LANG/LC_ALL for a tty unless given. Errors name the key only. */
function envList(value: unknown, local: NodeJS.ProcessEnv | undefined): string[] {
  const given = (value === undefined ? [] : Array.isArray(value) ? value : [value]).map(String);
  for (const e of given) {
    if (e.indexOf('=') <= 0) throw new CliError(`-e ${JSON.stringify(e.split('=')[0])}: use KEY=VALUE`);
  }
  if (!local) return given;
  const has = (k: string) => given.some((e) => e.startsWith(`${k}=`));
  const extra: string[] = [];
  if (!has('TERM')) extra.push(`TERM=${local.TERM || 'xterm-256color'}`);
  for (const k of ['LANG', 'LC_ALL']) if (!has(k) && local[k]) extra.push(`${k}=${local[k]}`);
  return [...extra, ...given];
}

/**
 * Output frames to stdout/stderr, stdin to the socket; resolves with the
 * trailer. With `terminal` (a tty session on a local terminal) the client
 * side is framed: stdin frames, and a resize frame each time it resizes.
 */
export function session(ctx: Pick<VerbContext, 'stdin' | 'stdout' | 'stderr'>, socket: Duplex, head: Buffer, interactive: boolean, terminal?: NodeJS.WriteStream): Promise<Trailer> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    let trailer: Trailer | undefined;
    const onStdin = terminal ? (chunk: Buffer | string) => socket.write(encodeFrame(STREAM_STDIN, chunk)) : (chunk: Buffer | string) => socket.write(chunk);
    const onStdinEnd = () => socket.end();
    const onResize = () => {
      if (terminal?.columns && terminal.rows && !socket.writableEnded) socket.write(encodeResize(terminal.columns, terminal.rows));
    };
    terminal?.on('resize', onResize);
    const stopStdin = () => {
      terminal?.off('resize', onResize);
      ctx.stdin.off('data', onStdin);
      ctx.stdin.off('end', onStdinEnd);
      ctx.stdin.pause(); // lets the process exit once the session is over
    };
    const take = (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === STREAM_STDOUT) ctx.stdout.write(f.payload);
        else if (f.type === STREAM_STDERR) ctx.stderr.write(f.payload);
        else if (f.type === STREAM_TRAILER) trailer = decodeTrailer(f.payload);
      }
    };
    socket.on('data', take);
    socket.once('error', (err) => {
      stopStdin();
      reject(new CliError(`exec connection failed: ${err.message}`));
    });
    socket.once('close', () => {
      stopStdin();
      if (trailer) resolve(trailer);
      else reject(new CliError('the connection closed before the command finished (no exit code received)'));
    });
    if (head.length) take(head);
    if (interactive) {
      ctx.stdin.on('data', onStdin);
      ctx.stdin.once('end', onStdinEnd);
      ctx.stdin.resume();
    }
  });
}
