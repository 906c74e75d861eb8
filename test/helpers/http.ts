/** JSON calls to a controller's API in end-to-end tests. */

/** The api module's envelope, loosely typed for assertions. */
export interface Envelope {
  status: string;
  data?: any;
  error?: string;
  skipped?: string;
}

/** `method path` with `body` as JSON; answers the status and the parsed envelope. */
export async function callApi(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Envelope }> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, body: (await res.json()) as Envelope };
}
