// What backups a cluster has: the dump files in its host directory, merged
// with the containers that make them — capture jobs (`<name>.bk.bNNN`) and
// the schedule's runs (cronjob `<name>-backup`). Containers are found by
// their labels (voodu.kind, voodu.scope, voodu.name as the job module sets
// them, plus our voodu.postgres.backup), never by guessing at names.
//
// Status: a file → complete; no file yet and its container running (or
// created) → running; a container that exited non-zero → failed; a
// partial file nobody is writing any more → failed (interrupted). A job
// that exited 0 whose file is gone was pruned or deleted: not listed.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from '../sdk/docker.js';
import { backupsHostDir, formatRef } from '../ref.js';
import { BACKUP_ID_LABEL, BACKUP_LABEL, cronjobName, formatId, parseFilename, parseId, parseJobName, parsePartialFilename } from './names.js';

/**
 * @typedef {object} BackupFile
 * @property {number} number
 * @property {string} id
 * @property {string} filename
 * @property {Date} createdAt
 * @property {number} sizeBytes
 * @property {string} path     on the controller host
 */

/**
 * The dump files and partial files of one host directory; a missing
 * directory is no backups. Other names are ignored.
 * @returns {Promise<{files: BackupFile[], partials: (BackupFile & {partial: string})[]}>}
 */
export async function readBackupDir(dir) {
  const names = await readdir(dir).catch((err) => {
    if (err.code === 'ENOENT') return [];
    throw new Error(`backups directory ${dir}: ${err.message}`);
  });
  const files = [];
  const partials = [];
  for (const name of names) {
    const final = parseFilename(name);
    const partial = final ? undefined : parsePartialFilename(name);
    const parsed = final ?? partial;
    if (!parsed) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    const entry = { ...parsed, sizeBytes: st.size, path };
    if (final) files.push(entry);
    else partials.push({ ...entry, partial: path });
  }
  const byNumber = (a, b) => a.number - b.number || a.createdAt.getTime() - b.createdAt.getTime();
  return { files: files.sort(byNumber), partials: partials.sort(byNumber) };
}

/**
 * @typedef {object} BackupContainer
 * @property {string} name       docker name, e.g. prod-db.bk.b003.1a2b
 * @property {'job' | 'cronjob'} kind
 * @property {string} workload   the job or cronjob, e.g. db.bk.b003 / db-backup
 * @property {number | undefined} number  the backup it makes (a scheduled run's is learnt from its log)
 * @property {string} state      running, created, exited, …
 * @property {boolean} active    running, created or restarting
 * @property {number | undefined} exitCode
 * @property {string} createdAt
 */

/**
 * `docker inspect` output → the backup containers of scope/name; anything
 * not labelled as one of its capture jobs or scheduled runs is dropped.
 * @returns {BackupContainer[]}
 */
