/**
 * Env files and env precedence. The Go voodu handed the
 * files to `docker run --env-file`; we read them ourselves, so the parser
 * follows docker's env-file rules: one `KEY=VALUE` per line, `#` comment
 * lines and blank lines ignored, value kept verbatim (no quote stripping).
 */
import { readFile } from 'node:fs/promises';
import { VooduError, ValidationError, messageOf } from '../../lib/errors.js';

export function parseEnvFile(text: string, source = 'env file'): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    // docker would copy a bare `KEY` from the caller's environment; for a
    // daemon that would leak the controller's own env into containers.
    if (eq === -1) return;
    const key = line.slice(0, eq).trim();
    if (!key || /\s/.test(key)) {
      throw new ValidationError(`${source}:${i + 1}: ${JSON.stringify(key)} is not a valid variable name`);
    }
    out.push([key, line.slice(eq + 1)]);
  });
  return out;
}

/** Files in order (a missing one is skipped), then `env` on top: later wins. Returns docker's `KEY=VALUE` list. */
export async function mergeEnv(files: readonly string[] = [], env: Record<string, string> = {}): Promise<string[]> {
  const merged = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new VooduError(`cannot read env file ${file}: ${messageOf(err)}`, { cause: err });
    }
    for (const [k, v] of parseEnvFile(text, file)) {
      // Re-insert so the key moves to where it was last set, as a later --env-file would.
      merged.delete(k);
      merged.set(k, v);
    }
  }
  // Sorted like the Go voodu's `-e` flags, so the container's Env reads the same on both.
  for (const k of Object.keys(env).sort()) {
    merged.delete(k);
    merged.set(k, env[k]!);
  }
  return [...merged].map(([k, v]) => `${k}=${v}`);
}
