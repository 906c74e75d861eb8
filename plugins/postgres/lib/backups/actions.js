// The dispatch actions the backup commands hand back, in the shapes the
// controller's action taps accept (modules/apply/actions.ts,
// modules/job/action.ts, modules/plugins/actions.ts).

/** Store a job or cronjob (through the whole apply pipeline). */
export const apply_manifest = (manifest, summary) => ({ type: 'apply_manifest', manifest, ...(summary ? { summary } : {}) });

/**
 * Delete a stored manifest; an absent one is a no-op. Deleting a job removes
 * its containers; `prune` (every capture job is one-off) removes its env
 * file and bucket on the host too, so backups leave nothing behind.
 */
export const delete_manifest = (kind, scope, name, summary) => ({ type: 'delete_manifest', kind, scope, name, ...(kind === 'job' ? { prune: true } : {}), ...(summary ? { summary } : {}) });

/** Run a stored job once, in the background. */
export const run_job = (scope, name, summary) => ({ type: 'run_job', scope, name, ...(summary ? { summary } : {}) });

/** The CLI downloads `remote_path` (on the controller host) to `dest_path` (where the CLI runs). */
export const fetch_file = (remotePath, destPath, sizeBytes, summary) => ({
  type: 'fetch_file',
  remote_path: remotePath,
  dest_path: destPath,
  ...(sizeBytes !== undefined ? { size_bytes: sizeBytes } : {}),
  ...(summary ? { summary } : {}),
});
