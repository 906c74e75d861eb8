/** JSON calls to a controller's API in end-to-end tests, carrying its API token. */

/** The api module's envelope, loosely typed for assertions. */
export interface Envelope {
  status: string;
  data?: any;
  error?: string;
  skipped?: string;
}

/** Where a test controller listens and the token its API requires (read from `<root>/api-token`). */
export interface ApiTarget {
  url: string;
  token: string;
}

/** `Authorization: Bearer <token>` for a raw fetch to a test controller. */
export function authHeaders(target: ApiTarget, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${target.token}`, ...extra };
}

/** `fetch(target.url + path)` with the token added to `init.headers`. */
export function apiFetch(target: ApiTarget, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${target.token}`);
  return fetch(target.url + path, { ...init, headers });
}

/** `method path` with `body` as JSON; answers the status and the parsed envelope. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<{ status: number; body: Envelope }> {
  const res = await apiFetch(target, path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, body: (await res.json()) as Envelope };
}
