// The capture jobs through the controller: which `<name>.bk.bNNN` jobs are
// stored, a run of one followed to its end (POST /jobs/run?follow=true, the
// NDJSON stream `voodu run` reads), and the delete_manifest actions that
// tidy away jobs whose backup is gone.
import { delete_manifest } from './actions.js';
import { parseJobName } from './names.js';

/**
 * Numbers of the capture jobs stored for scope/name (GET /apply?kind=job).
 * Only used so a new id never reuses one a queued job holds; when the
 * controller cannot list (an older one), the files and containers decide alone.
 */
export async function storedJobNumbers(ctx, scope, name) {
  let list;
  try {
    list = await ctx.controller.get('/apply?kind=job');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.filter((m) => (m?.scope ?? '') === scope).map((m) => parseJobName(name, m?.name)).filter((n) => n !== undefined);
}

/**
 * delete_manifest of every capture job that finished well but whose file is
 * gone (retention or a delete removed it): its container goes with it. Failed
 * jobs stay, so the listing keeps showing them until backups:delete or prune.
 * @param {{files: {number: number}[], containers: import('./listing.js').BackupContainer[]}} listing
 */
export function staleJobActions(scope, listing) {
  const files = new Set(listing.files.map((f) => f.number));
  const seen = new Set();
  const actions = [];
  for (const c of listing.containers) {
    if (c.kind !== 'job' || c.active || c.exitCode !== 0 || files.has(c.number) || seen.has(c.workload)) continue;
    seen.add(c.workload);
    actions.push(delete_manifest('job', scope, c.workload, `removed finished job ${scope}/${c.workload} (its file is gone)`));
  }
  return actions;
}

/**
 * Runs the stored job scope/job once and follows it: each output line is
 * handed to `onLog` as it comes; resolves `{run, logs}` with the outcome
 * and the last lines. Rejects when the controller refuses the run.
 * @param {string | undefined} controllerUrl
 * @param {{fetch?: typeof fetch, onLog?: (line: string) => void, keepLines?: number}} [opts]
 */
export async function followJobRun(controllerUrl, scope, job, opts = {}) {
  const base = String(controllerUrl ?? '').replace(/\/+$/, '');
  if (!base) throw new Error('POST /jobs/run: no controller URL (controller_url on stdin or VOODU_CONTROLLER_URL); run the command through the voodu CLI');
  const doFetch = opts.fetch ?? fetch;
  const q = new URLSearchParams({ scope, name: job, follow: 'true' });
  let res;
  try {
    res = await doFetch(`${base}/jobs/run?${q}`, { method: 'POST' });
  } catch (err) {
    throw new Error(`controller POST /jobs/run: ${err?.cause?.code ?? err?.message ?? String(err)}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || !type.includes('ndjson') || !res.body) {
    const text = await res.text().catch(() => '');
    let why = text.slice(0, 300);
    try {
      const body = JSON.parse(text);
      if (body?.data?.run_id) return { run: body.data, logs: [] };
      why = body?.error ?? why;
    } catch {
      // not JSON: the text itself
    }
    throw new Error(`controller POST /jobs/run (${scope}/${job}): ${res.status} ${why}`);
  }
  const keep = opts.keepLines ?? 40;
  const logs = [];
  let run;
  let skipped;
  let partialLine = '';
  const handle = (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof msg.log === 'string') {
      partialLine += msg.log;
      const parts = partialLine.split('\n');
      partialLine = parts.pop() ?? '';
      for (const l of parts) {
        logs.push(l);
        if (logs.length > keep) logs.shift();
        opts.onLog?.(l);
      }
    } else if (msg.run && typeof msg.run.run_id === 'string') {
      run = msg.run;
    } else if (typeof msg.skipped === 'string') {
      skipped = msg.skipped;
    }
  };
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let cut;
    while ((cut = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, cut));
      buffered = buffered.slice(cut + 1);
    }
  }
  handle(buffered + decoder.decode());
  if (partialLine) {
    logs.push(partialLine);
    opts.onLog?.(partialLine);
  }
  if (skipped) throw new Error(`controller did not run ${scope}/${job}: ${skipped}`);
  if (!run) throw new Error(`controller POST /jobs/run (${scope}/${job}): the stream ended before the run did; see voodu describe job ${scope}/${job}`);
  return { run, logs };
}
