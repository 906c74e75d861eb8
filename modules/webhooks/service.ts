/**
 * The `webhooks` service (contract.ts): callers hand over an event and go
 * on; each target of the slot is delivered in the background, in parallel,
 * and every outcome is logged. `stop()` aborts pending retries.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { formatRef, type ResourceRef } from '../../lib/identity.js';
import type { WebhookTarget } from '../../lib/manifest/types.js';
import type { Assets } from '../assets/contract.js';
import { buildBody } from './body.js';
import type { DeployEvent, ProbeEvent, Webhooks } from './contract.js';
import { Dedup } from './dedup.js';
import { DeliveryFailed, deliver, type DeliveryTimings } from './deliver.js';
import { deployPayload, probePayload, type Payload } from './payload.js';
import { buildRequest, originOf } from './request.js';

export interface WebhooksDeps {
  log: Logger;
  timings: DeliveryTimings;
  assets: () => Assets | undefined;
  /** For the dedup window; tests move it. */
  now?: () => number;
}

export interface WebhooksService extends Webhooks {
  stop(): Promise<void>;
}

const targetsOf = (slot: unknown): WebhookTarget[] => (Array.isArray(slot) ? (slot as WebhookTarget[]) : []);

export function createWebhooks(deps: WebhooksDeps): WebhooksService {
  const { log } = deps;
  const inflight = new Set<Promise<void>>();
  const stopping = new AbortController();
  const dedup = new Dedup(60_000, deps.now);

  function fire(block: 'on_deploy' | 'on_probe', ref: ResourceRef, slot: string, targets: WebhookTarget[], payload: Payload): void {
    if (stopping.signal.aborted) return;
    const total = targets.length;
    targets.forEach((target, i) => {
      if (!target?.url?.trim()) return;
      const where = `${formatRef(ref)} ${block} webhook (${total > 1 ? `${slot}[${i + 1}/${total}]` : slot})`;
      const job = send(where, ref, target, payload).finally(() => inflight.delete(job));
      inflight.add(job);
    });
  }

  async function send(where: string, ref: ResourceRef, target: WebhookTarget, payload: Payload): Promise<void> {
    let req;
    try {
      req = buildRequest(target);
    } catch (err) {
      log.warn(`${where} dropped: ${messageOf(err)}`);
      return;
    }
    let body: string;
    try {
      body = await buildBody(target, payload, { assets: deps.assets(), callerScope: ref.scope });
    } catch (err) {
      log.warn(`${where} body build failed, sending the default payload: ${messageOf(err)}`);
      body = JSON.stringify(payload);
    }
    try {
      const attempt = await deliver(req, body, deps.timings, stopping.signal);
      log.info(`${where} delivered to ${originOf(req.url)} (attempt ${attempt})`);
    } catch (err) {
      const why = err instanceof DeliveryFailed ? err.message : messageOf(err);
      log.warn(`${where} dropped after retries: ${why} (${originOf(req.url)})`);
    }
  }

  return {
    deploy(event: DeployEvent, onDeploy) {
      const targets = targetsOf(onDeploy?.[event.slot]);
      if (!targets.length) return;
      fire('on_deploy', event.ref, event.slot, targets, deployPayload(event));
    },
    probe(event: ProbeEvent, onProbe) {
      const targets = targetsOf(onProbe?.[event.slot]);
      if (!targets.length) return;
      const payload = probePayload(event);
      if (!dedup.admit(payload.transition_id!)) {
        log.debug(`${formatRef(event.ref)} on_probe ${event.slot} for ${event.pod} (${payload.transition_id}) already sent within 60 s; dropped`);
        return;
      }
      fire('on_probe', event.ref, event.slot, targets, payload);
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    async stop() {
      stopping.abort(new Error('controller stopping'));
      await this.idle();
    },
  };
}
