/**
 * `voodu events [ref] [-f] [-o json]`: the event logs of one resource, of a
 * scope, or of everything; `-f` keeps following as new lines land.
 */
import { once } from 'node:events';
import { CliError } from '../../cli/client.js';
import { eventLine, eventTable, type EventLine } from '../../cli/events-format.js';
import { parseOutput, printJson } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';

/** `<scope>`, `<scope>/<name>` or `<kind>/<scope>/<name>` (the form event lines print). */
export function eventTarget(ref: string | undefined, kind: string | undefined): { kind?: string; scope?: string; name?: string } {
  if (!ref) return kind ? { kind } : {};
  const parts = ref.split('/');
  if (parts.some((p) => !p) || parts.length > 3) throw new CliError(`"${ref}" is not an event target; use <scope>, <scope>/<name> or <kind>/<scope>/<name>`);
  if (parts.length === 3) {
    if (kind && kind !== parts[0]) throw new CliError(`--kind ${kind} contradicts "${ref}"`);
    return { kind: parts[0]!, scope: parts[1]!, name: parts[2]! };
  }
  return { ...(kind ? { kind } : {}), scope: parts[0]!, ...(parts[1] ? { name: parts[1] } : {}) };
}

export const events: Verb = {
  name: 'events',
  args: '[ref]',
  description: 'What happened to resources: created, pulled, ready, died, repaired, rolled, failed — with counts; -f follows',
  options: [
    { flags: '-f, --follow', description: 'keep printing new events as they happen' },
    { flags: '--kind', description: 'only this kind (deployment, statefulset, job, …)' },
    { flags: '--limit', description: 'only the newest N events (default 50; 0 = all)' },
    outputOption,
  ],
  output: true,
  examples: ['events', 'events prod', 'events prod/api', 'events deployment/prod/api -f', 'events prod -o json'],
  async run(ctx, args, opts) {
    const json = parseOutput(opts.output ?? opts.o ?? ctx.output) === 'json';
    const target = eventTarget(args[0], typeof opts.kind === 'string' ? opts.kind : undefined);
    const limit = opts.limit === undefined ? 50 : Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new CliError(`--limit: ${JSON.stringify(String(opts.limit))} is not a count; use a whole number (0 = all)`);
    const query = { ...target, ...(limit ? { limit } : {}) };
    if (!(opts.follow ?? opts.f)) {
      const list = await ctx.client.data<EventLine[]>('GET', '/events', { query });
      if (json) printJson(ctx.stdout, list);
      else ctx.stdout.write(list.length ? eventTable(list, !target.name) : 'No events.\n');
      return 0;
    }
    const res = await ctx.client.fetch('GET', '/events', { query: { ...query, follow: true }, timeoutMs: 0 });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new CliError(body.error ?? `controller returned ${res.status}`);
    }
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of res.body) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const text = json ? `${line}\n` : eventLine(JSON.parse(line) as EventLine);
        if (!ctx.stdout.write(text)) await once(ctx.stdout, 'drain');
      }
    }
    return 0;
  },
};

export const verbs: Verb[] = [events];
