/**
 * The variables `${VAR}` sees in one file: config buckets
 * named by the file's `env_from` entries, then the buckets of the file's own
 * `scope/name` blocks (only when it interpolates anything), then the shell,
 * which always wins. A bucket named by env_from must be readable; an own
 * bucket may not exist yet, so failing to read one is not an error.
 */
import type { ScannedBody } from './scan.js';

export type FetchBucket = (scope: string, name?: string) => Promise<Record<string, string>>;

/** One fetch per bucket per load, shared by every file. */
export class BucketCache {
  private readonly entries = new Map<string, Promise<Record<string, string>>>();
  constructor(private readonly fetch: FetchBucket) {}

  get(ref: string): Promise<Record<string, string>> {
    let hit = this.entries.get(ref);
    if (!hit) {
      const slash = ref.indexOf('/');
      hit = slash < 0 ? this.fetch(ref) : this.fetch(ref.slice(0, slash), ref.slice(slash + 1));
      this.entries.set(ref, hit);
    }
    return hit;
  }
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

export function envFromRefs(scan: ScannedBody): string[] {
  return unique(scan.blocks.flatMap((b) => b.attributes.filter((a) => a.name === 'env_from').flatMap((a) => a.literals ?? [])));
}

export function ownRefs(scan: ScannedBody): string[] {
  return unique(
    scan.blocks.filter((b) => b.labels.length === 2 && b.literalLabels && b.labels.every((l) => l !== '')).map((b) => `${b.labels[0]}/${b.labels[1]}`),
  );
}

export async function variablesFor(
  raw: string,
  scan: ScannedBody,
  env: Record<string, string | undefined>,
  cache: BucketCache | undefined,
  source: string,
): Promise<Record<string, string | undefined>> {
  if (!cache) return env;
  const fromRefs = envFromRefs(scan);
  const own = raw.includes('${') ? ownRefs(scan).filter((r) => !fromRefs.includes(r)) : [];
  if (!fromRefs.length && !own.length) return env;
  const merged: Record<string, string | undefined> = {};
  for (const ref of fromRefs) {
    if (ref.startsWith('/')) throw new Error(`${source}: env_from ${JSON.stringify(ref)}: empty scope before '/'`);
    try {
      Object.assign(merged, await cache.get(ref));
    } catch (err) {
      throw new Error(`${source}: env_from ${JSON.stringify(ref)}: could not read its config: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const ref of own) {
    try {
      Object.assign(merged, await cache.get(ref));
    } catch {
      // The resource may not exist yet; its bucket is optional.
    }
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}
