/**
 * The `probes` module: liveness, readiness
 * and startup runners for deployment and statefulset replicas, in the
 * controller process.
 *
 * - A replica gets runners when it starts (Docker `start` event, role =
 *   kind) and at module start for every running replica, so a controller
 *   restart rebuilds them (the reference loses them on restart). They
 *   stop on `die` / `destroy`. The probes come from the stored manifest.
 * - Liveness unhealthy edge → stop + start of the same container.
 * - Readiness lives in memory (`GET /pods/{name}/ready`) and is persisted
 *   best-effort to `status.replica_readiness` (64 kept).
 * - on_probe webhooks (gated by webhook-gate.ts) on every phase edge,
 *   except while the container is being stopped: Docker's `kill` event
 *   marks that, and an edge waits TEARDOWN_SETTLE_MS for it to arrive.
 * - The `readiness` service is the rollout gate for workloads with a
 *   readiness or startup probe: it waits for this module's runner. The
 *   workload service keeps judging every other replica by its grace period.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import { NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type {} from '../api/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../store/contract.js';
import type {} from '../webhooks/contract.js';
import type {} from '../events/contract.js';
import type { OnProbeSpec } from '../../lib/manifest/types.js';
import type { ReadyResult } from '../workload/contract.js';
import { sample } from './check.js';
import { probeConfigs } from './config.js';
import { ProbeRunner } from './runner.js';
import { ContainerProbes } from './state.js';
import { WebhookGate } from './webhook-gate.js';

const READINESS_KEPT = 64;
const POD_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;
/** A stop's `kill` event can trail the first failed sample of a server that closes on SIGTERM. */
const TEARDOWN_SETTLE_MS = 500;

