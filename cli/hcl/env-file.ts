/**
 * `env_file = ["./app.env"]`: read by the CLI, relative to the manifest's
 * directory, merged into `env` (later files override earlier ones, inline
 * `env` wins) and removed from what is sent. The controller
 * never sees the files, only the merged map.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import type { At } from '../../lib/manifest/at.js';

/** `.env` syntax: KEY=value, `#` comments, optional `export `, matching outer quotes stripped. */
export function parseEnvFile(text: string, display: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((rawLine, i) => {
    let line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('export ')) line = line.slice('export '.length).trim();
    const eq = line.indexOf('=');
    // The line itself is not repeated: it may hold a secret.
    if (eq < 0) throw new ValidationError(`${display}:${i + 1}: missing '='`);
    const key = line.slice(0, eq).trim();
    if (key === '') throw new ValidationError(`${display}:${i + 1}: empty key`);
    out[key] = unquote(line.slice(eq + 1).trim());
  });
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

/** Replaces `env_file` in `spec` (mutated) by its merged contents. */
export async function mergeEnvFiles(spec: Record<string, unknown>, baseDir: string, at: At): Promise<void> {
  const raw = spec.env_file;
  if (raw === undefined) return;
  delete spec.env_file;
  const here = at.key('env_file');
  const files = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(files) || !files.every((f): f is string => typeof f === 'string' && f !== '')) {
    return here.fail('must be a list of file paths, e.g. ["./app.env"]');
  }
  const merged: Record<string, string> = {};
  for (const file of files) {
    const full = isAbsolute(file) ? file : resolve(baseDir, file);
    let text: string;
    try {
      text = await readFile(full, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return here.fail(`cannot read ${JSON.stringify(file)}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message} (${full})`);
    }
    try {
      Object.assign(merged, parseEnvFile(text, file));
    } catch (err) {
      here.fail((err as Error).message);
    }
  }
  const inline = spec.env;
  if (inline !== undefined && (typeof inline !== 'object' || inline === null || Array.isArray(inline))) return;
  if (Object.keys(merged).length) spec.env = { ...merged, ...(inline as Record<string, unknown> | undefined) };
}
