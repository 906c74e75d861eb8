/**
 * The kind registry (core.md §1.0): the seven core kinds the controller
 * reconciles, their scope rules, and `app`, the sugar that expands into two
 * of them. Any other kind is a plugin (macro) kind, expanded server-side.
 */
export const CORE_KINDS = ['deployment', 'statefulset', 'ingress', 'job', 'cronjob', 'asset', 'registry'] as const;
export type CoreKind = (typeof CORE_KINDS)[number];

/** `app "scope" "name" {}`: a deployment plus an ingress (see expandApp). */
export const APP_KIND = 'app';

/** Kinds whose manifests must carry a scope. */
export const SCOPED_KINDS: ReadonlySet<string> = new Set(['deployment', 'statefulset', 'ingress', 'job', 'cronjob', APP_KIND]);
/** Kinds that may carry a scope or not (`asset "name"` or `asset "scope" "name"`). */
export const OPTIONALLY_SCOPED_KINDS: ReadonlySet<string> = new Set(['asset']);
/** Kinds that must not carry one: a registry is host-wide. */
export const UNSCOPED_KINDS: ReadonlySet<string> = new Set(['registry']);

export type ScopeRule = 'required' | 'optional' | 'forbidden';

export function isCoreKind(kind: string): kind is CoreKind {
  return (CORE_KINDS as readonly string[]).includes(kind);
}

/** Scope rule of a kind; plugin kinds take 0, 1 or 2 labels, so their scope is optional. */
export function scopeRule(kind: string): ScopeRule {
  if (SCOPED_KINDS.has(kind)) return 'required';
  if (UNSCOPED_KINDS.has(kind)) return 'forbidden';
  return 'optional';
}

const ENGLISH_PLURALS: Record<string, CoreKind> = { ingresses: 'ingress', registries: 'registry' };

/**
 * A core kind from user input: singular or plural, any case. The singular
 * is tried first so `ingress` is not read as the plural of "ingres".
 */
export function parseKind(input: string): CoreKind | undefined {
  const k = input.trim().toLowerCase();
  if (isCoreKind(k)) return k;
  const singular = k.endsWith('s') ? k.slice(0, -1) : '';
  if (isCoreKind(singular)) return singular;
  // English plurals the reference does not know, accepted because people type them.
  return ENGLISH_PLURALS[k];
}
