// Types for actions.js.
export function apply_manifest(manifest: Record<string, unknown>, summary?: string): Record<string, any>;
export function delete_manifest(kind: string, scope: string, name: string, summary?: string): Record<string, any>;
export function run_job(scope: string, name: string, summary?: string): Record<string, any>;
export function fetch_file(remotePath: string, destPath: string, sizeBytes?: number, summary?: string): Record<string, any>;
