/**
 * The gate's own copy of the routes, matched before restify routes: the
 * gate must know which route a request is for (and who may call it) before
 * any handler runs, and answer capability holders 403 for paths that exist
 * nowhere rather than reveal the route list.
 */
import type { HttpMethod, RouteAccess, RouteInfo } from './contract.js';

interface Entry extends RouteInfo {
  pattern: RegExp;
  names: string[];
}

export interface RouteMatch {
  route: RouteInfo;
  params: Record<string, string>;
}

/** `/pods/:name/ready` → a regexp with one capture per `:param` (one path segment each). */
function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), names };
}

export class RouteTable {
  readonly #entries: Entry[] = [];

  add(method: HttpMethod, path: string, raw: boolean, access: RouteAccess = {}): void {
    this.#entries.push({ method, path, raw, access, ...compile(path) });
  }

  list(): RouteInfo[] {
    return this.#entries.map(({ method, path, raw, access }) => ({ method, path, raw, access }));
  }

  match(method: string, pathname: string): RouteMatch | undefined {
    for (const e of this.#entries) {
      if (e.method !== method) continue;
      const m = e.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      e.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1]!);
        } catch {
          params[name] = m[i + 1]!;
        }
      });
      return { route: e, params };
    }
    return undefined;
  }
}
