/**
 * Manifest verbs over SSH: the HCL is read and evaluated HERE (so `file()`
 * reads the laptop's files) and the host gets the JSON on stdin. `apply` is
 * two-phase: the host's dry run, the plan rendered here, a confirmation,
 * then the host's apply, which waits on the rollouts it started.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from './client.js';
import { ansiColors, buildPlan, hasChanges, noColors, renderPlan, refOf, type DryRun, type WireManifest } from './diff.js';
import { autoApproved, confirm } from './prompt.js';
import type { Remote } from './remote/store.js';
import { describeRemote, preflight, runRemote, type SshIo } from './ssh.js';
import type { BuildTransport } from './build/apply-builds.js';
import type { LoadedManifest } from './hcl/load.js';
import { isProcfilePath, needsBuild } from './build/targets.js';
import { BUILD_MISSING_EXIT } from '../modules/build/contract.js';

interface ManifestFlags {
  files: string[];
  format?: string;
  approved: boolean;
  output?: string;
  prune: boolean;
  /** Everything else, passed on to the host's verb as typed. */
  rest: string[];
}

const VALUE = new Set(['-f', '--file', '--format', '-o', '--output']);

export function parseManifestFlags(args: string[]): ManifestFlags {
  const flags: ManifestFlags = { files: [], approved: false, prune: false, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CliError(`${name} needs a value`);
      if (name === '-f' || name === '--file') flags.files.push(value);
      else if (name === '--format') flags.format = value;
      else flags.output = value;
    } else if (arg === '-y' || arg === '--auto-approve') flags.approved = true;
    else if (arg === '--prune') flags.prune = true;
    else flags.rest.push(arg);
  }
  return flags;
}

/**
 * The HCL pipeline runs here, as `loadFromFlags` runs it locally, except that
 * config buckets (`env_from`, `${VAR}` from a block's own bucket) are read
 * from the HOST's controller, over ssh.
 */
async function load(remote: Remote, globals: string[], flags: ManifestFlags, io: SshIo): Promise<WireManifest[]> {
  return (await loadWithDirs(remote, globals, flags, io)).map((l) => l.manifest as WireManifest);
}

