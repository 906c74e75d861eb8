/**
 * The one door of the API (docs/security.md). Every request on either
 * listener passes here before restify routes it, in this order:
 *
 * 1. browser-shaped requests are refused (Origin, foreign Host, non-JSON body);
 * 2. the credential is found: a `/cap/<token>` or `/pod/<token>` path prefix
 *    (stripped, so routes never see it), else `Authorization: Bearer`;
 * 3. the route is looked up in the gate's own table and its `access` asked
 *    whether this principal may call it — routes are closed to everyone but
 *    the API token holder unless they open themselves;
 * 4. requests wait for the controller to be up (503 before).
 *
 * Tokens never reach a log line: the URL is rewritten before restify (and our
 * request log) sees it.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../kernel/index.js';
import { tokenMatches } from './auth.js';
import { readJsonBody } from './body.js';
import { refuseBodyType, refuseBrowser, type Refusal } from './browser-guard.js';
import type { PluginCapabilities } from './capabilities.js';
import type { AccessRequest, PluginGrant, PodGrant, PodListenerOptions, Principal, RouteAccess } from './contract.js';
import type { RouteTable } from './route-table.js';

export const PRINCIPAL = Symbol('voodu.principal');
export const BODY = Symbol('voodu.body');

type GateRequest = IncomingMessage & { [PRINCIPAL]?: Principal; [BODY]?: Promise<unknown> };

export interface GateOptions {
  table: RouteTable;
  capabilities: PluginCapabilities;
  /** The API token; every route but the public ones requires it. */
  token: string;
  /** Where the token lives, named in 401 hints. */
  tokenHint: string;
  maxBodyBytes: number;
  log: Logger;
}

export type Listener = { kind: 'main'; hosts: ReadonlySet<string> } | { kind: 'pod'; hosts: ReadonlySet<string>; pods: PodListenerOptions };

export type Decision = { ok: true } | ({ ok: false } & Refusal);

const OK: Decision = { ok: true };
const ADMIN: Principal = { kind: 'admin' };
const POD_REFUSED: Decision = { ok: false, status: 403, message: 'this pod token is unknown or revoked (tokens die with their container)' };
const CAP_REFUSED: Decision = {
  ok: false,
  status: 403,
  message: 'this capability is unknown or expired: it lives only as long as the plugin invocation it was minted for',
};

type AccessRule = (req: AccessRequest, grant: PluginGrant | PodGrant) => boolean | Promise<boolean>;

const CAP_PREFIX = /^\/cap\/([A-Za-z0-9_-]{16,128})(\/.*)?$/;
const POD_PREFIX = /^\/pod\/([A-Za-z0-9_-]{16,128})(\/.*)?$/;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (how a dual-stack socket reports an IPv4 peer). */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function splitUrl(url: string): { path: string; search: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q) };
}

export class Gate {
  readonly #o: GateOptions;

  constructor(options: GateOptions) {
    this.#o = options;
  }

  /**
   * Decides on `req`; on success its URL is the route's own and its principal
   * is attached. Synchronous unless a pod token must be looked up or a route's
   * rule is a function: the token holder's requests never wait on a promise.
   */
  check(req: GateRequest, listener: Listener, remote: string): Decision | Promise<Decision> {
    const refusal = refuseBrowser(req.headers, listener.hosts);
    if (refusal) return { ok: false, ...refusal };

    const { path: rawPath, search } = splitUrl(req.url ?? '/');
    if (listener.kind === 'pod') {
      const m = POD_PREFIX.exec(rawPath);
      // /health needs no credential; nothing else answers here without a pod token.
      if (!m) return this.#decide(req, { kind: 'anonymous' }, rawPath, rawPath, search, false);
      const path = m[2] ?? '/';
      req.url = `/pod/***${path}${search}`;
      return this.#podPrincipal(listener.pods, m[1]!, remote, req.method, path).then((principal) =>
        principal ? this.#decide(req, principal, rawPath, path, search, false) : POD_REFUSED,
      );
    }
    const m = CAP_PREFIX.exec(rawPath);
    if (m) {
      const path = m[2] ?? '/';
      req.url = `/cap/***${path}${search}`;
      const grant = this.#o.capabilities.lookup(m[1]!);
      if (!grant) return CAP_REFUSED;
      return this.#decide(req, { kind: 'plugin', ...grant }, rawPath, path, search, false);
    }
    if (req.headers.authorization === undefined) return this.#decide(req, { kind: 'anonymous' }, rawPath, rawPath, search, isLoopback(remote));
    if (!tokenMatches(req.headers.authorization, this.#o.token)) {
      return { ok: false, status: 401, message: `wrong API token; the controller's token is in ${this.#o.tokenHint}` };
    }
    return this.#decide(req, ADMIN, rawPath, rawPath, search, false);
  }

