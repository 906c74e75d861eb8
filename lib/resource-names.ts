/**
 * The Docker names a resource's containers and volumes get. Shared by the
 * modules that create them and by the apply check that refuses two
 * resources whose names would meet, so both always spell them alike.
 */
import { appId, type ResourceRef } from './identity.js';

/**
 * `<appId>.<id>`: a replica (4 hex), a statefulset pod (its ordinal), a job
 * run (4 hex) or a release phase (`<release id>[-pre|-post]`). Every
 * workload kind at one (scope, name) shares this prefix.
 */
export const replicaContainerName = (app: string, id: string) => `${app}.${id}`;

/** `<appId>-init-<init>-<replicaId>`: one attempt of an init before a replica. */
export const initContainerName = (app: string, init: string, replicaId: string) => `${app}-init-${init}-${replicaId}`;

/** `voodu-<scope>-<name>-<claim>-<n>`: one docker volume per statefulset claim per ordinal. */
export const claimVolumeName = (ref: Pick<ResourceRef, 'scope' | 'name'>, claim: string, ordinal: number) =>
  `voodu-${appId(ref.scope, ref.name)}-${claim}-${ordinal}`;

/** `<appId>:<buildId>`: the image a build-mode replica runs (build mode, modules/build). */
export const buildImageRef = (app: string, buildId: string) => `${app}:${buildId}`;
