/**
 * The two facts the gate asks of a request's credentials: is a host name a
 * loopback one, and does a bearer header carry the API token (compared in
 * constant time). See docs/security.md.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  // Hash both sides so the comparison length never depends on the input.
  const a = createHash('sha256').update(header.slice(7)).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
