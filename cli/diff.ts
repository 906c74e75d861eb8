/**
 * Renders a dry-run answer as a plan (spec plugins-and-cli §3.7): per
 * resource `+` new, `~` changed (with field-level lines), `=` unchanged,
 * then what would be pruned and a one-line summary. Asset contents are
 * summarised, never printed.
 */
import { createHash } from 'node:crypto';

export interface WireManifest {
  kind: string;
  scope?: string;
  name: string;
  spec?: Record<string, unknown>;
}

export interface DryRun {
  applied: WireManifest[];
  current: (WireManifest | null)[];
  pruned: string[];
}

export interface FieldChange {
  op: '+' | '-' | '~';
  path: string;
  from?: unknown;
  to?: unknown;
}

export interface Plan {
  resources: { ref: string; op: '+' | '~' | '='; changes: FieldChange[] }[];
  pruned: string[];
  counts: { add: number; modify: number; prune: number };
}

export const refOf = (m: WireManifest) => (m.scope ? `${m.kind}/${m.scope}/${m.name}` : `${m.kind}/${m.name}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/** Field-level differences: objects recurse, arrays and scalars compare whole. Sorted by path. */
export function diffValues(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in from)) return [{ op: '+' as const, path: p, to: to[k] }];
      if (!(k in to)) return [{ op: '-' as const, path: p, from: from[k] }];
      return diffValues(from[k], to[k], p);
    });
  }
  return deepEqual(from, to) ? [] : [{ op: '~', path, from, to }];
}

/** Asset file values become a digest summary, so secrets in config files never reach a terminal. */
export function redactAssetSpec(spec: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!spec || !isPlainObject(spec.files)) return spec;
  const files: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec.files)) {
    if (typeof value === 'string') files[key] = summarise(Buffer.from(value));
    else if (isPlainObject(value) && value._source === 'file' && typeof value.content === 'string') {
      files[key] = { ...value, content: summarise(Buffer.from(value.content, 'base64')) };
    } else files[key] = value;
  }
  return { ...spec, files };
}

function summarise(bytes: Buffer): string {
  return `<sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 8)} ${bytes.length} bytes>`;
}

export function buildPlan(dry: DryRun): Plan {
  const resources = dry.applied.map((m, i) => {
    const cur = dry.current[i] ?? null;
    const redact = (x: WireManifest) => (x.kind === 'asset' ? redactAssetSpec(x.spec) : x.spec) ?? {};
    if (!cur) return { ref: refOf(m), op: '+' as const, changes: diffValues({}, redact(m)) };
    const changes = diffValues(redact(cur), redact(m));
    return { ref: refOf(m), op: changes.length ? ('~' as const) : ('=' as const), changes };
  });
  return {
    resources,
    pruned: dry.pruned,
    counts: {
      add: resources.filter((r) => r.op === '+').length,
      modify: resources.filter((r) => r.op === '~').length,
      prune: dry.pruned.length,
    },
  };
}

export function summaryLine(plan: Plan): string {
  const parts = [
    plan.counts.add ? `${plan.counts.add} to add` : '',
    plan.counts.modify ? `${plan.counts.modify} to modify` : '',
    plan.counts.prune ? `${plan.counts.prune} to prune` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no changes';
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '(not set)';
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export interface Colors {
  add(s: string): string;
  del(s: string): string;
  mod(s: string): string;
}

export const noColors: Colors = { add: (s) => s, del: (s) => s, mod: (s) => s };
export const ansiColors: Colors = {
  add: (s) => `\x1b[32m${s}\x1b[0m`,
  del: (s) => `\x1b[31m${s}\x1b[0m`,
  mod: (s) => `\x1b[33m${s}\x1b[0m`,
};

/** The verbose plan: every resource, every changed field. */
export function renderPlan(plan: Plan, colors: Colors = noColors): string {
  const out: string[] = [];
  for (const r of plan.resources) {
    if (r.op === '=') {
      out.push(`= ${r.ref} (unchanged)`, '');
      continue;
    }
    out.push(r.op === '+' ? colors.add(`+ ${r.ref} (new)`) : colors.mod(`~ ${r.ref}`));
    const width = Math.min(40, Math.max(0, ...r.changes.map((c) => c.path.length)));
    for (const c of r.changes) {
      const path = c.path.padEnd(width);
      if (c.op === '+') out.push(colors.add(`    + ${path}  ${show(c.to)}`));
      else if (c.op === '-') out.push(colors.del(`    - ${path}  ${show(c.from)}`));
      else out.push(colors.mod(`    ~ ${path}  ${show(c.from)}  →  ${show(c.to)}`));
    }
    out.push('');
  }
  if (plan.pruned.length) {
    out.push('--- Would prune (--prune passed; remove the flag to keep them) ---');
    for (const p of plan.pruned) out.push(colors.del(`- ${p}`));
    out.push('');
  }
  out.push(summaryLine(plan));
  return out.join('\n') + '\n';
}

export function hasChanges(plan: Plan): boolean {
  return plan.counts.add + plan.counts.modify + plan.counts.prune > 0;
}
