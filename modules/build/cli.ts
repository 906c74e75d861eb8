/**
 * `voodu build-context`: the host's half of build mode over SSH. The laptop
 * packs the context (so `.dockerignore` and the symlink checks run where
 * the files are) and runs this verb on the host with the tar on stdin; it
 * hands the tar to the local controller's `POST /builds` as it comes and
 * streams the build log back. `--check` only answers whether the build is
 * there already (exit 0) or not (exit 3), so an unchanged context is never
 * sent. Not meant to be typed: `voodu apply -r <remote>` runs it.
 */
import type { Readable } from 'node:stream';
import { CliError } from '../../cli/client.js';
import type { Verb } from '../../cli/verb.js';
import { appId } from '../../lib/identity.js';
import { BUILDS_PATH, BUILD_CONTENT_TYPE, BUILD_MISSING_EXIT, type BuildInfo, type BuildResult } from './contract.js';

/** The build's parameters, one JSON argument (flags would turn an all-digit build ID into a number). */
interface BuildArgument {
  scope?: string;
  names: string;
  id: string;
  bytes?: number;
  dockerfile?: string;
  target?: string;
  args?: string;
  keep?: number;
}

function parseArgument(text: string | undefined): BuildArgument {
  let v: unknown;
  try {
    v = JSON.parse(text ?? '');
  } catch {
    throw new CliError('build-context takes one JSON argument: {"names": "web", "id": "<build id>", "bytes": <tar size>, …}');
  }
  const b = v as Partial<BuildArgument> | null;
  if (!b || typeof b !== 'object' || typeof b.names !== 'string' || !b.names) throw new CliError('build-context: "names" (the workloads, comma-separated) is required');
  if (typeof b.id !== 'string' || !b.id) throw new CliError('build-context: "id" (the build ID) is required');
  return b as BuildArgument;
}

const buildContext: Verb = {
  name: 'build-context',
  args: '<build>',
  description: 'Build a context read from stdin (a tar) on this host; what `voodu apply` over SSH runs',
  options: [{ flags: '--check', description: `exit 0 when the build is on this host, ${BUILD_MISSING_EXIT} when not; reads nothing` }],
  output: true,
  examples: [
    `build-context '{"scope":"shop","names":"web","id":"3f2a9c1b7d4e"}' --check`,
    `build-context '{"scope":"shop","names":"web","id":"3f2a9c1b7d4e","bytes":10240}' < context.tar`,
  ],
  async run(ctx, args, opts) {
    const b = parseArgument(args[0]);
    const scope = b.scope ?? '';
    if (opts.check === true) {
      const apps = b.names.split(',').map((n) => appId(scope, n.trim()));
      const known = await Promise.all(apps.map((app) => ctx.client.data<BuildInfo>('GET', `${BUILDS_PATH}/${encodeURIComponent(app)}/${encodeURIComponent(b.id)}`)));
      return known.every((k) => k.exists) ? 0 : BUILD_MISSING_EXIT;
    }
    if (!Number.isInteger(b.bytes) || (b.bytes ?? 0) <= 0) throw new CliError('build-context: "bytes" (the size of the tar on stdin) is required');
    const answer = await ctx.client.requestWithProgress<{ data: BuildResult }>('POST', BUILDS_PATH, (line) => ctx.stderr.write(`${line}\n`), {
      query: { scope: scope || undefined, names: b.names, id: b.id, dockerfile: b.dockerfile, target: b.target, args: b.args, keep: b.keep },
      upload: { stream: ctx.stdin as Readable, length: b.bytes!, contentType: BUILD_CONTENT_TYPE },
      timeoutMs: 0,
    });
    if (ctx.output === 'json') ctx.stdout.write(`${JSON.stringify(answer.data)}\n`);
    return 0;
  },
};

export const verbs: Verb[] = [buildContext];
