// A tiny client for the controller's HTTP API, through the URL the
// controller hands this run (`controller_url` on stdin, or
// VOODU_CONTROLLER_URL). That URL carries a capability token in its path,
// so errors name only the route, never the URL.

export const TIMEOUT_MS = 10_000;

/** The controller could not be asked, or refused; `status` is the HTTP status when there was one. */
export class ControllerError extends Error {
  /** @param {string} message @param {number} [status] */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const query = (params) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, String(v)])).toString();

/**
 * @param {string | undefined} baseUrl e.g. http://127.0.0.1:8686/cap/<token>
 * @param {{timeoutMs?: number, fetch?: typeof fetch}} [opts]
 */
export function createClient(baseUrl, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const doFetch = opts.fetch ?? fetch;
  const base = String(baseUrl ?? '').replace(/\/+$/, '');

  /** One call; answers the envelope's `data`. `route` is the path and query after the base URL. */
  async function call(method, route, body) {
    if (!base) throw new ControllerError(`${method} ${route.split('?')[0]}: no controller URL (controller_url on stdin or VOODU_CONTROLLER_URL); run the command through the voodu CLI (\`voodu <plugin>:<command>\`), which hands the plugin its URL`);
    const what = `${method} ${route.split('?')[0]}`;
    let res;
    try {
      res = await doFetch(base + route, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = err && err.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err));
      throw new ControllerError(`controller ${what}: ${why}`);
    }
    const text = await res.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ControllerError(`controller ${what}: answered ${res.status} with no JSON`, res.status);
    }
    if (!res.ok || parsed.status === 'error') {
      throw new ControllerError(`controller ${what}: ${res.status} ${parsed.error ?? res.statusText}`, res.status);
    }
    return parsed.data;
  }

  return {
    get: (route) => call('GET', route),
    post: (route, body) => call('POST', route, body),
    delete: (route) => call('DELETE', route),

    /**
     * The stored spec of one manifest (`data.manifest.spec` of GET /describe).
     * @returns {Promise<Record<string, any>>}
     */
    async fetchSpec(kind, scope, name) {
      const data = await call('GET', `/describe?${query({ kind, scope, name })}`);
      const spec = data?.manifest?.spec;
      if (!spec || typeof spec !== 'object') throw new ControllerError(`controller GET /describe: ${kind} ${scope ? `${scope}/` : ''}${name} has no spec`);
      return spec;
    },

    /**
     * The config bucket of (scope, name), merged with the scope's unless `merge` is false (`data.vars` of GET /config).
     * @returns {Promise<Record<string, string>>}
     */
    async fetchConfig(scope, name, { merge = true } = {}) {
      const data = await call('GET', `/config?${query({ scope, name, ...(merge ? {} : { merge: 'false' }) })}`);
      const vars = data?.vars;
      return vars && typeof vars === 'object' ? vars : {};
    },
  };
}
