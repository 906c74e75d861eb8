/**
 * One evaluation round: every autoscaled deployment sampled, judged and, on
 * a step, re-put with its new count. The deployment module's reconcile,
 * driven by the watch, does the scaling (replicas are not in the spec hash,
 * so no rolling restart). The cooldowns' step times are stored in
 * `status.autoscale` (`last_up_at`, `last_down_at`); the memory here is their
 * cache, seeded from the status the first time a deployment is judged, so a
 * restarted controller keeps the cooldowns the last one started.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { formatRef, keys } from '../../lib/identity.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { WorkloadService, WorkloadStatus } from '../workload/contract.js';
import { decide, type Decision, type Memory } from './decide.js';
import { autoscaledTargets, setReplicas, type Target } from './manifest.js';
import { seedMemory } from './memory.js';
import { sampleReplicas } from './sample.js';

export interface EvaluatorDeps {
  store: Store;
  workload: WorkloadService;
  runtime: Runtime;
  log: Logger;
  /** Deployments sampled at once; each one's replicas are read concurrently too. */
  concurrency?: number;
}

/** What `status.autoscale` holds: the last decision, with the numbers that drove it. */
export interface AutoscaleStatus {
  action: Decision['action'];
  /** The count the deployment is asked to run after this decision. */
  replicas: number;
  current: number;
  mean_cpu: number;
  target: number;
  scale_up_above: number;
  scale_down_below: number;
  pods_sampled: string[];
  reason: string;
  decided_at: string;
  /** The last step taken (kept across holds). */
  last_scale?: { from: number; to: number; at: string };
  /** When each direction last stepped (kept across holds): what the cooldowns count from, after a restart too. */
  last_up_at?: string;
  last_down_at?: string;
}

const round = (n: number) => Math.round(n * 10) / 10;

export class Evaluator {
  readonly #deps: EvaluatorDeps;
  readonly #memory = new Map<string, Memory>();

  constructor(deps: EvaluatorDeps) {
    this.#deps = deps;
  }

  async evaluate(now: number): Promise<void> {
    const { items } = await this.#deps.store.list(keys.desiredKind('deployment'));
    const targets = autoscaledTargets(items);
    const live = new Set(targets.map((t) => formatRef(t.ref)));
    for (const id of this.#memory.keys()) if (!live.has(id)) this.#memory.delete(id);

    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const target = targets[next++]!;
        try {
          await this.#one(target, now);
        } catch (err) {
          this.#deps.log.warn(`${formatRef(target.ref)}: autoscale evaluation failed: ${messageOf(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#deps.concurrency ?? 4, targets.length) }, worker));
  }

  async #one(t: Target, now: number): Promise<void> {
    const { log, store, workload } = this.#deps;
    const id = formatRef(t.ref);
    let memory = this.#memory.get(id);
    if (!memory) {
      // From the store, not workload.status.read, which answers {} when etcd fails: a failed read must
      // fail this round (and be tried again next one), not cache a memory with no cooldown in it.
      const stored = await store.getJSON<WorkloadStatus>(keys.status(t.ref.kind, t.ref.scope, t.ref.name));
      memory = seedMemory(stored?.['autoscale'], now);
      this.#memory.set(id, memory);
    }

    const samples = await sampleReplicas(this.#deps, t.ref);
    let d = decide(t.bounds, samples.map((s) => s.cpuPercent), now, memory);
    const numbers = {
      mean_cpu: round(d.mean),
      target: d.target,
      up_above: round(d.upAbove),
      down_below: round(d.downBelow),
      current: d.current,
      replicas: d.replicas,
      pods: samples.map((s) => `${s.name}=${round(s.cpuPercent)}%`).join(','),
    };

    let step: AutoscaleStatus['last_scale'];
    if (d.action === 'up' || d.action === 'down') {
      if (t.replicas === d.replicas) {
        // Already asked for (replicas still starting or stopping): nothing to write, no cooldown spent.
        d = { ...d, action: 'hold', reason: `${d.reason}, but ${d.replicas} replica(s) are already desired` };
      } else {
        const outcome = await setReplicas(store, t.kv, d.replicas);
        if (outcome === 'missing') return; // deleted meanwhile: nothing to scale, nothing to record
        if (outcome === 'conflict') {
          log.info(`${id}: manifest changed during the evaluation; judging the new one next round`, numbers);
          return;
        }
        if (d.action === 'up') memory.lastUp = now;
        else memory.lastDown = now;
        step = { from: t.replicas ?? d.current, to: d.replicas, at: new Date(now).toISOString() };
        log.info(`${id}: scaled ${d.action} ${step.from} → ${d.replicas}: ${d.reason}`, numbers);
      }
    }
    if (d.action === 'hold' || d.action === 'skip') log.debug(`${id}: ${d.action}: ${d.reason}`, numbers);

    const record: AutoscaleStatus = {
      action: d.action,
      replicas: step ? step.to : (t.replicas ?? d.current),
      current: d.current,
      mean_cpu: numbers.mean_cpu,
      target: d.target,
      scale_up_above: numbers.up_above,
      scale_down_below: numbers.down_below,
      pods_sampled: samples.map((s) => s.name),
      reason: d.reason,
      decided_at: new Date(now).toISOString(),
    };
    await workload.status.patch(t.ref, (cur) => {
      const prev = cur['autoscale'] as AutoscaleStatus | undefined;
      const last = step ?? prev?.last_scale;
      const upAt = step && d.action === 'up' ? step.at : prev?.last_up_at;
      const downAt = step && d.action === 'down' ? step.at : prev?.last_down_at;
      return {
        autoscale: { ...record, ...(last ? { last_scale: last } : {}), ...(upAt ? { last_up_at: upAt } : {}), ...(downAt ? { last_down_at: downAt } : {}) },
      };
    });
  }
}
