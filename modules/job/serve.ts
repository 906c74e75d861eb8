/**
 * The HTTP answer of a run request (`POST /jobs/run`, `POST /cronjobs/run`).
 * Plain: the run in the envelope — 200, or 500 with the failed run as
 * `data`, which the enveloping route cannot express. Follow: NDJSON, the
 * container's output as `{"log":"…"}` lines while the run goes (so
 * `voodu run` shows it live), then the outcome as the last line. Nothing
 * is written before the run has started or failed to, so a bad request
 * still answers with its own status.
 */
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import type { RawContext } from '../api/contract.js';
import type { LogStream, Runtime } from '../runtime/contract.js';
import type { JobRun, RunHooks, SkippedRun } from './contract.js';

/** How long the follow answer waits, after the run ended, for the engine to deliver the last output. */
const LOG_DRAIN_MS = 3000;

const isSkipped = (r: JobRun | SkippedRun): r is SkippedRun => 'skipped' in r;

export async function serveRun(
  deps: { runtime: Runtime; log: Logger },
  raw: RawContext,
  follow: boolean,
  start: (hooks: RunHooks) => Promise<JobRun | SkippedRun>,
): Promise<void> {
  const { res } = raw;
  if (!follow) {
    const result = await start({});
    if (isSkipped(result)) return send(res, 200, { status: 'ok', data: null, skipped: result.skipped });
    const ok = result.status === 'succeeded';
    return send(res, ok ? 200 : 500, ok ? { status: 'ok', data: result } : { status: 'error', error: result.error ?? `run ${result.run_id} failed`, data: result });
  }

  let logs: Promise<void> | undefined;
  let stream: LogStream | undefined;
  const open = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
  };
  const line = (obj: unknown) => {
    if (!res.destroyed) res.write(JSON.stringify(obj) + '\n');
  };
  const result = await start({
    onStarted(container) {
      open();
      logs = deps.runtime.logs(container, { follow: true }).then(
        (s) => {
          stream = s;
          return forward(s, (text) => line({ log: text }));
        },
        (err) => deps.log.warn(`${container}: cannot follow the run's output: ${messageOf(err)}`),
      );
    },
  });
  if (logs) {
    // The follow ends by itself when the container exits; give the engine a moment for the tail.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([logs, new Promise<void>((r) => (timer = setTimeout(r, LOG_DRAIN_MS)))]);
    clearTimeout(timer);
    stream?.close();
  }
  open();
  line(isSkipped(result) ? { skipped: result.skipped } : { run: result });
  res.end();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Writes stdout and stderr line by line, in the order lines complete; a last line without newline is flushed at the end. */
async function forward(log: LogStream, emit: (text: string) => void): Promise<void> {
  const pipe = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      const decoder = new StringDecoder('utf8');
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const text = partial + decoder.write(chunk);
        const cut = text.lastIndexOf('\n');
        if (cut < 0) {
          partial = text;
          return;
        }
        partial = text.slice(cut + 1);
        for (const l of text.slice(0, cut + 1).split(/(?<=\n)/)) emit(l);
      });
      const end = () => {
        const rest = partial + decoder.end();
        partial = '';
        if (rest) emit(rest);
        resolve();
      };
      stream.once('end', end);
      stream.once('close', end);
      stream.once('error', end);
    });
  await Promise.all([pipe(log.stdout), pipe(log.stderr)]);
}
