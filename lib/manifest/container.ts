/** Rules every container-running kind shares: image vs build, network mode vs networks. */
import type { At } from './at.js';
import type { ContainerSpec } from './types.js';

export function checkContainer(spec: ContainerSpec, at: At): void {
  if (spec.image && spec.build) {
    at.fail('`image` and `build {}` are mutually exclusive: use `image` to pull from a registry, or `build {}` to build from source — not both');
  }
  const mode = spec.network_mode;
  if (mode && (spec.network || spec.networks?.length)) {
    at.key('network_mode').fail(
      `"${mode}" cannot be combined with network/networks: the container ${mode === 'host' ? "shares the host's network stack" : 'has no network'}; remove one of them`,
    );
  }
}

/** No image means build mode: the CLI ships the source tree, by default from the manifest's directory. */
export function withBuildDefault(spec: ContainerSpec): void {
  if (!spec.image) spec.build = { ...spec.build, context: spec.build?.context || '.' };
}

/** Rebuilds `obj` with keys in `order` first (the wire order), then the server-stamped `_` keys. */
export function ordered<T extends object>(obj: T, order: readonly string[]): T {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (src[k] !== undefined) out[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as T;
}
