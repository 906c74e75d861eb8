/**
 * The reconciler: brings every resource in `/desired/` to life through
 * `onReconcile.for(kind)`. Level-triggered: it works on keys,
 * re-reading the desired state each time, so a retry, a coalesced burst or
 * a periodic resync all see the latest manifest. Replays at start, then
 * watches from the replay's revision so nothing in between is missed; a
 * broken watch re-lists and watches again.
 */
import { defineModule, type ReconcileEvent } from '../../kernel/index.js';
import { isTransient, messageOf } from '../../lib/errors.js';
import { appId, formatRef, keys, parseDesiredKey, type ResourceRef } from '../../lib/identity.js';
import { EventReason } from '../events/contract.js';
import '../kinds/contract.js';
import type { RuntimeEvent } from '../runtime/contract.js';
import { SLOW_BUCKETS, type Metrics } from '../metrics/contract.js';
import type { Store, Watch } from '../store/contract.js';
import type { Reconciler } from './contract.js';
import { RequeueResults } from './requeue-results.js';
import { RuntimeEvents } from './runtime-events.js';
import { Backoff } from './backoff.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcilerOptions {
  /** Resources reconciled in parallel; one resource is always serial. Default 4. */
  concurrency?: number;
  /**
   * Deleted resources torn down in parallel, apart from `concurrency`: a
   * teardown mostly waits out its containers' stop grace period. Default 32
   * (scripts/bench-converge.ts measures the choice).
   */
  teardownConcurrency?: number;
  /** Full re-list and reconcile of everything, catching drift nobody announced. Default 60 s. */
  resyncMs?: number;
  /** Sleeps before retries 2..N of a transient failure (ms). Default 2, 4, 8, 16, 30 s. */
  retryDelaysMs?: number[];
  /** First wait before following docker events again after the stream broke; doubles up to 30 s. Default 1 s. */
  eventsRetryBaseMs?: number;
}

type Cause = ReconcileEvent['cause'];

/**
 * A container event never replaces the cause a key is already queued with.
 * `runtime` is the one cause whose run does nothing when the manifest is
 * gone (only the store may say a resource is gone), so a delete from the
 * watch, coalesced with the create and start events of the replica a
 * reconcile was making meanwhile, would otherwise never tear that replica
 * down: it was left behind, stopped, for good.
 */
const keepStrongerCause = (queued: Cause, next: Cause): Cause => (next === 'runtime' ? queued : next);

/**
 * The reconciler's families: every attempt by kind and result (success; retry — failed, will be
 * retried; error — failed for good), how long attempts take, and the work queue's depth at scrape.
 */
function reconcileMetrics(metrics: Metrics, depth: () => WorkQueue<Cause>['depth']) {
  const total = metrics.counter({ name: 'voodu_reconciles_total', help: 'Reconcile attempts by kind and result (success, retry, error)', labelNames: ['kind', 'result'] });
  const duration = metrics.histogram({ name: 'voodu_reconcile_duration_seconds', help: 'How long one reconcile attempt takes, by kind', labelNames: ['kind'], buckets: SLOW_BUCKETS });
  metrics.gauge({
    name: 'voodu_workqueue_depth',
    help: 'Resources in the reconcile queue by state: queued (waiting for a worker), running, retrying (waiting out a retry delay), requeued (held for a later look)',
    labelNames: ['state'],
    collect() {
      for (const [state, n] of Object.entries(depth())) this.set({ state }, n);
    },
  });
  return (kind: string, seconds: number, result: 'success' | 'retry' | 'error') => {
    total.inc({ kind, result });
    duration.observe({ kind }, seconds);
  };
}

const RUNTIME_SETTLE_MS = 1000;

/** The resource a container belongs to, from its labels; only a workload's own replicas count. */
export function ownerOf(e: Pick<RuntimeEvent, 'labels'>): ResourceRef | undefined {
  const { 'voodu.kind': kind, 'voodu.scope': scope, 'voodu.name': name, 'voodu.role': role } = e.labels;
  if (!kind || !name || (role && role !== kind)) return undefined; // init, release and backup containers come and go by design
  return { kind, scope: scope ?? '', name };
}

