/**
 * The HTTP request of one target: method upper-cased
 * (default POST), `Content-Type: application/json`, then the operator's
 * headers (which may override it), then the User-Agent, always ours so a
 * receiver can tell where a call came from.
 */
import type { WebhookTarget } from '../../lib/manifest/types.js';

export const USER_AGENT = 'voodu-deploy-webhook';

export interface BuiltRequest {
  url: string;
  method: string;
  headers: Headers;
}

/** Throws an Error that names the field but never echoes a header value or the URL (either may hold a secret). */
export function buildRequest(target: WebhookTarget): BuiltRequest {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new Error('url is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`url scheme ${url.protocol} is not http or https`);
  const method = (target.method?.trim() || 'POST').toUpperCase();
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(target.headers ?? {})) {
    try {
      headers.set(name, value);
    } catch {
      throw new Error(`header ${JSON.stringify(name.slice(0, 64))} has an invalid name or value`);
    }
  }
  headers.set('user-agent', USER_AGENT);
  return { url: url.href, method, headers };
}

/** Where a request goes, safe to log: the origin only (paths and queries of webhook URLs are often the secret). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}
