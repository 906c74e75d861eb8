// Types for listing.js.
export interface BackupFile {
  number: number;
  id: string;
  filename: string;
  createdAt: Date;
  sizeBytes: number;
  path: string;
}
export interface BackupContainer {
  name: string;
  kind: 'job' | 'cronjob';
  workload: string;
  number: number | undefined;
  state: string;
  active: boolean;
  exitCode: number | undefined;
  createdAt: string;
}
export interface BackupRow {
  id: string;
  number: number;
  status: 'complete' | 'running' | 'failed';
  filename?: string;
  created_at?: string;
  size_bytes: number;
  job?: string;
  container?: string;
  error?: string;
  path?: string;
}
export function readBackupDir(dir: string): Promise<{ files: BackupFile[]; partials: (BackupFile & { partial: string })[] }>;
export function parseContainers(inspectJson: string, scope: string, name: string): BackupContainer[];
export function idFromLog(text: unknown): number | undefined;
export function listContainers(scope: string, name: string): Promise<BackupContainer[]>;
export function mergeListing(input: { files?: BackupFile[]; partials?: BackupFile[]; containers?: BackupContainer[] }): BackupRow[];
export function listBackups(
  scope: string,
  name: string,
  env?: NodeJS.ProcessEnv | Record<string, string | undefined>,
): Promise<{ dir: string; files: BackupFile[]; partials: BackupFile[]; containers: BackupContainer[]; rows: BackupRow[] }>;
export function resolveBackup(rows: BackupRow[], idText: unknown, ref: string, flag?: string): BackupRow;
export function discoverClusters(scope: string | undefined, env?: NodeJS.ProcessEnv | Record<string, string | undefined>): Promise<{ scope: string; name: string }[]>;