export default defineModule<ReconcilerOptions>({
  name: 'reconciler',
  description: 'Watches /desired/ and dispatches onReconcile per kind',
  requires: ['store'],
  optional: ['runtime', 'events', 'kinds', 'metrics'],
  provides: ['reconciler'],
  register(ctx) {
    const store: Store = ctx.service('store');
    const retryDelays = ctx.options.retryDelaysMs ?? [2000, 4000, 8000, 16000, 30000];
    const attempts = new Map<string, number>();
    const manualWaiters = new Map<string, { resolve: () => void; reject: (err: unknown) => void }[]>();
    let watch: Watch | undefined;
    let stopping = false;

    // A job's container ending is its purpose; only a replica meant to run is said to have died.
    const isLongRunning = (kind: string) => !ctx.has('kinds') || ctx.service('kinds').is(kind, 'longRunning');
    /** Keys whose last watch event was a delete: their reconcile is a teardown, in its own lane. */
    const deleted = new Set<string>();
    const queue = new WorkQueue<Cause>(reconcileKey, ctx.options.concurrency ?? 4, {
      of: (key) => deleted.has(key),
      concurrency: ctx.options.teardownConcurrency ?? 32,
    }, keepStrongerCause);
    const results = new RequeueResults();
    const runtimeEvents = new RuntimeEvents((onEvent, onError) => ctx.service('runtime').events(onEvent, onError), ctx.log, {
      backoff: new Backoff(ctx.options.eventsRetryBaseMs ?? 1000),
    });
    const measure = ctx.has('metrics') ? reconcileMetrics(ctx.service('metrics'), () => queue.depth) : undefined;

    async function reconcileKey(key: string, cause: Cause): Promise<void> {
      const ref = parseDesiredKey(key);
      if (!ref) return;
      const hook = ctx.hooks.onReconcile.get(ref.kind);
      const attempt = (attempts.get(key) ?? 0) + 1;
      // Waiters that asked before this attempt started get its outcome; later ones wait for the next.
      const waiters = manualWaiters.get(key) ?? [];
      manualWaiters.delete(key);
      let error: unknown;
      let event: ReconcileEvent | undefined;
      if (hook) results.read(hook);
      const started = performance.now();
      try {
        const kv = await store.get(key);
        if (!kv) queue.forget(key); // a requeue asked for a resource now gone has nothing left to look at
        // A container event names a resource; only the store may say it is gone. (Another controller
        // sharing this engine, or a container whose manifest was just deleted, is not ours to remove.)
        if (!kv && cause === 'runtime') return;
        event = kv
          ? { type: 'put', ref, manifest: JSON.parse(kv.value), revision: kv.modRevision, version: kv.version, cause, attempt }
          : { type: 'delete', ref, revision: await store.revision(), cause, attempt };
        if (hook) await hook.promise(event);
      } catch (err) {
        error = err;
      }
      const retry = error !== undefined && isTransient(error) && attempt <= retryDelays.length && !stopping;
      if (hook) measure?.(ref.kind, (performance.now() - started) / 1000, error === undefined ? 'success' : retry ? 'retry' : 'error');
      if (retry) {
        attempts.set(key, attempt);
        const delay = retryDelays[attempt - 1]!;
        ctx.log.warn(`${formatRef(ref)}: ${messageOf(error)} (attempt ${attempt}, retrying in ${delay / 1000}s)`);
        queue.addAfter(key, cause, delay);
        if (hook && event?.type === 'put') await recordOutcome(ref, { error, attempt, revision: event.revision, retryAt: Date.now() + delay });
      } else {
        attempts.delete(key);
        // A teardown done (or given up): the key leaves the lane, so the set holds only deletions in flight.
        if (event?.type === 'delete') deleted.delete(key);
        if (error) ctx.log.error(`${formatRef(ref)}: reconcile failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${messageOf(error)}`);
        else if (hook) ctx.log.debug(`${formatRef(ref)}: reconciled (${event?.type}, ${cause})`);
        if (hook && event?.type === 'put') await recordOutcome(ref, { error, attempt, revision: event.revision });
      }
      const requeueAfter = event && results.take(event);
      if (requeueAfter !== undefined && !stopping) queue.addLater(key, 'requeue', requeueAfter);
      // Last, so whoever waits on this attempt also sees its recorded outcome.
      for (const w of waiters) (error ? w.reject(error) : w.resolve());
    }

    /**
     * Every attempt leaves its time, error and the manifest revision it worked on in the resource's
     * status blob (what `voodu apply` waits on and `describe` shows); a failed one is an event too.
     */
    async function recordOutcome(ref: ResourceRef, outcome: { error: unknown; attempt: number; revision: number; retryAt?: number }): Promise<void> {
      const { error } = outcome;
      if (error && ctx.has('events')) {
        ctx.service('events').record(ref, { type: 'warning', reason: EventReason.ReconcileFailed, message: messageOf(error) });
      }
      const statusKey = keys.status(ref.kind, ref.scope, ref.name);
      try {
        for (let i = 0; i < 5; i++) {
          const kv = await store.get(statusKey);
          let status: Record<string, unknown> = {};
          try {
            const parsed = kv ? JSON.parse(kv.value) : {};
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) status = parsed;
          } catch {
            // a status that is not JSON is replaced
          }
          status.last_reconcile_at = new Date().toISOString();
          status.last_reconcile_error = error ? messageOf(error) : '';
          status.observed_revision = outcome.revision;
          status.reconcile_attempt = outcome.attempt;
          if (outcome.retryAt) status.retrying_at = new Date(outcome.retryAt).toISOString();
          else delete status.retrying_at;
          const res = await store.txn({
            compare: [kv ? { key: statusKey, target: 'mod', op: '==', value: kv.modRevision } : { key: statusKey, target: 'create', op: '==', value: 0 }],
            success: [{ op: 'put', key: statusKey, value: JSON.stringify(status) }],
          });
          if (res.succeeded) return;
        }
      } catch (err) {
        ctx.log.warn(`${formatRef(ref)}: could not record the reconcile outcome for ${appId(ref.scope, ref.name)}: ${messageOf(err)}`);
      }
    }

    /** List everything, queue every key, then watch from just after the list. */
    async function replayAndWatch(cause: Cause): Promise<void> {
      const listed = await store.list(keys.desiredRoot);
      for (const kv of listed.items) queue.add(kv.key, cause);
      watch = await store.watch(keys.desiredRoot, {
        fromRevision: listed.revision + 1,
        onEvent: (e) => {
          attempts.delete(e.key); // a new desired state deserves a fresh set of retries
          if (e.type === 'delete') deleted.add(e.key);
          else deleted.delete(e.key);
          queue.add(e.key, 'watch');
        },
        onError: (err) => {
          if (stopping) return;
          ctx.log.warn(`watch on /desired/ ended (${err.message}); re-listing`);
          void restartWatch();
        },
      });
      ctx.log.info(`replayed ${listed.items.length} resources at revision ${listed.revision}; watching /desired/`);
    }

    async function restartWatch(): Promise<void> {
      for (let delay = 250; !stopping; delay = Math.min(delay * 2, 5000)) {
        try {
          await watch?.close().catch(() => undefined);
          await replayAndWatch('resync');
          return;
        } catch (err) {
          ctx.log.warn(`re-list failed: ${messageOf(err)}; retrying in ${delay} ms`);
          await new Promise((r) => setTimeout(r, delay).unref());
        }
      }
    }

    const service: Reconciler = {
      enqueue: (ref, cause) => queue.add(keys.desired(ref), cause),
      enqueueAfter: (ref, ms, cause) => queue.addLater(keys.desired(ref), cause, ms),
      reconcileNow: (ref) =>
        new Promise<void>((resolve, reject) => {
          const key = keys.desired(ref);
          const list = manualWaiters.get(key) ?? [];
          list.push({ resolve, reject });
          manualWaiters.set(key, list);
          queue.add(key, 'manual');
        }),
      async idle(revision) {
        // Wait until the watch has delivered `revision`, so "apply, then idle" cannot resolve before
        // the apply's own event arrived; bounded, in case nothing under /desired/ carries it.
        const deadline = Date.now() + 10_000;
        while (revision !== undefined && (watch?.lastRevision ?? 0) < revision && Date.now() < deadline && !stopping) {
          await new Promise((r) => setTimeout(r, 10));
        }
        await queue.idle();
      },
      onRuntimeEvent: (filter, handler, onResume) => runtimeEvents.on(filter, handler, onResume),
      isTearingDown: (containerId) => runtimeEvents.isTearingDown(containerId),
    };
    ctx.provide('reconciler', service);

    const resyncAll = async () => {
      const { items } = await store.list(keys.desiredRoot);
      for (const kv of items) queue.add(kv.key, 'resync');
    };
    ctx.every(ctx.options.resyncMs ?? 60_000, async (tick) => {
      if (tick.seq <= 1 || stopping) return; // the boot replay just did this
      await resyncAll();
    });

    // A replica that dies or is removed behind our back is repaired now, not at the next resync.
    runtimeEvents.on({ actions: ['die', 'destroy'] }, (e) => {
      const ref = ownerOf(e);
      if (!ref) return;
      if (e.action === 'die' && ctx.has('events') && !runtimeEvents.isTearingDown(e.containerId) && isLongRunning(ref.kind)) {
        ctx.service('events').record(ref, { type: 'warning', reason: EventReason.Died, message: `exited with code ${e.exitCode ?? '?'}`, object: e.name });
      }
      const key = keys.desired(ref);
      queue.add(key, 'runtime');
      // The engine reports `die` before the container reads as exited: look again once it settled.
      queue.addAfter(key, 'runtime', RUNTIME_SETTLE_MS);
    }, () => {
      // The stream was down: a replica that died or was removed meanwhile sent nothing we heard.
      if (stopping) return;
      resyncAll().catch((err) => ctx.log.warn(`resync after the docker events came back failed: ${messageOf(err)}; the periodic resync will repair`));
    });

    return {
      async start() {
        await replayAndWatch('replay');
        if (ctx.has('runtime')) await runtimeEvents.start();
      },
      async stop() {
        stopping = true;
        runtimeEvents.stop();
        await watch?.close();
        await queue.stop();
      },
    };
  },
});
