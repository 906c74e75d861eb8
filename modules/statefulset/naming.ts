/**
 * Statefulset names: stable per ordinal, so
 * a pod comes back with the same name, the same DNS and the same volumes.
 */
import type { ResourceRef } from '../../lib/identity.js';
import { claimVolumeName, replicaContainerName } from '../../lib/resource-names.js';

/** `<scope>-<name>.<n>` (or `<name>.<n>` unscoped). */
export const podName = (appId: string, ordinal: number) => replicaContainerName(appId, String(ordinal));

/** `voodu-<scope>-<name>-<claim>-<n>`: one docker volume per claim per ordinal (lib/, so the apply name check spells it alike). */
export const volumeName = claimVolumeName;

/** Per-pod aliases first (`pg-0.data`), then the shared ones (`pg.data`) that round-robin across pods. */
export function podAliases(ref: ResourceRef, ordinal: number): string[] {
  const pod = `${ref.name}-${ordinal}`;
  return ref.scope
    ? [`${pod}.${ref.scope}`, `${pod}.${ref.scope}.voodu`, `${ref.name}.${ref.scope}`, `${ref.name}.${ref.scope}.voodu`]
    : [pod, `${pod}.voodu`, ref.name, `${ref.name}.voodu`];
}

/** Labels of a claim volume: how prune and rebootstrap find them again. */
export function volumeLabels(ref: ResourceRef, claim: string, ordinal: number): Record<string, string> {
  return {
    createdby: 'voodu',
    'voodu.kind': 'statefulset',
    'voodu.scope': ref.scope,
    'voodu.name': ref.name,
    'voodu.replica_ordinal': String(ordinal),
    'voodu.claim': claim,
  };
}