export default defineModule({
  name: 'probes',
  description: 'Liveness, readiness and startup probes; GET /pods/{name}/ready; the rollout readiness gate',
  requires: ['runtime', 'api', 'store', 'kinds', 'reconciler'],
  optional: ['webhooks', 'events', 'metrics'],
  provides: ['readiness'],
  register(ctx) {
    // Probes watch the replicas of kinds that keep them running (the registry's `longRunning` role).
    const KINDS = new Set(ctx.service('kinds').withRole('longRunning'));
    const unknown = Object.keys(ctx.options ?? {});
    if (unknown.length) throw new ValidationError(`probes.${unknown[0]}: unknown option; the probes module takes none (the grace period is workload.readinessGraceMs)`, { field: unknown[0]! });
    const runtime = ctx.service('runtime');
    const store = ctx.service('store');
    const api = ctx.service('api');
    const reconciler = ctx.service('reconciler');
    /** By container name. */
    const entries = new Map<string, ContainerProbes>();
    /** Per container name: ensure and drop run one after another, in arrival order. */
    const queues = new Map<string, Promise<unknown>>();
    let stopping = false;
    let unfollow: (() => void) | undefined;
    const gate = new WebhookGate();
    const settling = new Set<NodeJS.Timeout>();
    const probeResults = ctx.has('metrics')
      ? ctx.service('metrics').counter({ name: 'voodu_probe_results_total', help: 'Probe samples by kind, probe type (liveness, readiness, startup) and result (pass, fail)', labelNames: ['kind', 'probe', 'result'] })
      : undefined;

    function serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const prev = queues.get(name) ?? Promise.resolve();
      const next = prev.then(fn, fn);
      const tail = next.catch(() => undefined);
      queues.set(name, tail);
      void tail.then(() => {
        if (queues.get(name) === tail) queues.delete(name);
      });
      return next;
    }

    async function dropNow(name: string, id?: string): Promise<void> {
      const e = entries.get(name);
      if (!e || (id && e.id !== id && !e.id.startsWith(id))) return;
      entries.delete(name);
      await Promise.all([...e.runners.values()].map((r) => r.stop()));
    }

    /** Runners for one running replica; idempotent per container. `probes` overrides the stored manifest's. */
    function ensure(name: string, idOrName: string, probes?: unknown): Promise<ContainerProbes | undefined> {
      return serial(name, async () => {
        if (stopping) return undefined;
        const existing = entries.get(name);
        if (existing && (existing.id === idOrName || existing.id.startsWith(idOrName))) return existing;
        const d = await runtime.inspect(idOrName);
        if (!d || !d.running) return undefined;
        if (existing?.id === d.id) return existing;
        if (existing) await dropNow(name);
        const kind = d.labels['voodu.role'] ?? '';
        if (!KINDS.has(kind) || d.labels['voodu.kind'] !== kind) return undefined;
        const ref: ResourceRef = { kind, scope: d.labels['voodu.scope'] ?? '', name: d.labels['voodu.name'] ?? '' };
        if (probes === undefined) {
          const m = await store.getJSON<Manifest>(keys.desired(ref)).catch(() => undefined);
          probes = m?.spec?.['probes'];
        }
        const configs = probeConfigs(probes);
        if (!configs.length || stopping) return undefined;
        const ip = d.networks['voodu0']?.ipAddress || Object.values(d.networks).find((n) => n.ipAddress)?.ipAddress || '127.0.0.1';
        const e = new ContainerProbes(d.name, d.id, ref, d.labels['voodu.replica_id'] ?? '');
        for (const cfg of configs) {
          const take = async () => {
            const result = await sample(runtime, cfg, { ip, containerId: d.id });
            probeResults?.inc({ kind, probe: cfg.type, result: result.ok ? 'pass' : 'fail' });
            return result;
          };
          const runner = new ProbeRunner(cfg, take, (r) => onTransition(e, r), cfg.type === 'startup');
          e.runners.set(cfg.type, runner);
        }
        entries.set(d.name, e);
        for (const r of e.runners.values()) r.start();
        ctx.log.debug(`${d.name}: ${configs.map((c) => c.type).join(', ')} probe(s) started`);
        return e;
      });
    }

    function onTransition(e: ContainerProbes, r: ProbeRunner): void {
      if (entries.get(e.name) !== e || r.stopped) return;
      probeWebhook(e, r);
      const at = new Date().toISOString();
      switch (r.cfg.type) {
        case 'liveness':
          if (r.phase === 'unhealthy' && !e.restarting) {
            e.restarting = true;
            ctx.log.warn(`${e.name}: liveness probe failed ${r.cfg.failureThreshold} time(s) (${r.reason}); restarting it`);
            record(e, 'warning', 'Unhealthy', `liveness probe failed ${r.cfg.failureThreshold} time(s); restarting the container`);
            void restart(e);
          }
          return;
        case 'readiness':
          e.readinessPhase = r.phase;
          break;
        case 'startup':
          if (r.phase === 'healthy') e.startupPassed = true;
          break;
      }
      e.reason = r.reason;
      e.lastTransition = at;
      ctx.log.info(`${e.name}: ${r.cfg.type} ${r.phase} (${r.reason}); ready=${e.ready}`);
      void persist(e.ref, e.name, e.view());
      if (r.phase === 'healthy' && e.ready) record(e, 'normal', 'Ready', `${r.cfg.type} probe passed`);
      else if (r.phase === 'unhealthy') record(e, 'warning', 'Unready', `${r.cfg.type} probe failing: ${r.reason}`);
    }

    /** A transition worth an operator's eye, in the resource's event log (when the events module runs). */
    function record(e: ContainerProbes, type: 'normal' | 'warning', reason: string, message: string): void {
      if (ctx.has('events')) ctx.service('events').record(e.ref, { type, reason, message, object: e.name });
    }

    function probeWebhook(e: ContainerProbes, r: ProbeRunner): void {
      if (!ctx.has('webhooks') || (reconciler.isTearingDown(e.id) && !e.restarting)) return;
      const slot = gate.edge(e.id, r.cfg.type, r.phase);
      if (!slot) return;
      const event = { ref: e.ref, slot, pod: e.name, probe: r.cfg.type, transition: r.phase, reason: r.reason, at: Date.now() };
      const timer = setTimeout(() => {
        settling.delete(timer);
        // A liveness restart stops the container too, but that is this module's own doing, not a teardown.
        if ((reconciler.isTearingDown(e.id) && !e.restarting) || stopping) return void ctx.log.debug(`${e.name}: ${r.cfg.type} ${r.phase} during teardown; no on_probe`);
        void store
          .getJSON<Manifest>(keys.desired(e.ref))
          // Read now, not when the runner started: on_probe is outside the spec hash, so replicas outlive its changes.
          .then((m) => ctx.service('webhooks').probe(event, m?.spec?.['on_probe'] as OnProbeSpec | undefined))
          .catch((err) => ctx.log.warn(`${e.name}: on_probe ${slot} not sent: ${messageOf(err)}`));
      }, TEARDOWN_SETTLE_MS);
      timer.unref();
      settling.add(timer);
    }

    async function restart(e: ContainerProbes): Promise<void> {
      try {
        await runtime.stop(e.id); // the container's own stop_signal and stop_grace_period
        await runtime.start(e.id);
      } catch (err) {
        ctx.log.warn(`${e.name}: liveness restart failed: ${messageOf(err)}`);
      }
    }

    /** Best-effort, and only into a status blob that exists (a deleted workload gets no residue). */
    async function persist(ref: ResourceRef, name: string, view: ReturnType<ContainerProbes['view']> | undefined): Promise<void> {
      const key = keys.status(ref.kind, ref.scope, ref.name);
      try {
        for (let i = 0; i < 5; i++) {
          const kv = await store.get(key);
          if (!kv) return;
          const cur = JSON.parse(kv.value) as Record<string, unknown>;
          const map = { ...((cur['replica_readiness'] as Record<string, { last_transition?: string }> | undefined) ?? {}) };
          if (!view) {
            if (!(name in map)) return;
            delete map[name];
          } else {
            map[name] = view;
          }
          const kept = Object.entries(map)
            .sort(([, a], [, b]) => String(a?.last_transition ?? '').localeCompare(String(b?.last_transition ?? '')))
            .slice(-READINESS_KEPT);
          const res = await store.txn({
            compare: [{ key, target: 'mod', op: '==', value: kv.modRevision }],
            success: [{ op: 'put', key, value: JSON.stringify({ ...cur, replica_readiness: Object.fromEntries(kept) }) }],
          });
          if (res.succeeded) return;
        }
      } catch (err) {
        ctx.log.debug(`${name}: readiness not persisted: ${messageOf(err)}`);
      }
    }

    async function scan(): Promise<void> {
      for (const kind of KINDS) {
        const list = await runtime.list({ 'voodu.role': kind });
        await Promise.all(list.filter((c) => c.state === 'running').map((c) => ensure(c.name, c.id).catch(() => undefined)));
      }
    }

    ctx.provide('readiness', {
      async waitReady(container, opts) {
        // The workload service routes only probe-gated replicas here; without such a probe there is nothing to wait for.
        if (!probeConfigs(opts.probes).some((c) => c.type === 'readiness' || c.type === 'startup')) return { ready: true, reason: 'no readiness or startup probe' };
        const deadline = Date.now() + opts.timeoutMs;
        let e = await ensure(container.name, container.id || container.name, opts.probes);
        for (;;) {
          if (opts.signal?.aborted) return { ready: false, reason: 'cancelled' };
          const cur = entries.get(container.name);
          if (cur && cur === e && cur.ready) return { ready: true, reason: cur.reason || 'probes passed' };
          if (!cur || cur !== e) {
            const d = await runtime.inspect(container.id || container.name);
            if (!d) return { ready: false, reason: `${container.name} was removed` };
            if (!d.running) return { ready: false, reason: `${container.name} exited with code ${d.exitCode}` };
            e = await ensure(container.name, d.id, opts.probes);
          }
          if (Date.now() >= deadline) {
            const why = e ? `${e.startupPassed || !e.runners.has('startup') ? 'readiness' : 'startup'} probe: ${e.reason || 'no result yet'}` : 'no probe runner';
            return { ready: false, reason: `not ready after ${opts.timeoutMs / 1000} s (${why})` };
          }
          await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
        }
      },
    });

    // From memory only: no etcd, no Docker on this path.
    api.route('GET', '/pods/:name/ready', (req) => {
      const name = req.params.name;
      if (name === undefined || !POD_NAME.test(name)) {
        throw new ValidationError(`pod name ${JSON.stringify(name ?? '')}: use a container name such as prod-api.a1b2 (letters, digits, '_', '.', '-')`, { field: 'name' });
      }
      const e = entries.get(name);
      if (!e) throw new NotFoundError(`pod ${name} has no probe runner (not running, or its workload declares no probes)`);
      const readiness = e.view();
      return readiness.ready ? { readiness } : api.reply(503, { readiness });
    }, { public: true });

    return {
      async start() {
        follow();
        // Decision 2: replicas that were already running get their runners again.
        void scan().catch((err) => ctx.log.warn(`probe scan of running replicas failed: ${messageOf(err)}`));
      },
      async stop() {
        stopping = true;
        unfollow?.();
        for (const t of settling) clearTimeout(t);
        await Promise.all([...entries.keys()].map((name) => dropNow(name)));
      },
    };

    function follow(): void {
      unfollow = reconciler.onRuntimeEvent(
        { roles: [...KINDS], actions: ['start', 'die', 'destroy'] },
        (ev) => {
          if (!ev.name) return;
          if (ev.action === 'start') void ensure(ev.name, ev.containerId).catch((err) => ctx.log.warn(`${ev.name}: probes not started: ${messageOf(err)}`));
          else if (ev.action === 'die') void serial(ev.name, () => dropNow(ev.name, ev.containerId));
          else {
            const ref = { kind: ev.labels['voodu.role'] ?? '', scope: ev.labels['voodu.scope'] ?? '', name: ev.labels['voodu.name'] ?? '' };
            gate.forget(ev.containerId);
            void serial(ev.name, () => dropNow(ev.name, ev.containerId)).then(() => persist(ref, ev.name, undefined));
          }
        },
        // Starts and stops while the stream was down were missed: find the running replicas again.
        () => void scan().catch((err) => ctx.log.warn(`probe rescan after the docker event stream came back failed: ${messageOf(err)}`)),
      );
    }
  },
});
