/**
 * The `pod-api` module: a second listener for the API, bound only on the
 * host's address on voodu0 (never 0.0.0.0), where containers reach the
 * controller with the token in their `VOODU_CONTROLLER_URL`. The same gate
 * and routes serve it; a pod token opens only what routes open to pods
 * (their own scope's describe, readiness, health, and the plugin that
 * produced their resource). See docs/security.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { defineModule } from '../../kernel/index.js';
import { messageOf, ValidationError } from '../../lib/errors.js';
import type { PodGrant } from '../api/contract.js';
import type {} from '../runtime/contract.js';
import { POD_PLUGIN_LABEL, POD_TOKEN_LABEL, type PodAccess } from './contract.js';

export interface PodApiOptions {
  /** `HOST:PORT`, `:PORT` (the voodu0 gateway, the default with 8687) or `off`. */
  http?: string;
}

export const DEFAULT_POD_PORT = 8687;
const SCOPE_LABEL = 'voodu.scope';
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

function parseBind(value: string): { host?: string; port: number } | 'off' {
  if (value === 'off') return 'off';
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ValidationError(`pod-api.http: ${JSON.stringify(value)} is not HOST:PORT, :PORT or off`, { field: 'http' });
  const host = m[1] ?? m[2];
  if (host === '0.0.0.0' || host === '::') {
    throw new ValidationError(`pod-api.http: ${host} would open the pod API on every interface; give the voodu0 gateway address, or just :PORT`, { field: 'http' });
  }
  return { ...(host ? { host } : {}), port };
}

export default defineModule<PodApiOptions>({
  name: 'pod-api',
  description: 'The listener pods call the controller back on (voodu0 gateway only), and their per-container tokens',
  requires: ['api'],
  // Without Docker there are no pods to call back: the listener stays closed.
  optional: ['runtime'],
  provides: ['podAccess'],
  register(ctx) {
    const bind = parseBind(ctx.options.http ?? `:${DEFAULT_POD_PORT}`);
    const api = ctx.service('api');
    const runtime = ctx.has('runtime') ? ctx.service('runtime') : undefined;
    let base: string | undefined;

    const access: PodAccess = {
      mint(pod) {
        if (!base) return undefined;
        const token = randomBytes(32).toString('base64url');
        return {
          env: { VOODU_CONTROLLER_URL: `${base}/pod/${token}` },
          labels: { [POD_TOKEN_LABEL]: sha256(token), ...(pod.plugin ? { [POD_PLUGIN_LABEL]: pod.plugin } : {}) },
        };
      },
    };
    ctx.provide('podAccess', access);

    // The record is the container itself: no container with this hash, no access.
    const resolve = async (token: string): Promise<PodGrant | undefined> => {
      const [c, twin] = (await runtime?.list({ [POD_TOKEN_LABEL]: sha256(token) })) ?? [];
      if (!c || twin) return undefined;
      const plugin = c.labels[POD_PLUGIN_LABEL];
      return { scope: c.labels[SCOPE_LABEL] ?? '', pod: c.name, ...(plugin ? { plugin } : {}) };
    };
    const nameOf = async (remote: string) => {
      const ip = remote.replace(/^::ffff:/, '');
      return (await runtime?.inspectNetwork())?.containers.find((c) => c.ipv4 === ip)?.name;
    };

    return {
      async start() {
        if (bind === 'off' || !runtime) {
          ctx.log.info(`pod API off${runtime ? '' : ' (no runtime module)'}: containers get no VOODU_CONTROLLER_URL`);
          return;
        }
        const host = bind.host ?? (await runtime.inspectNetwork())?.gateway;
        if (!host) {
          ctx.log.error(`pod API not opened: network voodu0 has no IPv4 gateway; containers will get no VOODU_CONTROLLER_URL`);
          return;
        }
        try {
          base = (await api.servePods({ host, port: bind.port, resolve, nameOf })).url;
          ctx.log.info(`pod API listening on ${base} (voodu0 only)`);
        } catch (err) {
          ctx.log.error(`pod API not opened on ${host}:${bind.port}: ${messageOf(err)}; containers will get no VOODU_CONTROLLER_URL`);
        }
      },
    };
  },
});
