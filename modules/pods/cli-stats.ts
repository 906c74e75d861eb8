/**
 * `voodu stats [ref]`: CPU and memory of running pods against their
 * manifest limits. REF: one segment is a kind or a scope, two are
 * scope/name, three kind/scope/name; or the -k/-s/-n flags instead.
 */
import { CliError } from '../../cli/client.js';
import { table } from '../../cli/output.js';
import type { Verb } from '../../cli/verb.js';
import { bytes, emit, formatOf, outputOption } from './cli-format.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { coreKindRegistry } from '../core.js';

interface WireStats {
  identity: { kind: string; scope: string; name: string; replica_id: string };
  container_name: string;
  usage: { cpu_percent: number; memory_usage_bytes: number; memory_limit_bytes: number; memory_percent: number; pids?: number };
  limits: { cpu?: string; memory?: string; memory_bytes?: number };
  orphan: boolean;
}

type Filter = { kind?: string; scope?: string; name?: string };

/** `kinds`: the kind registry (the CLI's core one), which reads singular and plural kind names. */
export function statsFilter(kinds: KindRegistry, ref: string | undefined, opts: Record<string, unknown>): Filter {
  const parseKind = (s: string) => kinds.parse(s);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const flags: Filter = { kind: str(opts.kind), scope: str(opts.scope), name: str(opts.name) };
  if (!ref) return flags;
  if (flags.kind || flags.scope || flags.name) throw new CliError('give either a ref or -k/-s/-n, not both');
  const parts = ref.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw new CliError(`"${ref}" is not a stats ref; use <kind>, <scope>, <scope>/<name> or <kind>/<scope>/<name>`);
  if (parts.length === 3) {
    const kind = parseKind(parts[0]!);
    if (!kind) throw new CliError(`"${parts[0]}" is not a kind; use ${kinds.withRole('workload').join(', ')}`);
    return { kind, scope: parts[1], name: parts[2] };
  }
  if (parts.length === 2) return { scope: parts[0], name: parts[1] };
  const kind = parseKind(parts[0]!);
  return kind ? { kind } : { scope: parts[0] };
}

export const stats: Verb = {
  name: 'stats',
  args: '[ref]',
  description: 'CPU, memory and process count of running pods, with their manifest limits. REF: <kind>, <scope>, <scope>/<name> or <kind>/<scope>/<name>',
  options: [
    { flags: '-k, --kind', description: 'only this kind' },
    { flags: '-s, --scope', description: 'only this scope' },
    { flags: '-n, --name', description: 'only this resource name' },
    { flags: '--orphans', description: 'also pods whose manifest is gone', default: false },
    outputOption,
  ],
  output: true,
  examples: ['stats', 'stats prod', 'stats prod/api -o json', 'stats deployment', 'stats --orphans'],
  async run(ctx, args, opts) {
    const fmt = formatOf(ctx, opts);
    const filter = statsFilter(await coreKindRegistry(), args[0], opts);
    const data = await ctx.client.data<{ pods: WireStats[]; errors?: { container_name: string; error: string }[] }>('GET', '/stats', {
      query: { ...filter, orphans: opts.orphans === true || undefined },
    });
    for (const e of data.errors ?? []) ctx.stderr.write(`voodu: stats of ${e.container_name}: ${e.error}\n`);
    if (emit(ctx, fmt, data.pods)) return 0;
    if (data.pods.length === 0) {
      ctx.stdout.write('No running pods.\n');
      return 0;
    }
    const rows = [['KIND', 'NAME', 'CPU', 'MEMORY', 'PIDS']];
    for (const p of data.pods) {
      const cpu = `${p.usage.cpu_percent.toFixed(2)}%${p.limits.cpu ? ` (limit ${p.limits.cpu} cpu)` : ''}`;
      const memLimit = p.limits.memory_bytes ?? p.usage.memory_limit_bytes;
      const memory = `${bytes(p.usage.memory_usage_bytes)} / ${bytes(memLimit)} (${p.usage.memory_percent.toFixed(2)}%)`;
      rows.push([`${p.identity.kind || '(legacy)'}${p.orphan ? ' (orphan)' : ''}`, p.container_name, cpu, memory, String(p.usage.pids ?? '-')]);
    }
    ctx.stdout.write(table(rows));
    return 0;
  },
};
