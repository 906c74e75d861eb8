/**
 * The nested blocks a kind's HCL body accepts, declared by the kind (its
 * `hcl.blocks`) and read by the CLI's HCL pipeline: a `single` block becomes
 * an object, a `list` block one item of a list, and a `labeled` block a named
 * item of a list under its wire name (`init "x" {}` → `inits: [{name: "x"}]`).
 */
export interface HclBlockRule {
  repeat: 'single' | 'list' | 'labeled';
  /** Key on the wire, when it differs from the block type. */
  wire?: string;
  children: HclBlockRules;
}

export type HclBlockRules = Record<string, HclBlockRule>;

export const single = (children: HclBlockRules = {}): HclBlockRule => ({ repeat: 'single', children });
export const list = (wire?: string): HclBlockRule => ({ repeat: 'list', children: {}, ...(wire ? { wire } : {}) });
export const labeled = (wire: string, children: HclBlockRules = {}): HclBlockRule => ({ repeat: 'labeled', wire, children });

const resources = single({ limits: single() });
const probe = single({ http_get: single(), tcp_socket: single(), exec: single() });

/** Blocks of every container-running kind. */
export const CONTAINER_BLOCKS: HclBlockRules = { build: single({ lang: single() }), depends_on: single(), resources, logs: single() };
export const INIT_BLOCKS: HclBlockRules = { init: labeled('inits', { resources }) };
export const PROBE_BLOCKS: HclBlockRules = {
  probes: single({ liveness: probe, readiness: probe, startup: probe }),
  on_probe: single({ failure: list(), recovery: list() }),
};
