/**
 * Renders a dry-run answer as a plan: per
 * resource `+` new, `~` changed (with field-level lines), `=` unchanged,
 * then what would be pruned and a one-line summary. Asset contents are
 * summarised, never printed; registry tokens arrive redacted (with a digest
 * of the controller's) and show as `(changed)` or not at all.
 */
import { sameJson } from '../lib/canonical-json.js';
import { createHash } from 'node:crypto';
import { changedSecrets, keyedDigest, redactManifest } from '../lib/manifest/redact.js';

export interface WireManifest {
  kind: string;
  scope?: string;
  name: string;
  spec?: Record<string, unknown>;
  /** `secret_digests`: see lib/manifest/redact.ts. */
  metadata?: { secret_digests?: Record<string, string>; created_at?: string; updated_at?: string; revision?: number };
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
  /** A secret field: only whether it changed is known, shown as `(changed)`. */
  secret?: true;
}

export interface Plan {
  resources: { ref: string; op: '+' | '~' | '='; changes: FieldChange[] }[];
  pruned: string[];
  counts: { add: number; modify: number; prune: number };
}

export const refOf = (m: WireManifest) => (m.scope ? `${m.kind}/${m.scope}/${m.name}` : `${m.kind}/${m.name}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const deepEqual = sameJson;

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

/**
 * Digest for answers of a controller that predates redaction: both sides of
 * one answer are digested here under one key, so they still compare.
 */
const localDigest = keyedDigest();

/** The dry run with every secret field redacted (a no-op on what a current controller answers). */
export function redactDryRun<D extends DryRun>(dry: D): D {
  return { ...dry, applied: dry.applied.map((m) => redactManifest(m, localDigest)), current: dry.current.map((m) => (m ? redactManifest(m, localDigest) : m)) };
}

export function buildPlan(raw: DryRun): Plan {
  const dry = redactDryRun(raw);
  const resources = dry.applied.map((m, i) => {
    const cur = dry.current[i] ?? null;
    const redact = (x: WireManifest) => (x.kind === 'asset' ? redactAssetSpec(x.spec) : x.spec) ?? {};
    if (!cur) return { ref: refOf(m), op: '+' as const, changes: diffValues({}, redact(m)) };
    const visible = diffValues(redact(cur), redact(m));
    // Secret fields show the same marker on both sides; their digests tell whether they changed.
    const secret = changedSecrets(cur, m)
      .filter((path) => !visible.some((c) => c.path === path))
      .map((path): FieldChange => ({ op: '~', path, secret: true }));
    const changes = [...visible, ...secret].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
      else if (c.secret) out.push(colors.mod(`    ~ ${path}  (changed)`));
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
