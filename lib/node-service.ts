/**
 * The `node` service, provided by the controller itself before any module
 * registers: who this controller is.
 */
export interface NodeInfo {
  /** `--name`, default `voodu-0`: names the etcd member and is passed to plugins as VOODU_NODE. */
  name: string;
  version: string;
}

declare module '../kernel/services.js' {
  interface ServiceMap {
    node: NodeInfo;
  }
}
