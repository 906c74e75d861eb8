/**
 * validateManifest: the one gate every manifest passes, in the CLI after
 * parsing and again at /apply, so a file that passes `voodu diff` is one the
 * controller accepts. It checks identity for every kind (segments, the
 * kind's scope rule) and hands the spec to the kind's registered validator,
 * which applies the kind's defaults; kinds nobody registered are plugin
 * kinds and keep their spec as written (their plugin validates it when it
 * expands). The result validates to itself.
 */
import { ValidationError } from '../errors.js';
import { assertSegment, formatRef, type Manifest } from '../identity.js';
import { At } from './at.js';
import { describe, isPlainObject } from './decoders.js';
import type { KindRegistry } from './kind-registry.js';

export interface ValidateOptions {
  /** File the manifest came from (`voodu.hcl` or `voodu.hcl:12`); prefixes every message. */
  source?: string;
  /**
   * The manifest was just parsed from HCL: apply HCL's type conversions
   * (numbers and bools where strings are wanted, and back), refuse
   * server-stamped `_` keys, and treat `replicas` next to `autoscale` as the
   * contradiction it is there. The CLI sets this; /apply does not.
   */
  hcl?: boolean;
}

const MANIFEST_KEYS = ['kind', 'scope', 'name', 'spec', 'metadata'];

export function validateManifest(m: unknown, kinds: KindRegistry, opts: ValidateOptions = {}): Manifest {
  const src = opts.source ? `${opts.source}: ` : '';
  const fail = (message: string, field: string): never => {
    throw new ValidationError(`${src}${message}`, { field });
  };
  if (!isPlainObject(m)) return fail(`a manifest must be an object {kind, scope, name, spec}, got ${describe(m)}`, 'manifest');
  for (const key of Object.keys(m)) {
    if (!MANIFEST_KEYS.includes(key)) fail(`${key}: unknown manifest field; a manifest has kind, scope, name, spec and metadata`, key);
  }
  if (typeof m.kind !== 'string' || m.kind === '') return fail(`kind: required (${kinds.list()}, or a plugin kind)`, 'kind');
  const kind = m.kind.toLowerCase();
  const scope = m.scope === undefined || m.scope === null ? '' : m.scope;
  if (typeof scope !== 'string') return fail(`scope: must be a string, got ${describe(scope)}`, 'scope');
  const name = m.name;
  if (typeof name !== 'string' || name === '') return fail(`${kind}: name is required`, 'name');
  const block = formatRef({ kind, scope, name });

  const definition = kinds.get(kind);
  if (!definition) {
    const core = kinds.parse(kind);
    if (core) fail(`${block}: kind ${JSON.stringify(m.kind)} is a plural; use ${JSON.stringify(core)}`, 'kind');
  }
  const segment = (value: string, field: string) => {
    try {
      assertSegment(value, field);
    } catch (err) {
      fail(`${block}: ${(err as Error).message}`, field);
    }
  };
  segment(kind, 'kind');
  segment(name, 'name');
  if (scope) segment(scope, 'scope');
  const rule = kinds.scopeRule(kind);
  if (rule === 'required' && !scope) fail(`${block}: scope is required; write ${kind} "<scope>" "${name}" { … }`, 'scope');
  if (rule === 'forbidden' && scope) fail(`${block}: a ${kind} is host-wide and takes no scope; write ${kind} "${name}" { … }`, 'scope');
  const problem = definition?.identityProblem?.(scope, name);
  if (problem) fail(`${block}: ${problem.message}`, problem.field);

  const rawSpec = m.spec ?? {};
  if (!isPlainObject(rawSpec)) return fail(`${block}: spec must be an object, got ${describe(rawSpec)}`, 'spec');
  const at = new At({ block, hcl: opts.hcl ?? false, ...(opts.source ? { source: opts.source } : {}) });
  const spec = definition ? definition.validate(rawSpec, at) : structuredClone(rawSpec);

  const metadata = isPlainObject(m.metadata) ? { metadata: structuredClone(m.metadata) } : {};
  return { kind, ...(scope ? { scope } : {}), name, spec: spec as Record<string, unknown>, ...metadata };
}
