/**
 * Engine events → RuntimeEvent. The events endpoint is a raw stream of
 * NDJSON: a chunk may hold half an event or several, so lines are split
 * here, never assumed to be one chunk each.
 */
import { StringDecoder } from 'node:string_decoder';
import type { RuntimeEvent } from './contract.js';

/** Feeds chunks in, calls `onLine` once per complete non-empty line. */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer | string): void {
    this.#pending += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    let nl: number;
    while ((nl = this.#pending.indexOf('\n')) !== -1) {
      const line = this.#pending.slice(0, nl).trim();
      this.#pending = this.#pending.slice(nl + 1);
      if (line) this.#onLine(line);
    }
  }

  /** The stream ended: a last line without its newline still counts. */
  end(): void {
    const rest = (this.#pending + this.#decoder.end()).trim();
    this.#pending = '';
    if (rest) this.#onLine(rest);
  }
}

/** Actor attributes the engine adds next to the container's labels. */
const NOT_LABELS = new Set(['name', 'image', 'exitCode', 'signal', 'execID', 'execDuration']);

interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** Undefined for anything that is not a container event. */
export function toRuntimeEvent(raw: unknown): RuntimeEvent | undefined {
  const e = raw as EngineEvent;
  if (!e || typeof e !== 'object' || (e.Type && e.Type !== 'container')) return undefined;
  const rawAction = e.Action ?? e.status ?? '';
  // `exec_start: sh -c …`, `health_status: healthy`: the command or detail after the colon is not the action.
  const action = rawAction.split(':')[0]!.trim();
  const attrs = e.Actor?.Attributes ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!NOT_LABELS.has(k)) labels[k] = v;
  const event: RuntimeEvent = {
    action,
    containerId: e.Actor?.ID ?? e.id ?? '',
    name: attrs['name'] ?? '',
    labels,
    time: e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000,
  };
  if (attrs['exitCode'] !== undefined && /^-?\d+$/.test(attrs['exitCode'])) event.exitCode = Number(attrs['exitCode']);
  return event;
}
