/**
 * `voodu apply -f Procfile`: the Procfile's manifests (cli/build/procfile.ts)
 * go through the same build and apply as HCL ones; what is Procfile-only
 * lives here: `--eject`, and the `release` process, which runs as a job
 * once the build is in and before the processes roll — the release
 * command of a Heroku-style deploy. A failed release applies nothing else,
 * so the previous release keeps serving.
 */
import { resolve } from 'node:path';
import type { Manifest } from '../../lib/identity.js';
import { CliError, type ControllerClient } from '../client.js';
import type { LoadedManifest } from '../hcl/load.js';
import { RELEASE_TYPE, procfileApp, type ProcfileApp } from './procfile.js';

export interface ProcfileLoad {
  app: ProcfileApp;
  loaded: LoadedManifest[];
  /** The release job, run before the rest is applied. */
  release: Manifest | undefined;
}

export async function loadProcfile(files: string[], app: string | undefined, cwd: string): Promise<ProcfileLoad> {
  if (files.length !== 1) throw new CliError('-f Procfile: a Procfile is applied alone; apply other manifests with their own `voodu apply`');
  const path = resolve(cwd, files[0]!);
  const procfile = await procfileApp(path, app !== undefined ? { app } : {});
  const loaded = procfile.manifests.map((manifest) => ({ manifest, source: files[0]!, dir: procfile.dir }));
  const release = procfile.manifests.find((m) => m.kind === 'job' && m.name === RELEASE_TYPE);
  return { app: procfile, loaded, release };
}

/** Stores the release job and runs it to the end, its output on `out`; a failure throws. */
export async function runRelease(client: ControllerClient, job: Manifest, out: (line: string) => void): Promise<void> {
  await client.data('POST', '/apply', { body: [job] });
  out(`-----> Running the release command of ${job.scope}`);
  const res = await client.fetch('POST', '/jobs/run', { query: { scope: job.scope, name: job.name, follow: 'true' }, timeoutMs: 0 });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let error: string | undefined;
    try {
      error = (JSON.parse(text) as { error?: string }).error;
    } catch {
      error = undefined;
    }
    throw new CliError(`release: ${error ?? `controller returned ${res.status}`}`);
  }
  let run: { status?: string; exit_code?: number; error?: string } | undefined;
  let buffered = '';
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (!line.trim()) return;
    const item = JSON.parse(line) as { log?: string; run?: typeof run; skipped?: string };
    if (typeof item.log === 'string') for (const l of item.log.replace(/\n$/, '').split('\n')) out(`       ${l}`);
    if (item.run) run = item.run;
    if (item.skipped) out(`-----> Release not run: ${item.skipped}`);
  };
  for await (const chunk of res.body) {
    const lines = (buffered + decoder.decode(chunk, { stream: true })).split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(buffered);
  if (run?.status !== 'succeeded') {
    throw new CliError(
      `the release command failed${run?.exit_code !== undefined ? ` (exit ${run.exit_code})` : ''}${run?.error ? `: ${run.error}` : ''}; nothing else was applied, the previous release keeps serving`,
    );
  }
  out('-----> Release command succeeded');
}
