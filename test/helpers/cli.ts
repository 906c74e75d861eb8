/** The `voodu` CLI run in the test's own process, its output captured. */
import { Readable, Writable } from 'node:stream';
import { main } from '../../cli/main.js';

/** Collects what is written to it, and when each piece came (to tell streamed output from output printed at the end). */
export class Sink extends Writable {
  text = '';
  chunks: { at: number; text: string }[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    this.chunks.push({ at: Date.now(), text: chunk.toString() });
    cb();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's pieces with their arrival times. */
  chunks: { at: number; text: string }[];
  endedAt: number;
}

export interface CliOptions {
  /**
   * The controller to talk to: `--controller-url` is its URL, and
   * `VOODU_ROOT` its root, so the CLI finds the token file the way it does on a host.
   */
  target?: { url: string; root: string };
  /** The whole environment the CLI sees (on top of the target's VOODU_ROOT). */
  env?: NodeJS.ProcessEnv;
  /** Standard input; empty when not given. */
  stdin?: string | string[] | NodeJS.ReadableStream;
}

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = typeof opts.stdin === 'string' ? Readable.from([opts.stdin]) : Array.isArray(opts.stdin) ? Readable.from(opts.stdin) : (opts.stdin ?? Readable.from([]));
  const argv = ['node', 'voodu', ...(opts.target ? ['--controller-url', opts.target.url] : []), ...args];
  const env = { ...(opts.target ? { VOODU_ROOT: opts.target.root } : {}), ...opts.env };
  const code = await main(argv, { stdout, stderr, stdin, env });
  return { code, stdout: stdout.text, stderr: stderr.text, chunks: stdout.chunks, endedAt: Date.now() };
}
