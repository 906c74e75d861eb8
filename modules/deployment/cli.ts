/**
 * `voodu restart <ref>` and `voodu rollback <ref> [release_id]`
 * (docs/cli.md). CLI side only: both wait for
 * the rollout by default, so the exit code says whether it worked.
 */
import { parseOutput, printJson } from '../../cli/output.js';
import { followRollout } from '../../cli/rollout-progress.js';
import { outputOption, type Verb, type VerbContext } from '../../cli/verb.js';
import { parseRef } from '../../cli/refs.js';

interface RestartAnswer {
  scope: string;
  name: string;
  kind: string;
  unfroze: string[];
  replicas: number;
}

interface RollbackAnswer {
  scope: string;
  name: string;
  kind: string;
  rolled_back_to: string;
  new_release: string;
}


const kindOption = { flags: '--kind', description: 'deployment or statefulset (default: whichever exists)' };
const waitOption = { flags: '--wait', description: 'wait for the rollout to finish (--no-wait: return once it is scheduled)', default: true };

/** A rollout takes as long as its replicas take to get ready: no client timeout while waiting. */
const timeoutFor = (wait: boolean) => (wait ? 0 : undefined);

function emit(ctx: VerbContext, opts: Record<string, unknown>, value: unknown): boolean {
  if (parseOutput(opts.output ?? opts.o ?? ctx.output) !== 'json') return false;
  printJson(ctx.stdout, value);
  return true;
}

export const restart: Verb = {
  name: 'restart',
  args: '<ref>',
  description: 'Rolling restart of every replica, one at a time, each successor ready before its predecessor goes; lifts freezes first',
  options: [kindOption, waitOption, outputOption],
  output: true,
  examples: ['restart prod/api', 'restart prod/api --no-wait', 'restart data/pg --kind statefulset'],
  async run(ctx, args, opts) {
    const { scope, name } = parseRef(args[0]);
    const wait = opts.wait !== false;
    const kind = typeof opts.kind === 'string' ? opts.kind : undefined;
    const progress = wait ? followRollout(ctx, { ...(kind ? { kind } : {}), ...(scope ? { scope } : {}), name }, 'restart') : undefined;
    const answer = await ctx.client
      .data<RestartAnswer>('POST', '/restart', {
        query: { kind, scope, name, wait },
        ...(timeoutFor(wait) !== undefined && { timeoutMs: timeoutFor(wait) }),
      })
      .finally(() => progress?.stop());
    if (emit(ctx, opts, answer)) return 0;
    const ref = `${answer.kind}/${answer.scope}/${answer.name}`;
    if (answer.unfroze.length) ctx.stdout.write(`unfroze ${answer.unfroze.join(', ')}\n`);
    ctx.stdout.write(wait ? `${ref} restarted (${answer.replicas} replica(s))\n` : `${ref} restart of ${answer.replicas} replica(s) scheduled\n`);
    return 0;
  },
};

export const rollback: Verb = {
  name: 'rollback',
  args: '<ref> [release_id]',
  description: 'Return a deployment or statefulset to an earlier release (default: the newest succeeded one with a different spec)',
  options: [kindOption, waitOption, outputOption],
  output: true,
  examples: ['rollback prod/api', 'rollback prod/api lq2x8k3f', 'rollback data/pg --kind statefulset', 'rollback prod/api -o json'],
  async run(ctx, args, opts) {
    const { scope, name } = parseRef(args[0]);
    const wait = opts.wait !== false;
    const kind = typeof opts.kind === 'string' ? opts.kind : undefined;
    const progress = wait ? followRollout(ctx, { ...(kind ? { kind } : {}), ...(scope ? { scope } : {}), name }, 'rollback') : undefined;
    const answer = await ctx.client
      .data<RollbackAnswer>('POST', '/rollback', {
        query: { kind, scope, name, release_id: args[1], wait },
        ...(timeoutFor(wait) !== undefined && { timeoutMs: timeoutFor(wait) }),
      })
      .finally(() => progress?.stop());
    if (emit(ctx, opts, answer)) return 0;
    ctx.stdout.write(
      `${answer.kind}/${answer.scope}/${answer.name} rolled back to ${answer.rolled_back_to} as release ${answer.new_release}${wait ? '' : ' (rolling out)'}\n`,
    );
    return 0;
  },
};

export const verbs: Verb[] = [restart, rollback];
