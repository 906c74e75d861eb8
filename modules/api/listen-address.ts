/** Parses `--http` values: `127.0.0.1:8686`, `:8686`, `[::1]:8686`, `localhost:0`. */
import { ValidationError } from '../../lib/errors.js';

export function parseListenAddress(value: string, field = 'http'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new ValidationError(`${field}: ${JSON.stringify(value)} is not a listen address; use HOST:PORT such as 127.0.0.1:8686`, { field });
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
