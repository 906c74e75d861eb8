/**
 * Requests a browser could send on a web page's behalf are refused before
 * anything else looks at them, token or not:
 * - an `Origin` header: browsers add it to every cross-origin request and
 *   to every non-GET one, and no CLI, plugin or pod sends it;
 * - a `Host` that is not one of ours: a page on `evil.example` whose name
 *   was re-pointed at 127.0.0.1 (DNS rebinding) still says `Host: evil.example`;
 * - a body that is not `application/json`: a "simple" cross-origin POST
 *   (text/plain, form data) needs no preflight, a JSON one does.
 * A request without a Host header (HTTP/1.0 from a shell script) is no browser.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './auth.js';

export interface Refusal {
  status: number;
  message: string;
}

/** The host part of a Host header: `[::1]:8686` → `::1`, `localhost:8686` → `localhost`. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.indexOf(':');
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/** True when a body follows the head (a length above zero, or chunked). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const len = Number(headers['content-length'] ?? 0);
  return Number.isFinite(len) ? len > 0 : true;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function refuseBrowser(headers: IncomingHttpHeaders, allowedHosts: ReadonlySet<string>): Refusal | undefined {
  if (headers.origin !== undefined) {
    return { status: 403, message: 'requests carrying an Origin header are refused: the controller API is not for web pages (call it from the voodu CLI, a plugin or a pod)' };
  }
  const host = headers.host;
  if (host !== undefined) {
    const name = hostOf(host);
    if (!allowedHosts.has(name) && !isLoopback(name)) {
      return { status: 403, message: `Host "${name}" is not this controller's; call it as 127.0.0.1 or localhost, or start the controller with --api-host ${name}` };
    }
  }
  return undefined;
}

/** For a body-carrying request: only JSON, unless the route takes one of `extra` (a streamed upload). */
export function refuseBodyType(headers: IncomingHttpHeaders, extra: readonly string[] = []): Refusal | undefined {
  if (!hasBody(headers)) return undefined;
  const type = mediaType(headers['content-type']);
  if (type === 'application/json' || extra.includes(type)) return undefined;
  const accepted = ['application/json', ...extra].join(', ');
  return { status: 415, message: `Content-Type "${type || '(none)'}" is refused; send the body as ${accepted}` };
}
