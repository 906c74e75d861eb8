/**
 * The `podAccess` service: the credential a container gets to call the
 * controller back (a sentinel's failover hook, a backup job's report). The
 * token is minted when the container is created and recorded on it as a
 * label holding only its sha256, so it survives a controller restart and
 * dies with the container: a removed and recreated pod has a new token and
 * the old one names nothing. See docs/security.md.
 */

/** Label holding sha256(token) of the pod's callback token. */
export const POD_TOKEN_LABEL = 'voodu.pod_token_sha256';
/** Label naming the plugin that produced the pod's resource: the one plugin its token may reach. */
export const POD_PLUGIN_LABEL = 'voodu.plugin';

export interface PodCredential {
  /** `VOODU_CONTROLLER_URL=http://<voodu0 gateway>:<port>/pod/<token>`. */
  env: Record<string, string>;
  labels: Record<string, string>;
}

export interface PodAccess {
  /** A fresh credential for a container about to be created; undefined while the pod listener is not open. */
  mint(pod: { scope: string; plugin?: string }): PodCredential | undefined;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    podAccess: PodAccess;
  }
}
