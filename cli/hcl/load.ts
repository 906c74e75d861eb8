/**
 * loadManifests: every `-f` input of one CLI command → validated wire
 * manifests, in order. Unlike the reference, an identity declared twice is
 * an error across all the files of the load, not only within one file —
 * the server would otherwise keep whichever came last.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../lib/errors.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { coreKindRegistry } from '../../modules/core.js';
import { formatRef, refOf, type Manifest } from '../../lib/identity.js';
import type { Produced } from './blocks.js';
import { BucketCache, type FetchBucket } from './context.js';
import { manifestsOfHcl } from './hcl-file.js';
import { manifestsOfJson } from './json-input.js';
import { resolveInputs } from './resolve.js';

export interface LoadOptions {
  /** `-f` values: files, extension-less names, directories, `-` for stdin. */
  files: string[];
  /** Format of stdin (required when `-` is given); files are always HCL. */
  format?: 'hcl' | 'json';
  /** stdin's text, read by the caller. */
  stdin?: string;
  cwd: string;
  /** Shell environment: `${VAR}` values, winning over config buckets. */
  env: Record<string, string | undefined>;
  /** Reads a config bucket (`name` absent: the scope-level one) for `${VAR}` values. */
  fetchBucket?: FetchBucket;
  /** Kinds to validate with; default: the core modules' kinds. */
  kinds?: KindRegistry;
}

export interface LoadedManifest {
  manifest: Manifest;
  /** `file:line` of the block it came from (`<stdin>`, `<stdin>[i]` for JSON). */
  source: string;
  /** The directory relative paths in it start from (its file's; the working directory for stdin): where `build.context` is. */
  dir: string;
}

export async function loadManifests(opts: LoadOptions): Promise<LoadedManifest[]> {
  if (!opts.files.length) throw new ValidationError('no manifests given; pass -f with a file, a directory, or - for stdin', { field: 'file' });
  const inputs = await resolveInputs(opts.files, opts.cwd);
  const kinds = opts.kinds ?? (await coreKindRegistry());
  const cache = opts.fetchBucket ? new BucketCache(opts.fetchBucket) : undefined;
  const seen = new Map<string, Produced>();
  const out: LoadedManifest[] = [];
  for (const input of inputs) {
    let produced: Produced[];
    const dir = input.kind === 'stdin' ? opts.cwd : input.dir;
    if (input.kind === 'stdin') {
      if (opts.format !== 'hcl' && opts.format !== 'json') {
        throw new ValidationError('-f -: --format hcl or --format json is required when reading stdin', { field: 'format' });
      }
      if (opts.stdin === undefined) throw new ValidationError('-f -: nothing was read from stdin', { field: 'file' });
      produced =
        opts.format === 'json'
          ? await manifestsOfJson(opts.stdin, '<stdin>', opts.cwd, kinds)
          : await manifestsOfHcl({ text: opts.stdin, display: '<stdin>', dir: opts.cwd }, opts.env, cache, kinds);
    } else {
      const text = await readFile(input.path, 'utf8');
      produced = await manifestsOfHcl({ text, display: input.display, dir: input.dir }, opts.env, cache, kinds);
    }
    for (const p of produced) {
      const id = formatRef(refOf(p.manifest));
      const first = seen.get(id);
      if (first) {
        throw new ValidationError(
          `duplicate identity ${id}: declared by ${first.declaredBy} at ${first.source} and by ${p.declaredBy} at ${p.source}; an app block declares a deployment and an ingress of its name`,
          { field: 'name' },
        );
      }
      seen.set(id, p);
      out.push({ manifest: p.manifest, source: p.source, dir });
    }
  }
  return out;
}
