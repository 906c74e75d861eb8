/**
 * The `overview` module: `GET /overview`, what `voodu status` shows —
 * the controller, whether etcd and Docker answer (and how fast), and per
 * scope every stored resource with its replicas and its last error. A
 * dependency that is down is reported, never the reason the answer fails.
 * With metrics on, the same replica counts are the `voodu_replicas` gauge.
 */
import { defineModule } from '../../kernel/index.js';
import { versionString } from '../../lib/build-info.js';
import { messageOf } from '../../lib/errors.js';
import { keys, parseDesiredKey, type Manifest } from '../../lib/identity.js';
import { countReplicas } from '../../lib/replica-counts.js';
import '../api/contract.js';
import '../metrics/contract.js';
import '../kinds/contract.js';
import '../pods/contract.js';
import '../runtime/contract.js';
import '../store/contract.js';
import '../workload/contract.js';
import { OVERVIEW_PATH, type Dependency, type Overview, type ResourceLine } from './contract.js';

async function check(fn: () => Promise<number | void>): Promise<Dependency> {
  const started = performance.now();
  try {
    const revision = await fn();
    return { ok: true, latency_ms: Math.round((performance.now() - started) * 10) / 10, ...(typeof revision === 'number' ? { revision } : {}) };
  } catch (err) {
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: messageOf(err) };
  }
}

export default defineModule({
  name: 'overview',
  description: 'One screen of the host: controller, etcd, Docker and every resource, at /overview',
  requires: ['store', 'api', 'kinds'],
  optional: ['runtime', 'pods', 'workload', 'metrics'],
  register(ctx) {
    const store = ctx.service('store');
    const kinds = ctx.service('kinds');
    const bootedAt = Date.now();
    async function overviewNow(): Promise<Overview> {
      const etcd = await check(() => store.revision());
      const docker = ctx.has('runtime') ? await check(() => ctx.service('runtime').ping()) : undefined;
      const overview: Overview = {
        controller: { version: versionString(), pid: process.pid, uptime_s: Math.round((Date.now() - bootedAt) / 1000) },
        etcd,
        ...(docker ? { docker } : {}),
        scopes: [],
      };
      if (!etcd.ok) return overview;
      const [desired, statuses, pods] = await Promise.all([
        store.list(keys.desiredRoot),
        store.list('/status/'),
        docker?.ok && ctx.has('pods') ? ctx.service('pods').list().catch(() => []) : Promise.resolve([]),
      ]);
      const statusOf = new Map(statuses.items.map((kv) => [kv.key, kv.value]));
      const graceMs = ctx.has('workload') ? ctx.service('workload').graceMs : 3000;
      const byScope = new Map<string, ResourceLine[]>();
      for (const kv of desired.items) {
        const ref = parseDesiredKey(kv.key);
        if (!ref) continue;
        let manifest: Manifest;
        let status: Record<string, unknown> | undefined;
        try {
          manifest = JSON.parse(kv.value) as Manifest;
          const raw = statusOf.get(keys.status(ref.kind, ref.scope, ref.name));
          status = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
        } catch {
          continue; // not ours to parse: describe says more
        }
        const error = String(status?.last_reconcile_error || status?.last_rollout_error || '');
        const line: ResourceLine = { kind: ref.kind, name: ref.name, error };
        if (kinds.is(ref.kind, 'longRunning')) {
          const own = pods.filter((p) => p.kind === ref.kind && p.scope === ref.scope && p.resource === ref.name);
          const c = countReplicas(ref.kind, (manifest.spec ?? {}) as Record<string, unknown>, status, own, Date.now(), graceMs);
          Object.assign(line, { desired: c.desired, running: c.running.length, ready: c.ready.length });
        }
        const scope = ref.scope || '-';
        byScope.set(scope, [...(byScope.get(scope) ?? []), line]);
      }
      overview.scopes = [...byScope.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scope, resources]) => ({ scope, resources }));
      return overview;
    }
    ctx.service('api').route('GET', OVERVIEW_PATH, overviewNow);

    if (ctx.has('metrics')) {
      // Computed at scrape from the same lines `voodu status` shows; a resource deleted since the last scrape leaves the family.
      ctx.service('metrics').gauge({
        name: 'voodu_replicas',
        help: 'Replicas of each long-running resource: desired, running and ready (scope "-" is none)',
        labelNames: ['kind', 'scope', 'name', 'state'],
        async collect() {
          // A failed look keeps the last numbers: one bad scrape must not fail the whole /metrics answer.
          const scopes = await overviewNow().then((o) => o.scopes, (err: unknown) => (ctx.log.warn(`voodu_replicas: ${messageOf(err)}`), undefined));
          if (!scopes) return;
          this.reset();
          for (const { scope, resources } of scopes) {
            for (const r of resources) {
              if (r.desired === undefined) continue;
              this.set({ kind: r.kind, scope, name: r.name, state: 'desired' }, r.desired);
              this.set({ kind: r.kind, scope, name: r.name, state: 'running' }, r.running ?? 0);
              this.set({ kind: r.kind, scope, name: r.name, state: 'ready' }, r.ready ?? 0);
            }
          }
        },
      });
    }
  },
});
