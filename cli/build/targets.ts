/**
 * Which manifests build mode concerns, answered without loading the build
 * code (its tar library and the Procfile parser): every `voodu apply` asks.
 */
import { basename } from 'node:path';
import type { Manifest } from '../../lib/identity.js';

/** Kinds whose containers can run a build (a job: a Procfile's release process, say). */
export const BUILDABLE = new Set(['deployment', 'statefulset', 'job']);

/**
 * A workload with `build {}`, no `image`, and no build ID stamped yet: the
 * apply must build it (an ID stamped by the laptop, for an apply over SSH,
 * was built by it).
 */
export function needsBuild(manifest: Manifest): boolean {
  const spec = (manifest.spec ?? {}) as { image?: unknown; build?: { id?: unknown } };
  return BUILDABLE.has(manifest.kind) && !spec.image && !!spec.build && !spec.build.id;
}

/** A `-f` value naming a Procfile: `Procfile` or a variant such as `Procfile.dev`. */
export function isProcfilePath(path: string): boolean {
  const base = basename(path);
  return base === 'Procfile' || base.startsWith('Procfile.');
}
