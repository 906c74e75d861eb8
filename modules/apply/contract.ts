/**
 * The apply pipeline's public contract: the `onApply` stages every module
 * taps at. One apply request runs `onExpand` per manifest, then these
 * stages in order on the whole batch. Nothing is written before `commit`;
 * a throw in any stage before it leaves the store and the disk untouched.
 *
 *   validate  (-100)  per-kind field validation, identity rules, duplicates
 *   resolve      (0)  asset digests computed in memory and stamped on consumers
 *   check      (100)  cross-resource checks: ingress (host, path) collisions, two
 *                     resources sharing a derived name (app id, volume, …)
 *   commit     (500)  the apply module: one etcd transaction (skipped on dry run)
 *
 * Taps after `commit` must tolerate `batch.dryRun` and must not throw for
 * work the reconciler will redo (the manifests are already stored).
 */
export const ApplyStage = {
  validate: -100,
  resolve: 0,
  check: 100,
  commit: 500,
} as const;

/**
 * What `onExpand` taps receive from the apply pipeline: the kernel's
 * ExpandContext plus the apply's report, where an expansion records what it
 * did besides expanding (`plugin_installs`); the answer carries it.
 */
export interface ApplyExpandContext {
  dryRun: boolean;
  config: Record<string, string>;
  report: Record<string, unknown>;
  /** One line of progress of long work (a plugin install), streamed to the client that asked; absent when none did. */
  progress?: (line: string) => void;
}
