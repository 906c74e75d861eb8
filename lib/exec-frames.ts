/**
 * The framing of `POST /pods/{name}/exec` after its `101 UPGRADED`, shared
 * by the controller and the CLI. Server → client is docker's multiplexed
 * stream format, tty or not, so stderr stays apart and the exit code can
 * follow the output without being mistaken for it:
 *
 *   [type u8][0 0 0][payload length u32 big-endian][payload]
 *
 *   type 1  stdout bytes (all of a tty's output)
 *   type 2  stderr bytes
 *   type 3  the trailer, always the last frame, JSON:
 *           {"exit_code": N}   the command exited with N
 *           {"error": "..."}   the exec broke after the upgrade; no exit code
 *
 * Client → server is raw stdin bytes (only read with `interactive=true`);
 * half-closing the connection is EOF on the process's stdin. With
 * `frames=true` the client frames its side the same way instead, so a
 * terminal's size changes travel in order with the keystrokes:
 *
 *   type 0  stdin bytes (ignored unless `interactive=true`)
 *   type 4  a resize, JSON {"cols": C, "rows": R} (a tty only)
 */
export const STREAM_STDIN = 0;
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;
export const STREAM_TRAILER = 3;
export const STREAM_RESIZE = 4;

/** Terminal sizes beyond this are not terminals. */
const MAX_SIZE = 10_000;

export interface Frame {
  type: number;
  payload: Buffer;
}

export interface Trailer {
  exit_code?: number;
  error?: string;
}

const HEADER = 8;

export function encodeFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(HEADER);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

export function encodeTrailer(trailer: Trailer): Buffer {
  return encodeFrame(STREAM_TRAILER, JSON.stringify(trailer));
}

/** Reads a trailer payload; anything unreadable becomes an error trailer rather than a crash. */
export function decodeTrailer(payload: Buffer): Trailer {
  try {
    const value = JSON.parse(payload.toString('utf8')) as Trailer;
    if (typeof value.exit_code === 'number' && Number.isInteger(value.exit_code)) return { exit_code: value.exit_code };
    if (typeof value.error === 'string') return { error: value.error };
  } catch {
    // fall through
  }
  return { error: `unreadable exec trailer ${JSON.stringify(payload.toString('utf8').slice(0, 200))}` };
}

export function encodeResize(cols: number, rows: number): Buffer {
  return encodeFrame(STREAM_RESIZE, JSON.stringify({ cols, rows }));
}

/** A resize payload, or undefined when it is not two positive integers within bounds. */
export function decodeResize(payload: Buffer): { cols: number; rows: number } | undefined {
  try {
    const { cols, rows } = JSON.parse(payload.toString('utf8')) as { cols?: unknown; rows?: unknown };
    const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_SIZE;
    return ok(cols) && ok(rows) ? { cols, rows } : undefined;
  } catch {
    return undefined;
  }
}

/** Incremental decoder: feed chunks as they arrive, get whole frames back. */
export class FrameDecoder {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #maxPayload: number;

  /** `maxPayload`: a frame announcing more is refused (push throws) rather than buffered. */
  constructor(maxPayload = Number.POSITIVE_INFINITY) {
    this.#maxPayload = maxPayload;
  }

  push(chunk: Buffer): Frame[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.#buffer.length >= HEADER) {
      const size = this.#buffer.readUInt32BE(4);
      if (size > this.#maxPayload) throw new RangeError(`a frame of ${size} bytes is over the ${this.#maxPayload}-byte limit`);
      if (this.#buffer.length < HEADER + size) break;
      frames.push({ type: this.#buffer[0]!, payload: this.#buffer.subarray(HEADER, HEADER + size) });
      this.#buffer = this.#buffer.subarray(HEADER + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame: non-zero at the end of a stream means it was cut. */
  get pending(): number {
    return this.#buffer.length;
  }
}
