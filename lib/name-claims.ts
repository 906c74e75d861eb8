/**
 * The names a resource takes beyond its own desired key — directories,
 * etcd status keys, Docker container and volume names — and the check that
 * two different resources never take the same one. Those names are built
 * by joining segments with `-` (`<scope>-<name>`), so `a-b/c` and `a/b-c`
 * would otherwise share an env file, a status blob and their containers.
 * Pure: callers hand in the manifests (and the `paths` layout) they read.
 *
 * Every name here comes from the function the owning code uses (appId,
 * keys, the paths layout, lib/resource-names.ts), so the check and the
 * reality cannot drift apart.
 */
import { dirname, relative } from 'node:path';
import { appId, formatRef, keys, type Manifest, type ResourceRef } from './identity.js';
import { claimVolumeName, initContainerName, replicaContainerName } from './resource-names.js';

/**
 * What the names need of the kind registry: which kinds are workloads, whose
 * containers live under an app id (app dir, env file, volume dir,
 * `<appId>.<id>` containers). Structural, so lib/ imports no module.
 */
export interface WorkloadKinds {
  is(kind: string, role: 'workload'): boolean;
}

/** The part of the `paths` service the names need (structural, so lib/ imports no module). */
export interface NameLayout {
  root: string;
  appDir(appId: string): string;
  envFile(appId: string): string;
  volumeDir(appId: string): string;
  assetDir(scope: string, name: string): string;
}

export interface NameClaim {
  /** What must stay unique: `<namespace>\0<derived name>`. */
  key: string;
  /**
   * Who holds it. Kinds at one (scope, name) share the app id on purpose
   * (config is keyed by scope/name), so the holder is the (scope, name), not
   * the kind; a volume's holder adds its claim.
   */
  holder: string;
  ref: ResourceRef;
  /** The name as the holder's side of a message puts it: `its app id "a-b-c" (…)`. */
  what: string;
  /** Added after the holder's ref when it is the other side: ` (claim "x-data")`. */
  detail?: string;
  /** Held by many at once (scoped assets share their scope's directory); clashes only with an unshared claim. */
  shared?: boolean;
}

export interface NameClash {
  claim: NameClaim;
  other: NameClaim;
  /** The other holder is in the same batch, not stored. */
  otherIncoming: boolean;
}

const q = JSON.stringify;
const holderOf = (scope: string, name: string, ...more: string[]) => [scope, name, ...more].join('\0');

/** The app-id claim of (scope, name): what a workload there, or its config bucket's env file, takes. */
export function appClaim(ref: ResourceRef, layout?: NameLayout): NameClaim {
  const id = appId(ref.scope, ref.name);
  const places = layout
    ? [rel(layout, layout.appDir(id)), `env file ${rel(layout, layout.envFile(id))}`, rel(layout, layout.volumeDir(id))]
    : ['env file'];
  places.push(`containers ${replicaContainerName(id, 'N')}`);
  return { key: `app\0${id}`, holder: holderOf(ref.scope, ref.name), ref, what: `its app id ${q(id)} (${places.join(', ')})` };
}

