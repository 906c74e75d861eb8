/**
 * The `ingress` module's public face (docs/kinds.md, `ingress`): what it stores under `/status/ingresss/<AppID>`. Types only.
 */

/** Status blob of one ingress. The reconciler adds `last_reconcile_at` / `last_reconcile_error`. */
export interface IngressStatus {
  /** The plugin that holds the route (`caddy`). */
  plugin: string;
  /** The plugin's answer (`envelope.data`), or `{host, service}` when it gave none. */
  data: Record<string, unknown>;
  /** `<ip>:<port>` of every running replica handed to the plugin. */
  upstreams: string[];
  /** sha256 (16 hex) of the env last applied: an identical resync skips the plugin call. */
  env_hash: string;
  applied_at: string;
  last_reconcile_at?: string;
  last_reconcile_error?: string;
}

/** Default plugin that serves ingresses (module option `plugin`). */
export const DEFAULT_INGRESS_PLUGIN = 'caddy';
