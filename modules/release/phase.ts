/**
 * One release command: a one-shot container of
 * the release's image with the workload's env files, env_from, volumes and
 * networks — but no DNS aliases (nothing may resolve the service to a
 * migration), no ports, no restart policy. Its output is streamed while it
 * runs; it is killed at the timeout and always removed afterwards.
 *
 * Named `<appId>.<releaseId>[-pre|-post]` and labelled with the
 * deployment's identity and `voodu.role=release`: `workload.listAll` (and
 * so a deployment's delete) finds it, while replica listings, the
 * reconciler's container events and rollouts leave it alone.
 */
import type { Readable } from 'node:stream';
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { replicaContainerName } from '../../lib/resource-names.js';
import type { ContainerSpec, Runtime } from '../runtime/contract.js';
import { LABELS, type EnvSync, type Workload, type WorkloadService } from '../workload/contract.js';
import { OUTPUT_INDENT, RELEASE_ROLE } from './contract.js';

export type Phase = 'pre_command' | 'command' | 'post_command';

export interface PhaseDeps {
  runtime: Runtime;
  workload: WorkloadService;
  log: Logger;
}

export interface PhaseRun {
  w: Workload;
  env: EnvSync;
  hash: string;
  releaseId: string;
  phase: Phase;
  argv: string[];
  timeoutMs: number;
  /** Receives whole lines of the container's output (stdout and stderr), already indented. */
  line(text: string): void;
}

export interface PhaseOutcome {
  /** -1 when the container never started or was killed at the timeout. */
  exitCode: number;
  /** Why it failed, for the banner and the record: `exit 3`, `timed out after 600 s`, `could not start: …`. */
  failure?: string;
}

const SUFFIX: Record<Phase, string> = { pre_command: '-pre', command: '', post_command: '-post' };

export const phaseContainerName = (w: Workload, releaseId: string, phase: Phase) => replicaContainerName(w.appId, `${releaseId}${SUFFIX[phase]}`);

export async function runPhase(d: PhaseDeps, p: PhaseRun): Promise<PhaseOutcome> {
  const replicaId = `${p.releaseId}${SUFFIX[p.phase]}`;
  const name = phaseContainerName(p.w, p.releaseId, p.phase);
  const base = await d.workload.containerSpec(p.w, p.env, { name, replicaId, aliases: [], hash: p.hash, releaseId: p.releaseId });
  const spec: ContainerSpec = {
    ...base,
    command: p.argv,
    labels: { ...base.labels, [LABELS.role]: RELEASE_ROLE },
    env: { ...base.env, VOODU_RELEASE_ID: p.releaseId, VOODU_RELEASE_PHASE: p.phase },
    aliases: [],
    restart: 'no',
  };
  delete spec.ports;
  // A container left by a controller that died mid-release would hold the name.
  await d.runtime.remove(name, { force: true });
  try {
    try {
      await d.runtime.run(spec);
    } catch (err) {
      return { exitCode: -1, failure: `could not start: ${messageOf(err)}` };
    }
    const logs = await d.runtime.logs(name, { follow: true });
    const pumped = Promise.all([pumpLines(logs.stdout, p.line), pumpLines(logs.stderr, p.line)]);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      d.runtime.wait(name).then((code) => ({ code })),
      new Promise<{ timeout: true }>((resolve) => {
        timer = setTimeout(() => resolve({ timeout: true }), p.timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if ('timeout' in outcome) {
      // Killed at once: a PID 1 that ignores SIGTERM would otherwise get 10 more seconds.
      await d.runtime.stop(name, { timeoutSec: 0 }).catch((err) => d.log.warn(`${name}: kill after timeout: ${messageOf(err)}`));
    }
    // The log ends with the container; a bounded wait so a stuck stream cannot hold the release.
    await Promise.race([logs.done, new Promise((r) => setTimeout(r, 5000).unref())]);
    logs.close();
    await pumped;
    if ('timeout' in outcome) return { exitCode: -1, failure: `timed out after ${formatMs(p.timeoutMs)}; killed` };
    return outcome.code === 0 ? { exitCode: 0 } : { exitCode: outcome.code, failure: `exit ${outcome.code}` };
  } finally {
    await d.runtime.remove(name, { force: true }).catch((err) => d.log.warn(`${name}: could not remove: ${messageOf(err)}`));
  }
}

/** Splits a stream into lines (a last line without newline included) and hands each on, indented. */
async function pumpLines(stream: Readable, line: (text: string) => void): Promise<void> {
  let partial = '';
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) line(OUTPUT_INDENT + part.replace(/\r$/, ''));
    }
  } catch {
    // a log stream torn down by close() ends the output, nothing more
  }
  if (partial) line(OUTPUT_INDENT + partial.replace(/\r$/, ''));
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