/** Every name `m` takes, in the order a message should name them (the broadest first). */
export function claimsOf(m: Manifest, kinds: WorkloadKinds, layout?: NameLayout): NameClaim[] {
  const ref: ResourceRef = { kind: m.kind, scope: m.scope ?? '', name: m.name };
  const holder = holderOf(ref.scope, ref.name);
  const id = appId(ref.scope, ref.name);
  const out: NameClaim[] = [];
  if (kinds.is(m.kind, 'workload')) {
    out.push(appClaim(ref, layout));
    // Replica ids (4 hex, ordinals) hold no '-', so two init containers meet exactly when these prefixes do.
    for (const init of namesIn(specOf(m).inits)) {
      out.push({ key: `container\0${initContainerName(id, init, '')}`, holder, ref, what: `its init container name ${q(initContainerName(id, init, 'N'))}`, detail: ` (init ${q(init)})` });
    }
  }
  if (m.kind === 'statefulset') {
    // An ordinal is the last '-' segment, so two claims meet at ordinal 0 exactly when they meet at every ordinal.
    for (const claim of namesIn(specOf(m).volume_claims)) {
      const volume = claimVolumeName(ref, claim, 0);
      out.push({
        key: `volume\0${volume}`,
        holder: holderOf(ref.scope, ref.name, claim),
        ref,
        what: `its volume ${q(volume)} (claim ${q(claim)}; every ordinal alike)`,
        detail: ` (claim ${q(claim)})`,
      });
    }
  }
  const status = keys.status(ref.kind, ref.scope, ref.name);
  out.push({ key: `status\0${status}`, holder, ref, what: `its status key ${q(status)}${ref.kind === 'ingress' ? ' (whose last segment is also its proxy route id)' : ''}` });
  if (m.kind === 'asset' && layout) {
    // An unscoped asset's directory is where a scope's asset directories live: removing one would remove the others.
    out.push(
      ref.scope
        ? { key: `dir\0${dirname(layout.assetDir(ref.scope, ref.name))}`, holder, ref, shared: true, what: `its scope directory ${rel(layout, dirname(layout.assetDir(ref.scope, ref.name)))}` }
        : { key: `dir\0${layout.assetDir('', ref.name)}`, holder, ref, what: `its directory ${rel(layout, layout.assetDir('', ref.name))}` },
    );
  }
  return out;
}

/**
 * The first claim of `incoming` that meets an `existing` claim or an earlier
 * incoming one of a different holder (two shared claims never meet).
 */
export function firstClash(incoming: NameClaim[], existing: NameClaim[]): NameClash | undefined {
  const taken = new Map<string, { claim: NameClaim; incoming: boolean }[]>();
  const add = (claim: NameClaim, isIncoming: boolean) => {
    const list = taken.get(claim.key) ?? [];
    list.push({ claim, incoming: isIncoming });
    taken.set(claim.key, list);
  };
  for (const claim of existing) add(claim, false);
  for (const claim of incoming) {
    const hit = taken.get(claim.key)?.find((t) => t.claim.holder !== claim.holder && !(t.claim.shared && claim.shared));
    if (hit) return { claim, other: hit.claim, otherIncoming: hit.incoming };
    add(claim, true);
  }
  return undefined;
}

const sameRef = (a: ResourceRef, b: ResourceRef) => a.kind === b.kind && a.scope === b.scope && a.name === b.name;

/** A batch against itself and against the stored manifests it does not replace. */
export function batchClash(batch: Manifest[], stored: Manifest[], kinds: WorkloadKinds, layout?: NameLayout): NameClash | undefined {
  const refs = batch.map(refOfManifest);
  const others = stored.filter((s) => !refs.some((r) => sameRef(r, refOfManifest(s))));
  return firstClash(
    batch.flatMap((m) => claimsOf(m, kinds, layout)),
    others.flatMap((m) => claimsOf(m, kinds, layout)),
  );
}

/** `deployment/a/b-c: its app id "a-b-c" (…) is already used by deployment/a-b/c; rename one of them`. */
export function clashMessage(c: NameClash): string {
  const where = c.otherIncoming ? 'also used by' : 'already used by';
  const also = c.otherIncoming ? ' in this apply' : '';
  return `${formatRef(c.claim.ref)}: ${c.claim.what} is ${where} ${formatRef(c.other.ref)}${c.other.detail ?? ''}${also}; rename one of them`;
}

const refOfManifest = (m: Manifest): ResourceRef => ({ kind: m.kind, scope: m.scope ?? '', name: m.name });

const rel = (layout: NameLayout, path: string) => relative(layout.root, path) || path;

/** A cronjob's container fields sit under `spec.job`. */
function specOf(m: Manifest): Record<string, unknown> {
  const spec = (m.spec ?? {}) as Record<string, unknown>;
  const job = spec.job;
  return m.kind === 'cronjob' && typeof job === 'object' && job !== null ? (job as Record<string, unknown>) : spec;
}

/** The `name`s of a list of blocks (inits, volume claims); anything malformed was refused by validation. */
function namesIn(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((b) => (b as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string' && n !== '');
}
