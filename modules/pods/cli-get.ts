/**
 * `get pods` / `get pod|pd [ref]`: the pod listing grouped by role, or one
 * pod in detail. It rides on the apply module's `get` verb: `extendGet`
 * wraps it so every other kind keeps listing manifests.
 */
import { CliError } from '../../cli/client.js';
import { table } from '../../cli/output.js';
import type { Verb, VerbContext } from '../../cli/verb.js';
import { emit, formatOf } from './cli-format.js';
import { describeRef, listPods, parsePodRef, type WirePod } from './cli-refs.js';

const POD_KINDS = new Set(['pods', 'pod', 'pd', 'po']);
const ROLE_ORDER = ['deployment', 'statefulset', 'cronjob', 'job', 'release', 'backup'];

export function extendGet(base: Verb): Verb {
  return {
    ...base,
    args: '[kind] [ref]',
    description: `${base.description}; \`get pods\` lists containers (pods) grouped by role, \`get pod <ref>\` shows one`,
    options: [
      ...(base.options ?? []),
      { flags: '-k, --kind', description: 'pods: only this kind (deployment, statefulset, job, cronjob)' },
      { flags: '-s, --scope', description: 'pods: only this scope' },
      { flags: '-n, --name', description: 'pods: only this resource name' },
      { flags: '--show-env', description: 'get pod <pod>: include env values (they may be secrets)' },
    ],
    examples: [...(base.examples ?? []), 'get pods', 'get pods -s prod -o json', 'get pod prod/api', 'get pod prod-api.a1b2 --show-env'],
    async run(ctx, args, opts) {
      const [kind, ref] = args;
      if (!kind || !POD_KINDS.has(kind.toLowerCase())) {
        if (ref) throw new CliError(`get ${kind ?? ''} lists every resource of the kind; to see one, run \`voodu describe ${kind ?? '<kind>'} ${ref}\``);
        return base.run(ctx, kind === undefined ? [] : [kind], opts);
      }
      return getPods(ctx, ref, opts);
    },
  };
}

async function getPods(ctx: VerbContext, ref: string | undefined, opts: Record<string, unknown>): Promise<number> {
  const fmt = formatOf(ctx, opts);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const filter = { kind: str(opts.kind), scope: str(opts.scope), name: str(opts.name) };
  if (ref) {
    const r = parsePodRef(ref);
    if ('pod' in r) {
      const detail = await ctx.client.data<PodDetail>('GET', `/pods/${encodeURIComponent(r.pod)}`, {
        query: { show_env: opts['show-env'] === true || undefined },
      });
      if (!emit(ctx, fmt, detail)) ctx.stdout.write(renderDetail(detail));
      return 0;
    }
    Object.assign(filter, { scope: r.scope, name: r.name });
  }
  const pods = await listPods(ctx.client, filter);
  if (emit(ctx, fmt, pods)) return 0;
  if (pods.length === 0) {
    ctx.stdout.write(ref ? `No pods for "${describeRef(parsePodRef(ref))}".\n` : 'No pods.\n');
    return 0;
  }
  ctx.stdout.write(renderPods(pods));
  return 0;
}

const HEADER = ['NAME', 'KIND', 'SCOPE', 'RESOURCE', 'IMAGE', 'STATUS'];

function row(p: WirePod): string[] {
  return [p.name, p.kind || '(legacy)', p.scope || '-', p.resource || '-', p.image, `${p.status || p.state}${p.frozen ? ' (frozen)' : ''}`];
}

/** A long-running replica that is not up, and not stopped on purpose. */
function degraded(p: WirePod): boolean {
  return (p.role === 'deployment' || p.role === 'statefulset') && p.state !== 'running' && !p.frozen && !p.orphan;
}

export function renderPods(pods: WirePod[]): string {
  const groups = new Map<string, WirePod[]>();
  for (const p of pods) {
    const group = p.orphan ? 'orphans' : p.role || 'legacy';
    groups.set(group, [...(groups.get(group) ?? []), p]);
  }
  const rank = (g: string) => (g === 'orphans' ? 1000 : ROLE_ORDER.includes(g) ? ROLE_ORDER.indexOf(g) : ROLE_ORDER.length);
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const sections = order.map((g) => `=== ${g} (${groups.get(g)!.length}) ===\n${table([HEADER, ...groups.get(g)!.map(row)])}`);
  const bad = pods.filter(degraded);
  if (bad.length) sections.push(`=== DEGRADED (${bad.length}) ===\n${table([HEADER, ...bad.map(row)])}`);
  return sections.join('\n');
}

interface PodDetail extends WirePod {
  restart_count: number;
  exit_code: number;
  finished_at?: string;
  networks: Record<string, { aliases: string[]; ipAddress: string }>;
  mounts: { type: string; source: string; destination: string; name?: string }[];
  ports: Record<string, { hostIp: string; hostPort: string }[]>;
  env_keys: string[];
  env?: string[];
}

function renderDetail(d: PodDetail): string {
  const lines = [
    `pod/${d.name}`,
    `  resource:  ${d.kind ? `${d.kind}/${d.scope ? `${d.scope}/` : ''}${d.resource}` : '(legacy: no voodu identity)'}`,
    `  replica:   ${d.replica_id || '-'}${d.ordinal !== undefined ? ` (ordinal ${d.ordinal})` : ''}  role: ${d.role || '-'}${d.release_id ? `  release: ${d.release_id}` : ''}`,
    `  image:     ${d.image}`,
    `  state:     ${d.state} (${d.status})${d.frozen ? ' frozen' : ''}${d.orphan ? ' orphan' : ''}`,
    `  created:   ${d.created_at}${d.started_at ? `  started: ${d.started_at}` : ''}${d.finished_at ? `  finished: ${d.finished_at} (exit ${d.exit_code})` : ''}`,
    `  restarts:  ${d.restart_count}`,
  ];
  for (const [net, n] of Object.entries(d.networks)) lines.push(`  network:   ${net} ${n.ipAddress || '-'}${n.aliases.length ? ` aliases ${n.aliases.join(', ')}` : ''}`);
  for (const [port, bindings] of Object.entries(d.ports)) {
    lines.push(`  port:      ${port} → ${bindings.map((b) => `${b.hostIp || '0.0.0.0'}:${b.hostPort}`).join(', ') || '(not published)'}`);
  }
  for (const m of d.mounts) lines.push(`  mount:     ${m.name ?? m.source} → ${m.destination} (${m.type})`);
  if (d.env) lines.push('  env:', ...d.env.map((e) => `    ${e}`));
  else if (d.env_keys.length) lines.push(`  env keys:  ${d.env_keys.join(', ')} (values with --show-env)`);
  return lines.join('\n') + '\n';
}
