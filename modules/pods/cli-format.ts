/** Output helpers of the pods verbs: `-o text|json|yaml`, sizes, and per-pod colours on a terminal. */
import { CliError } from '../../cli/client.js';
import { printJson } from '../../cli/output.js';
import type { VerbContext, VerbOption } from '../../cli/verb.js';
import { toYaml } from '../../cli/yaml.js';

export type Format = 'text' | 'json' | 'yaml';

export const outputOption: VerbOption = { flags: '-o, --output', description: 'output format: text, json or yaml' };

export function formatOf(ctx: VerbContext, opts: Record<string, unknown>): Format {
  const v = opts.output ?? opts.o ?? ctx.output;
  if (v === 'yaml' || v === 'yml') return 'yaml';
  if (v === 'json') return 'json';
  if (v === undefined || v === 'text' || v === true) return 'text';
  throw new CliError(`-o/--output: "${String(v)}" is not a format; use text, json or yaml`);
}

/** Prints `value` for scripts; false in text mode, where the verb prints for people. */
export function emit(ctx: VerbContext, fmt: Format, value: unknown): boolean {
  if (fmt === 'json') printJson(ctx.stdout, value);
  else if (fmt === 'yaml') ctx.stdout.write(toYaml(value));
  else return false;
  return true;
}

export function isColorTerminal(ctx: VerbContext, stream: NodeJS.WritableStream = ctx.stdout): boolean {
  if (ctx.env.NO_COLOR) return false;
  if (ctx.env.FORCE_COLOR && ctx.env.FORCE_COLOR !== '0') return true;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

const PALETTE = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95];

/** A stable colour per pod name, so the same pod keeps its colour across lines. */
export function colorFor(name: string): (s: string) => string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const code = PALETTE[h % PALETTE.length]!;
  return (s) => `\x1b[${code}m${s}\x1b[0m`;
}

/** 1536 → "1.5KiB", as docker stats prints sizes. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${units[i]}`;
}
