/**
 * The kind registry: what each manifest kind is, declared by the module that
 * owns it. A module describes its kind once — name, scope rule, spec
 * validator, the roles it plays — and every question the system asks about
 * kinds ("which kinds run containers under an app id?", "which kinds does
 * prune remove?") is a question to the registry, never a list kept elsewhere.
 *
 * Pure: no daemon code, so the CLI validates HCL blocks with the same
 * definitions the controller applies. Kinds nobody registered are plugin
 * (macro) kinds: they keep their spec as written until a plugin expands them.
 */
import { ValidationError } from '../errors.js';
import { keys, type Manifest, type ResourceRef } from '../identity.js';
import type { At } from './at.js';
import type { HclBlockRules } from './hcl-rules.js';
import type { ValidateOptions } from './validate.js';

export type ScopeRule = 'required' | 'optional' | 'forbidden';

/** One top-level spec field as the reference documentation shows it: its type and what it does. */
export interface FieldDoc {
  type: string;
  doc: string;
}

export interface KindDefinition {
  /** Lower-case kind name, as written in HCL and stored: `deployment`. */
  name: string;
  /** Plural users type (`voodu get ingresses`); default `<name>s`. */
  plural?: string;
  /** `required`: `kind "scope" "name"`; `forbidden`: `kind "name"` (host-wide); `optional`: either. */
  scope: ScopeRule;
  /** One line: what a manifest of this kind is. Shown in docs and in "unknown kind" errors. */
  summary: string;
  /** Name of the module that registered it; filled in by the controller's `kinds` service. */
  module?: string;
  /**
   * Every top-level spec field, documented. `validate` must accept exactly these
   * keys: the reference docs are generated from here, and a test holds the two equal.
   */
  fields: Record<string, FieldDoc>;
  /** Defaults the validator applies, in words, for the reference docs. */
  defaults?: string[];
  /** An HCL example that validates; the docs show it and a test parses it. */
  example?: string;
  /**
   * Checks `spec` field by field and returns it normalised with defaults
   * applied, throwing ValidationError (via `at.fail`) naming the field. The
   * result must validate to itself.
   */
  validate(spec: Record<string, unknown>, at: At): object;
  /** Identity rules beyond the scope rule (asset names cannot contain '.'); the problem, or undefined. */
  identityProblem?(scope: string, name: string): { field: 'scope' | 'name'; message: string } | undefined;
  /** Where a workload's container fields (image, env, …) sit when not at the spec's top: a cronjob's are under `job`. */
  containerAt?: string;
  /** Roles the kind plays; each is a question other modules ask the registry. */
  roles?: KindRoles;
  /** How the CLI turns an HCL block of this kind into the wire spec. */
  hcl?: HclSurface;
  /**
   * Sugar only: the stored manifests this one stands for, each validated
   * with `kinds` (`app` → a deployment and an ingress).
   */
  expand?(manifest: Manifest, kinds: KindRegistry, opts: ValidateOptions): Manifest[];
}

export interface HclSurface {
  /** Nested blocks the body accepts (attributes are always accepted; their fields are `validate`'s). */
  blocks?: HclBlockRules;
  /** The body's attributes are the spec's `files` map, values being text, `file(...)` or `url(...)` (asset). */
  attributesAreFiles?: boolean;
  /**
   * For a kind with `containerAt`: its HCL body is flat, and every key but
   * these moves under `containerAt` on the wire (a cronjob's job fields).
   */
  topKeys?: readonly string[];
  /** A name shown in label errors of a host-wide kind: `registry "ghcr" { … }`. */
  nameExample?: string;
}

export interface KindRoles {
  /**
   * Runs containers under an app id (`<scope>-<name>`): owns an app directory,
   * an env file fed by `voodu config`, a volume directory and `<app id>.<n>`
   * containers.
   */
  workload?: boolean;
  /** Keeps replicas running (probed, restarted, scaled, rolled); a job or cronjob does not. */
  longRunning?: boolean;
  /** Its HCL block may name `env_file`s, which the CLI reads and sends as `env`. */
  envFile?: boolean;
  /** `voodu apply --prune` removes the siblings of this kind an apply no longer declares. */
  prunable?: boolean;
  /** Sugar that expands into other kinds before anything is stored (`app` → deployment + ingress). */
  expandsTo?: string[];
}

