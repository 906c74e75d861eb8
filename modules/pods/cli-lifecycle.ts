/**
 * `voodu stop <ref>` and `voodu start <ref>`.
 * Stop freezes by default so reconciles leave the replica down; start asks
 * the controller to recreate a managed pod from its manifest.
 */
import { CliError } from '../../cli/client.js';
import type { Verb } from '../../cli/verb.js';
import { emit, formatOf, outputOption } from './cli-format.js';
import { parsePodRef, targetPods } from './cli-refs.js';

const REF_HELP = 'REF is a container name (prod-api.a1b2), <scope>/<name>.<replica>, or <scope>/<name> for every replica';

/** A whole scope is too broad to stop or start by accident. */
function podRefOf(ref: string | undefined) {
  const r = parsePodRef(ref);
  if (!('pod' in r) && !r.name) throw new CliError(`"${ref}" names a whole scope; give <scope>/<name>, <scope>/<name>.<replica> or a container name`);
  return r;
}

export const stop: Verb = {
  name: 'stop',
  args: '<ref>',
  description: `Stop pods. By default each replica is also frozen, so reconciles and rolling restarts leave it down until \`voodu start\`. ${REF_HELP}`,
  options: [{ flags: '--freeze', description: 'freeze the stopped replicas (--no-freeze: only stop them)', default: true }, outputOption],
  output: true,
  examples: ['stop prod/api', 'stop prod/db.1', 'stop prod-api.a1b2 --no-freeze'],
  async run(ctx, args, opts) {
    const fmt = formatOf(ctx, opts);
    const freeze = opts.freeze !== false;
    const names = await targetPods(ctx.client, podRefOf(args[0]));
    const results: { name: string; freeze: boolean }[] = [];
    for (const name of names) {
      const r = await ctx.client.data<{ name: string; freeze: boolean }>('POST', `/pods/${encodeURIComponent(name)}/stop`, { query: { freeze } });
      results.push(r);
      if (fmt === 'text') ctx.stdout.write(`- ${r.name} stopped${r.freeze ? ' (frozen)' : ''}\n`);
    }
    emit(ctx, fmt, results);
    return 0;
  },
};

export const start: Verb = {
  name: 'start',
  args: '<ref>',
  description:
    'Start pods. A managed pod is unfrozen and recreated from its manifest (fresh env and spec); a container without voodu identity is just started. ' +
    REF_HELP,
  options: [outputOption],
  output: true,
  examples: ['start prod/api', 'start prod/db.1', 'start prod-api.a1b2'],
  async run(ctx, args, opts) {
    const fmt = formatOf(ctx, opts);
    const names = await targetPods(ctx.client, podRefOf(args[0]));
    const results: { name: string; recreated: boolean; unfroze: boolean }[] = [];
    for (const name of names) {
      const r = await ctx.client.data<{ name: string; recreated: boolean; unfroze: boolean }>('POST', `/pods/${encodeURIComponent(name)}/start`);
      results.push(r);
      if (fmt !== 'text') continue;
      const what = r.recreated
        ? `recreated (${r.unfroze ? 'unfrozen, ' : ''}fresh env from manifest)`
        : `started${r.unfroze ? ' (unfrozen)' : ''}`;
      ctx.stdout.write(`+ ${r.name} ${what}\n`);
    }
    emit(ctx, fmt, results);
    return 0;
  },
};
