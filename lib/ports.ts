/**
 * The published-port rule, shared by the runtime (which
 * binds it) and the spec hash (which must see the port as it will be bound).
 * A port the operator did not pin to an address is bound on loopback only,
 * so publishing never opens a port to the world by accident.
 *
 * `80` → `127.0.0.1::80`, `3000:80` → `127.0.0.1:3000:80`; two or more
 * colons, or `[`, are the operator's own choice and stay as written.
 */
export function normalisePort(raw: string): string {
  const s = raw.trim();
  if (s.startsWith('[')) return s;
  const colons = s.split(':').length - 1;
  if (colons === 0) return `127.0.0.1::${s}`;
  if (colons === 1) return `127.0.0.1:${s}`;
  return s;
}