  async #podPrincipal(pods: PodListenerOptions, token: string, remote: string, method: string | undefined, path: string): Promise<Principal | undefined> {
    const grant = await pods.resolve(token, remote).catch(() => undefined);
    if (grant) return { kind: 'pod', ...grant };
    const who = (await pods.nameOf?.(remote).catch(() => undefined)) ?? 'an unknown container';
    this.#o.log.warn(`pod API: refused ${method} ${path} from ${who} (${remote}): unknown or revoked pod token`);
    return undefined;
  }

  /** The route's body type and access rule for `principal`; on success the request is rewritten and stamped. */
  #decide(req: GateRequest, principal: Principal, rawPath: string, path: string, search: string, loopback: boolean): Decision | Promise<Decision> {
    const match = this.#o.table.match(req.method ?? 'GET', path);
    const bodyRefusal = refuseBodyType(req.headers, match?.route.access.bodyTypes);
    if (bodyRefusal) return { ok: false, ...bodyRefusal };
    const finish = (allowed: Decision): Decision => {
      if (!allowed.ok) {
        if (principal.kind === 'pod') this.#o.log.warn(`pod API: refused ${req.method} ${path} for pod ${principal.pod} (scope ${principal.scope}): ${allowed.message}`);
        return allowed;
      }
      if (path !== rawPath) req.url = `${path}${search}`;
      req[PRINCIPAL] = principal;
      return allowed;
    };
    const allowed = this.#allowed(req, principal, match, path, search, loopback);
    return allowed instanceof Promise ? allowed.then(finish) : finish(allowed);
  }

  /** `loopback`: an anonymous caller on the main listener from this host's loopback. */
  #allowed(req: GateRequest, principal: Principal, match: ReturnType<RouteTable['match']>, path: string, search: string, loopback: boolean): Decision | Promise<Decision> {
    // Unknown routes: the token holder gets restify's 404/405; nobody else learns what exists.
    if (principal.kind === 'admin') return OK;
    const access = match?.route.access;
    if (access?.public) return OK;
    if (access?.loopback && loopback) return OK;
    if (principal.kind === 'anonymous') {
      return { ok: false, status: 401, message: `this API requires its token (Authorization: Bearer …); the voodu CLI reads it from ${this.#o.tokenHint}` };
    }
    const deny: Decision = { ok: false, status: 403, message: `a ${principal.kind} capability may not call ${req.method} ${path}` };
    if (!match || !access) return deny;
    // Both rule kinds take (request, grant); the principal is its grant plus a `kind`.
    const rule = (principal.kind === 'plugin' ? access.plugin : access.pod) as true | AccessRule | undefined;
    if (!rule) return deny;
    if (rule === true) return OK;
    const view: AccessRequest = {
      method: req.method ?? 'GET',
      path,
      params: match.params,
      query: Object.fromEntries(new URLSearchParams(search)),
      body: () => (req[BODY] ??= readJsonBody(req, this.#o.maxBodyBytes)),
    };
    // A rule that throws (a body that does not parse, say) cannot prove the call is allowed.
    return Promise.resolve()
      .then(() => rule(view, principal))
      .then(
        (ok) => (ok ? OK : deny),
        () => deny,
      );
  }
}