async function loadWithDirs(remote: Remote, globals: string[], flags: ManifestFlags, io: SshIo): Promise<LoadedManifest[]> {
  if (flags.files.some(isProcfilePath)) {
    throw new CliError(
      'Procfile mode runs against this host\'s controller only, for now; to deploy it over SSH, write its HCL with `voodu apply -f Procfile --eject` and apply that (then `voodu run <scope>/release` for the release command)',
    );
  }
  if (flags.files.length === 0) throw new CliError('no manifests given; pass -f FILE (a file, a directory, or - for stdin with --format hcl|json)');
  if (flags.format !== undefined && flags.format !== 'hcl' && flags.format !== 'json') throw new CliError(`--format: "${flags.format}" is not a format; use hcl or json`);
  let stdin: string | undefined;
  if (flags.files.includes('-')) {
    if (process.stdin.isTTY) throw new CliError('-f - reads manifests from stdin, but stdin is a terminal; pipe them in');
    stdin = await readFile('/dev/stdin', 'utf8');
  }
  const { loadManifests } = await import('./hcl/index.js');
  const loaded = await loadManifests({
    files: flags.files,
    ...(flags.format ? { format: flags.format as 'hcl' | 'json' } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    cwd: process.cwd(),
    env: io.env,
    fetchBucket: async (scope: string, name?: string) => {
      const ref = name ? `${scope}/${name}` : scope;
      const res = await runRemote(remote, [...globals, '-o', 'json', 'config', ref, 'list'], io, { capture: true, quiet: true, input: '' });
      if (res.code !== 0) throw new Error(res.stderr.trim().replace(/^voodu:\s*/, '') || `config ${ref} exited ${res.code}`);
      return JSON.parse(res.stdout) as Record<string, string>;
    },
  });
  return loaded;
}

/**
 * Build mode over SSH: the contexts are packed here, where the files are,
 * and each build the host lacks goes to its `voodu build-context` on stdin;
 * the build IDs are stamped on the manifests the host then applies.
 */
async function buildOnHost(remote: Remote, globals: string[], loaded: LoadedManifest[], io: SshIo, stampOnly: boolean): Promise<void> {
  if (!loaded.some((l) => needsBuild(l.manifest))) return;
  const builds = await import('./build/apply-builds.js');
  const targets = builds.buildTargets(loaded);
  if (stampOnly) return builds.stampBuildIds(targets, io.env);
  const transport: BuildTransport = {
    async has(g) {
      const arg = JSON.stringify({ scope: g.scope, names: g.names.join(','), id: g.packed.id });
      const res = await runRemote(remote, [...globals, 'build-context', arg, '--check'], io, { capture: true, quiet: true, input: '' });
      if (res.code === 0) return true;
      if (res.code === BUILD_MISSING_EXIT) return false;
      throw new CliError(res.stderr.trim().replace(/^voodu:\s*/, '') || `build-context --check exited ${res.code} on ${describeRemote(remote)}`);
    },
    async send(g, query, progress) {
      progress(`-----> Streaming it to ${describeRemote(remote)} over ssh`);
      const res = await runRemote(remote, [...globals, 'build-context', JSON.stringify({ ...query, bytes: g.packed.bytes })], { ...io, stdin: builds.withUploadProgress(g.packed.stream(), g.packed.bytes, progress) }, {});
      if (res.code !== 0) throw new CliError(`the build on ${describeRemote(remote)} failed (its log is above); nothing was applied`);
    },
  };
  await builds.buildWith(transport, targets, { progress: (line) => io.stderr.write(`${line}\n`) }, io.env);
}

const outArgs = (output: string | undefined) => (output ? ['-o', output] : []);
const colorsFor = (io: SshIo) => ((io.stdout as NodeJS.WriteStream).isTTY && !io.env.NO_COLOR ? ansiColors : noColors);

export async function forwardDiff(remote: Remote, globals: string[], args: string[], io: SshIo): Promise<number> {
  const flags = parseManifestFlags(args);
  const loaded = await loadWithDirs(remote, globals, flags, io);
  await buildOnHost(remote, globals, loaded, io, true);
  const manifests = loaded.map((l) => l.manifest);
  const remoteArgs = [...globals, 'diff', '--file=-', '--format', 'json', ...(flags.prune ? ['--prune'] : []), ...flags.rest, ...outArgs(flags.output)];
  return (await runRemote(remote, remoteArgs, io, { input: JSON.stringify(manifests) })).code;
}

export async function forwardDelete(remote: Remote, globals: string[], args: string[], io: SshIo): Promise<number> {
  const flags = parseManifestFlags(args);
  const manifests = await load(remote, globals, flags, io);
  // The host has no terminal to ask on: the question is asked here, then the host is told -y.
  if (!autoApproved(io.env, flags.approved)) {
    io.stderr.write(`Will delete ${manifests.length} resource(s) on ${describeRemote(remote)}:\n${manifests.map((m) => `  - ${refOf(m)}`).join('\n')}\n`);
    const ok = await confirm('Delete these resources? [y/N]: ', 'refusing to delete in non-interactive mode without --auto-approve (or VOODU_AUTO_APPROVE=1)', io.stderr);
    if (!ok) {
      io.stderr.write('Delete canceled.\n');
      return 1;
    }
  }
  const remoteArgs = [...globals, 'delete', '--file=-', '--format', 'json', '-y', ...(flags.prune ? ['--prune'] : []), ...flags.rest, ...outArgs(flags.output)];
  return (await runRemote(remote, remoteArgs, io, { input: JSON.stringify(manifests) })).code;
}

export async function forwardApply(remote: Remote, globals: string[], args: string[], io: SshIo): Promise<number> {
  const flags = parseManifestFlags(args);
  const loaded = await loadWithDirs(remote, globals, flags, io);
  await preflight(remote, io, globals);
  // Built before the plan: the plan shows the build IDs the host will run, and a failed build applies nothing.
  await buildOnHost(remote, globals, loaded, io, false);
  const input = JSON.stringify(loaded.map((l) => l.manifest));
  const prune = flags.prune ? ['--prune'] : [];
  const dryRun = await runRemote(remote, [...globals, 'diff', '--file=-', '--format', 'json', '-o', 'json', ...prune], io, { input, capture: true });
  if (dryRun.code !== 0) return dryRun.code;
  let dry: DryRun;
  try {
    dry = JSON.parse(dryRun.stdout) as DryRun;
  } catch {
    throw new CliError(`the dry run on ${describeRemote(remote)} did not answer JSON (is its voodu the same version as this one?)`);
  }
  const plan = buildPlan(dry);
  // With -o json the plan goes to stderr, so stdout stays the apply's JSON.
  const planOut = flags.output === 'json' || flags.output === 'yaml' ? io.stderr : io.stdout;
  if (!hasChanges(plan)) {
    planOut.write('No changes. Nothing to apply.\n');
    return 0;
  }
  planOut.write(renderPlan(plan, planOut === io.stdout ? colorsFor(io) : noColors));
  if (!autoApproved(io.env, flags.approved)) {
    const ok = await confirm('Apply these changes? [y/N]: ', 'refusing to apply in non-interactive mode without --auto-approve (or VOODU_AUTO_APPROVE=1)', io.stderr);
    if (!ok) {
      io.stderr.write('Apply canceled.\n');
      return 1;
    }
  }
  // The host's `voodu apply` follows the rollouts it started (its progress lines arrive on stderr) and its exit code is ours.
  const applied = await runRemote(remote, [...globals, 'apply', '--file=-', '--format', 'json', '-y', ...prune, ...flags.rest, ...outArgs(flags.output)], io, { input });
  return applied.code;
}