export function parseContainers(inspectJson, scope, name) {
  let list;
  try {
    list = JSON.parse(inspectJson || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out = [];
  for (const c of list) {
    const labels = c?.Config?.Labels ?? {};
    if ((labels['voodu.scope'] ?? '') !== scope || labels[BACKUP_LABEL] !== formatRef(scope, name)) continue;
    const kind = labels['voodu.kind'];
    const workload = labels['voodu.name'] ?? '';
    let number;
    if (kind === 'job') {
      number = parseJobName(name, workload);
      if (number === undefined) continue;
      const fromLabel = parseId(labels[BACKUP_ID_LABEL]);
      if (fromLabel !== undefined && fromLabel !== number) continue;
    } else if (kind === 'cronjob') {
      if (workload !== cronjobName(name)) continue;
    } else {
      continue;
    }
    const state = String(c?.State?.Status ?? 'unknown');
    const exited = state === 'exited' || state === 'dead';
    out.push({
      name: String(c?.Name ?? '').replace(/^\//, ''),
      kind,
      workload,
      number,
      state,
      active: state === 'running' || state === 'created' || state === 'restarting',
      exitCode: exited && Number.isInteger(c?.State?.ExitCode) ? c.State.ExitCode : undefined,
      createdAt: String(c?.Created ?? ''),
    });
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The scheduled run's backup id, from the line its script prints first. */
export function idFromLog(text) {
  const m = /voodu-postgres: backup (b\d{1,9})\b/.exec(String(text ?? ''));
  return m ? parseId(m[1]) : undefined;
}

/** Every backup container of scope/name (capture jobs and scheduled runs), from docker. */
export async function listContainers(scope, name) {
  const ps = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${BACKUP_LABEL}=${formatRef(scope, name)}`, '--filter', `label=voodu.scope=${scope}`]);
  if (ps.code !== 0) throw new Error(`docker ps (backup containers of ${formatRef(scope, name)}): ${ps.stderr.trim() || `exit ${ps.code}`}`);
  const ids = ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) return [];
  const inspect = await docker(['inspect', '--type', 'container', ...ids]);
  // A container removed between ps and inspect makes inspect exit 1 but still print the others.
  const containers = parseContainers(inspect.stdout, scope, name);
  for (const c of containers) {
    if (c.kind !== 'cronjob') continue;
    const logs = await docker(['logs', '--tail', '50', c.name]);
    c.number = idFromLog(`${logs.stdout}\n${logs.stderr}`);
  }
  return containers;
}

/**
 * @typedef {object} BackupRow
 * @property {string} id
 * @property {number} number
 * @property {'complete' | 'running' | 'failed'} status
 * @property {string} [filename]
 * @property {string} [created_at]  ISO time (from the file name)
 * @property {number} size_bytes    the file's, or what a running dump has written so far
 * @property {string} [job]         the capture job, `<name>.bk.bNNN`
 * @property {string} [container]   the newest container that worked on it
 * @property {string} [error]
 * @property {string} [path]        the file (or partial file) on the controller host
 */

/**
 * Files, partial files and containers → one row per backup, by number.
 * @param {{files: BackupFile[], partials: BackupFile[], containers: BackupContainer[]}} input
 * @returns {BackupRow[]}
 */
export function mergeListing({ files = [], partials = [], containers = [] }) {
  const rows = new Map();
  const row = (number) => {
    if (!rows.has(number)) rows.set(number, { id: formatId(number), number, status: 'failed', size_bytes: 0 });
    return rows.get(number);
  };
  const anyActive = containers.some((c) => c.active);
  const byNumber = new Map();
  for (const c of containers) if (c.number !== undefined) byNumber.set(c.number, c); // sorted oldest first: the newest wins

  for (const f of files) {
    Object.assign(row(f.number), { status: 'complete', filename: f.filename, created_at: f.createdAt.toISOString(), size_bytes: f.sizeBytes, path: f.path });
  }
  for (const [number, c] of byNumber) {
    const r = rows.get(number);
    if (r?.status === 'complete') {
      Object.assign(r, { ...(c.kind === 'job' ? { job: c.workload } : {}), container: c.name });
      continue;
    }
    if (c.active) {
      Object.assign(row(number), { status: 'running', container: c.name, ...(c.kind === 'job' ? { job: c.workload } : {}) });
    } else if (c.exitCode !== undefined && c.exitCode !== 0) {
      Object.assign(row(number), { status: 'failed', container: c.name, error: `exit ${c.exitCode}`, ...(c.kind === 'job' ? { job: c.workload } : {}) });
    }
    // Exited 0 and no file: pruned or deleted since; nothing to list.
  }
  for (const p of partials) {
    const r = rows.get(p.number);
    if (r?.status === 'complete') continue;
    const own = byNumber.get(p.number);
    const running = own ? own.active : anyActive;
    const target = row(p.number);
    Object.assign(target, {
      filename: p.filename,
      created_at: p.createdAt.toISOString(),
      size_bytes: p.sizeBytes,
      path: p.path,
      status: running ? 'running' : 'failed',
      ...(running ? {} : { error: target.error ?? 'interrupted (a partial file nobody is writing)' }),
    });
  }
  return [...rows.values()].sort((a, b) => a.number - b.number);
}

/** Every backup of scope/name with its status: files + containers. */
export async function listBackups(scope, name, env = process.env) {
  const dir = backupsHostDir(scope, name, env);
  const [{ files, partials }, containers] = await Promise.all([readBackupDir(dir), listContainers(scope, name)]);
  return { dir, files, partials, containers, rows: mergeListing({ files, partials, containers }) };
}

/**
 * The row an id names (`b7`, `b007`, `b0007` alike); an error that lists
 * the ids there are, or says how to make the first.
 * @param {BackupRow[]} rows
 */
export function resolveBackup(rows, idText, ref, flag = '<bNNN>') {
  const raw = String(idText ?? '').trim();
  if (!raw) throw new Error(`${flag}: missing; give a backup id such as b001 (see voodu pg:backups ${ref})`);
  const number = parseId(raw);
  if (number === undefined) throw new Error(`${flag} "${raw}": not a backup id; ids look like b001 (see voodu pg:backups ${ref})`);
  const found = rows.find((r) => r.number === number);
  if (found) return found;
  if (!rows.length) throw new Error(`backup ${formatId(number)}: postgres ${ref} has no backups yet; capture one with voodu pg:backups:capture ${ref}`);
  const ids = rows.map((r) => r.id);
  throw new Error(`backup ${formatId(number)}: not found for postgres ${ref}; it has ${ids.length > 12 ? `${ids.slice(0, 6).join(', ')}, …, ${ids.slice(-5).join(', ')}` : ids.join(', ')} (see voodu pg:backups ${ref})`);
}

/**
 * The clusters that have a backup directory under the root: every one, or
 * those of one scope. `_unscoped` stands for no scope.
 * @returns {Promise<{scope: string, name: string}[]>}
 */
export async function discoverClusters(scope, env = process.env) {
  // ref.js names one cluster's directory; the root is what is left of it without `<scope>/<name>`.
  const root = backupsHostDir('x', 'x', env).replace(/\/x\/x$/, '');
  const dirs = async (path) =>
    (await readdir(path, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  const scopes = scope !== undefined ? [scope || '_unscoped'] : await dirs(root);
  const out = [];
  for (const s of scopes) for (const n of await dirs(join(root, s))) out.push({ scope: s === '_unscoped' ? '' : s, name: n });
  return out;
}