export type KindRole = keyof Omit<KindRoles, 'expandsTo'>;

/** A registry with the core kinds (and whatever else modules defined). */
export class KindRegistry {
  readonly #kinds = new Map<string, KindDefinition>();

  constructor(definitions: Iterable<KindDefinition> = []) {
    for (const d of definitions) this.define(d);
  }

  /** Adds a kind; a second definition of the same name is an error naming both owners. */
  define(definition: KindDefinition): void {
    const name = definition.name;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ValidationError(`kind ${JSON.stringify(name)}: a kind name is lower-case letters, digits and '-'`, { field: 'kind' });
    const existing = this.#kinds.get(name);
    if (existing) {
      throw new ValidationError(`kind "${name}" is defined twice (by ${existing.module ?? 'a module'} and ${definition.module ?? 'another module'}); disable one of them in the module config`, {
        field: 'kind',
      });
    }
    this.#kinds.set(name, definition);
  }

  /** Adds the kinds `module` owns, recording it as their owner (errors and docs name it). */
  defineFor(module: string, definitions: readonly KindDefinition[]): void {
    for (const d of definitions) this.define({ ...d, module });
  }

  get(name: string): KindDefinition | undefined {
    return this.#kinds.get(name);
  }

  has(name: string): boolean {
    return this.#kinds.has(name);
  }

  /** Every registered kind, in definition order. */
  all(): KindDefinition[] {
    return [...this.#kinds.values()];
  }

  names(): string[] {
    return [...this.#kinds.keys()];
  }

  /** Kinds that are stored as written (not sugar): what `voodu get` and `/apply?kind=` accept. */
  storedNames(): string[] {
    return this.all()
      .filter((d) => !d.roles?.expandsTo)
      .map((d) => d.name);
  }

  /** The part of a manifest's spec holding its container fields (the spec itself unless the kind says `containerAt`). */
  containerSpec(kind: string, spec: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    const at = this.#kinds.get(kind)?.containerAt;
    const holder = at ? spec?.[at] : spec;
    return typeof holder === 'object' && holder !== null && !Array.isArray(holder) ? (holder as Record<string, unknown>) : undefined;
  }

  /** Names of the kinds playing `role`. */
  withRole(role: KindRole): string[] {
    return this.all()
      .filter((d) => d.roles?.[role])
      .map((d) => d.name);
  }

  is(kind: string, role: KindRole): boolean {
    return this.#kinds.get(kind)?.roles?.[role] === true;
  }

  /** Scope rule of a kind; unregistered (plugin) kinds take 0, 1 or 2 labels, so their scope is optional. */
  scopeRule(kind: string): ScopeRule {
    return this.#kinds.get(kind)?.scope ?? 'optional';
  }

  /**
   * A stored kind from user input: singular or plural, any case. The singular
   * is tried first, so `ingress` is not read as the plural of "ingres"; a
   * trailing `s` is also stripped (`registrys`), as the reference does.
   */
  parse(input: string): string | undefined {
    const k = input.trim().toLowerCase();
    const stored = this.storedNames();
    if (stored.includes(k)) return k;
    for (const name of stored) {
      const d = this.#kinds.get(name)!;
      if (k === (d.plural ?? `${name}s`) || k === `${name}s`) return name;
    }
    return undefined;
  }

  /**
   * The store key of a resource's status blob, the one `voodu describe` shows
   * and the reconciler records `last_reconcile_*` into: where a kind's module
   * writes what it did (a community module cannot import lib/identity.ts).
   */
  statusKey(ref: ResourceRef): string {
    return keys.status(ref.kind, ref.scope, ref.name);
  }

  /** "asset, cronjob, …": the stored kinds as a message offers them, alphabetically. */
  list(): string {
    return this.storedNames().sort().join(', ');
  }
}
