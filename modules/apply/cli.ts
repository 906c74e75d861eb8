/**
 * CLI verbs of the apply module: apply, diff, get, describe, delete.
 * Imports only from cli/ and lib/ (and the kernel's identity types).
 */
import { CliError } from '../../cli/client.js';
import { ansiColors, buildPlan, hasChanges, noColors, redactDryRun, renderPlan, type DryRun, type WireManifest } from '../../cli/diff.js';
import { keyedDigest, redactManifest } from '../../lib/manifest/redact.js';
import { fileList, loadFromFlags, loadWithSources } from '../../cli/manifests.js';
import { join } from 'node:path';
import { isProcfilePath, needsBuild } from '../../cli/build/targets.js';
import type { Manifest } from '../../lib/identity.js';
import type { LoadedManifest } from '../../cli/hcl/load.js';
import { printJson, table } from '../../cli/output.js';
import { autoApproved, confirm } from '../../cli/prompt.js';
import type { Verb, VerbContext, VerbOption } from '../../cli/verb.js';
import { toYaml } from '../../cli/yaml.js';
import { RELEASES_RUN_PATH } from '../release/contract.js';
import { followReleaseStream, wantsRelease } from '../../cli/release-stream.js';
import { parseRef } from '../../cli/refs.js';
import { waitForRollouts } from '../../cli/rollout-wait.js';
import { eventTable, type EventLine } from '../../cli/events-format.js';

const fileOptions: VerbOption[] = [
  { flags: '-f, --file', description: 'manifest file, directory, or - for stdin (repeatable)' },
  { flags: '--format', description: 'hcl or json (required with -f -)' },
];
const outputYaml: VerbOption = { flags: '-o, --output', description: 'output format: text, json or yaml' };

type Format = 'text' | 'json' | 'yaml';
function format(ctx: VerbContext, opts: Record<string, unknown>): Format {
  const v = opts.output ?? opts.o ?? ctx.output;
  if (v === 'yaml' || v === 'yml') return 'yaml';
  if (v === 'json') return 'json';
  if (v === undefined || v === 'text' || v === true) return 'text';
  throw new CliError(`-o/--output: "${String(v)}" is not a format; use text, json or yaml`);
}

function emit(ctx: VerbContext, fmt: Format, value: unknown): boolean {
  if (fmt === 'json') printJson(ctx.stdout, value);
  else if (fmt === 'yaml') ctx.stdout.write(toYaml(value));
  else return false;
  return true;
}

const colorsFor = (ctx: VerbContext) =>
  (ctx.stdout as NodeJS.WriteStream).isTTY && !ctx.env.NO_COLOR ? ansiColors : noColors;

interface ApplyAnswer extends DryRun {
  plugin_expansions?: { from: string; to: string[] }[];
  /** Plugins installed on the fly for block kinds no installed plugin owned. */
  plugin_installs?: { plugin: string; version?: string; source: string }[];
  actions?: string[];
  /** The store revision of the commit, and the workloads whose rollout it started (`voodu apply` waits on them). */
  revision?: number;
  rollouts?: string[];
  /** Resources the store already held exactly so: nothing was written for them. */
  unchanged?: string[];
}

/** `90`, `90s`, `5m`, `1h` → ms; the flag's name in the error. */
export function parseTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(value).trim());
  if (!m || Number(m[1]) <= 0) throw new CliError(`--timeout: ${JSON.stringify(String(value))} is not a duration; use seconds (90) or 90s, 5m, 1h`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

/**
 * The build-mode workloads among `loaded`, with the build code (and its tar
 * library) imported only when there is one: a plain apply never loads it.
 */
async function buildsOf(loaded: LoadedManifest[]) {
  if (!loaded.some((l) => needsBuild(l.manifest))) return undefined;
  const build = await import('../../cli/build/apply-builds.js');
  return { build, targets: build.buildTargets(loaded) };
}

export const apply: Verb = {
  name: 'apply',
  description: 'Apply manifests: validate, expand and store them as desired state',
  options: [
    ...fileOptions,
    { flags: '--prune', description: 'also delete stored resources of the same kind and scope that the files no longer declare' },
    { flags: '-y, --auto-approve', description: 'do not ask before pruning (also VOODU_AUTO_APPROVE=1)' },
    { flags: '--wait', description: 'follow the rollouts this apply started until they converge, and fail if one fails (--no-wait: return once stored)', default: true },
    { flags: '--timeout', description: 'give up waiting after this long: 90, 90s, 5m (default: from the workloads\' readiness deadlines)' },
    { flags: '--app', description: 'Procfile mode: the scope of the app (saved to .voodu/app.json)' },
    { flags: '--eject', description: 'Procfile mode: write the equivalent HCL to .voodu/<scope>.voodu and apply nothing' },
    outputYaml,
  ],
  output: true,
  examples: [
    'apply -f voodu.hcl',
    'apply -f deploy/ --prune -y',
    'apply -f voodu.hcl --no-wait',
    'apply -f voodu.hcl --timeout 5m',
    'cat m.json | voodu apply -f - --format json',
    'apply -f Procfile --app shop',
    'apply -f Procfile --eject',
  ],
  async run(ctx, _args, opts) {
    const fmt = format(ctx, opts);
    const wait = opts.wait !== false;
    const timeoutMs = parseTimeout(opts.timeout);
    const files = fileList(opts.file);
    const progress = (line: string) => ctx.stderr.write(`${line}\n`);
    let loaded: LoadedManifest[];
    let release: Manifest | undefined;
    let procfile: typeof import('../../cli/build/procfile-apply.js') | undefined;
    if (files.some(isProcfilePath)) {
      procfile = await import('../../cli/build/procfile-apply.js');
      const app = opts.app === undefined || opts.app === true ? undefined : String(opts.app);
      const load = await procfile.loadProcfile(files, app, process.cwd());
      if (load.app.wroteAppJson) ctx.stderr.write(`scope ${load.app.scope} saved to ${join(load.app.dir, '.voodu', 'app.json')}\n`);
      if (opts.eject === true) {
        const { ejectProcfile } = await import('../../cli/build/eject.js');
        ctx.stdout.write(`wrote ${await ejectProcfile(load.app)}\n`);
        return 0;
      }
      ({ loaded, release } = load);
    } else {
      if (opts.app !== undefined || opts.eject !== undefined) throw new CliError('--app and --eject are for Procfile mode: apply -f Procfile');
      loaded = await loadWithSources(opts, ctx.client, ctx.env);
    }
    const manifests = loaded.map((l) => l.manifest);
    // Build mode: contexts are built on the host first; a failed build applies nothing.
    const builds = await buildsOf(loaded);
    if (builds) await builds.build.buildForApply(ctx.client, builds.targets, { progress }, ctx.env);
    // A Procfile's release process runs once built, before anything rolls; a failure applies nothing else.
    if (procfile && release) await procfile.runRelease(ctx.client, release, progress);
    const prune = opts.prune === true;
    if (prune && !autoApproved(ctx.env, opts.y ?? opts['auto-approve'])) {
      const dry = await ctx.client.data<ApplyAnswer>('POST', '/apply', { query: { dry_run: true, prune: true }, body: manifests });
      if (dry.pruned.length) {
        ctx.stderr.write(`This apply will delete:\n${dry.pruned.map((p) => `  - ${p}`).join('\n')}\n`);
        const ok = await confirm(
          'Prune these resources? [y/N]: ',
          'refusing to prune in non-interactive mode without --auto-approve (or VOODU_AUTO_APPROVE=1)',
          ctx.stderr,
        );
        if (!ok) {
          ctx.stderr.write('Apply canceled.\n');
          return 1;
        }
      }
    }
    // A plugin the batch needs may be installed first: its progress comes as it happens, on stderr.
    const { data: answer } = await ctx.client.requestWithProgress<{ data: ApplyAnswer }>('POST', '/apply', (line) => ctx.stderr.write(`${line}\n`), {
      query: { prune: prune || undefined },
      body: manifests,
    });
    if (fmt === 'text') {
      for (const i of answer.plugin_installs ?? []) ctx.stdout.write(`plugin/${i.plugin} installed ${i.plugin}${i.version ? ` ${i.version}` : ''} from ${i.source}\n`);
      for (const e of answer.plugin_expansions ?? []) ctx.stdout.write(`expand/${e.from} expanded → ${e.to.join(', ')}\n`);
      for (const a of answer.actions ?? []) ctx.stdout.write(`  ✓ ${a}\n`);
      const unchanged = new Set(answer.unchanged ?? []);
      const nothingElse = !answer.pruned.length && !answer.plugin_installs?.length && !answer.actions?.length;
      if (answer.applied.length && answer.applied.every((m) => unchanged.has(refOf(m))) && nothingElse) ctx.stdout.write('No changes.\n');
      else for (const m of answer.applied) ctx.stdout.write(`${refOf(m)} ${unchanged.has(refOf(m)) ? 'unchanged' : 'applied'}\n`);
      for (const p of answer.pruned) ctx.stdout.write(`${p} pruned (removed from manifests)\n`);
    }
    // Deployments with release commands are released right after the apply (json/yaml keep stdout clean).
    let released = true;
    for (const m of answer.applied.filter(wantsRelease)) {
      const res = await ctx.client.fetch('POST', RELEASES_RUN_PATH, { query: { scope: m.scope, name: m.name }, timeoutMs: 0 });
      if (!res.ok) throw new CliError(`${refOf(m)}: release: ${((await res.json().catch(() => ({}))) as { error?: string }).error ?? `controller returned ${res.status}`}`);
      const out = fmt === 'text' ? ctx.stdout : ctx.stderr;
      released = (await followReleaseStream(res.body, (text) => out.write(text))).ok && released;
    }
    // Follow what the apply set rolling (after the release commands, which gate the roll of their deployment).
    const toWatch = wait && released ? (answer.rollouts ?? []) : [];
    const watched = toWatch.length
      ? await waitForRollouts(ctx, toWatch, { revision: answer.revision ?? 0, out: ctx.stderr, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
      : undefined;
    if (!emit(ctx, fmt, watched ? { ...answer, rollout_states: watched.states } : answer)) {
      for (const s of watched?.states ?? []) {
        if (s.unfollowed) ctx.stderr.write(`  ${s.resource}: ${s.message}\n`);
        else if (s.phase === 'converged') ctx.stdout.write(`${s.resource} rolled out (${s.ready}/${s.desired} ready)\n`);
        else ctx.stderr.write(`voodu: ${s.resource}: rollout failed: ${s.message}\n`);
      }
    }
    return released && (watched?.ok ?? true) ? 0 : 1;
  },
};

const refOf = (m: WireManifest) => (m.scope ? `${m.kind}/${m.scope}/${m.name}` : `${m.kind}/${m.name}`);

export const diff: Verb = {
  name: 'diff',
  description: 'Show what apply would change, field by field, without changing anything',
  options: [
    ...fileOptions,
    { flags: '--prune', description: 'also show what --prune would delete' },
    { flags: '--detailed-exitcode', description: 'exit 2 when there are changes (0 when none)' },
    outputYaml,
  ],
  output: true,
  examples: ['diff -f voodu.hcl', 'diff -f deploy/ --prune --detailed-exitcode'],
  async run(ctx, _args, opts) {
    const fmt = format(ctx, opts);
    const loaded = await loadWithSources(opts, ctx.client, ctx.env);
    const manifests = loaded.map((l) => l.manifest);
    // The build IDs the apply would run: a change shows exactly when the source changed.
    const builds = await buildsOf(loaded);
    if (builds) await builds.build.stampBuildIds(builds.targets, ctx.env);
    // Redacted here too, in case the controller predates redaction: tokens never reach the terminal.
    const dry = redactDryRun(await ctx.client.data<ApplyAnswer>('POST', '/apply', { query: { dry_run: true, prune: opts.prune === true || undefined }, body: manifests }));
    const plan = buildPlan(dry);
    if (!emit(ctx, fmt, { ...dry, plan })) ctx.stdout.write(renderPlan(plan, colorsFor(ctx)));
    return opts['detailed-exitcode'] === true && hasChanges(plan) ? 2 : 0;
  },
};

interface StoredManifest extends WireManifest {
  metadata?: { created_at?: string; updated_at?: string; revision?: number; secret_digests?: Record<string, string> };
}

/** A current controller answers registry tokens redacted already; an older one does not, so the CLI redacts as well. */
const hideSecrets = (() => {
  const digest = keyedDigest();
  return <M extends StoredManifest>(m: M): M => redactManifest(m, digest);
})();

export const get: Verb = {
  name: 'get',
  args: '[kind]',
  description: 'List stored manifests, all or of one kind',
  options: [outputYaml],
  output: true,
  examples: ['get', 'get deployments', 'get statefulset -o json'],
  async run(ctx, args, opts) {
    const fmt = format(ctx, opts);
    const kind = args[0];
    const list = (await ctx.client.data<StoredManifest[]>('GET', '/apply', { query: { kind } })).map(hideSecrets);
    if (emit(ctx, fmt, list)) return 0;
    if (list.length === 0) {
      ctx.stdout.write(kind ? `No ${kind} resources.\n` : 'No resources.\n');
      return 0;
    }
    const rows = [['KIND', 'SCOPE', 'NAME', 'UPDATED', 'REVISION']];
    for (const m of list) rows.push([m.kind, m.scope || '-', m.name, m.metadata?.updated_at ?? '', String(m.metadata?.revision ?? '')]);
    ctx.stdout.write(table(rows));
    return 0;
  },
};


export const describe: Verb = {
  name: 'describe',
  args: '<kind> <ref>',
  aliases: ['desc'],
  description: 'Show one resource: its manifest and its status',
  options: [outputYaml],
  output: true,
  examples: ['describe deployment prod/api', 'describe statefulset data/pg -o yaml'],
  async run(ctx, args, opts) {
    const fmt = format(ctx, opts);
    const [kind, ref] = args as [string, string];
    const { scope, name } = parseRef(ref);
    const data = await ctx.client.data<{ manifest: StoredManifest; status: unknown; pods?: DescribedPod[]; volumes?: string[]; events?: EventLine[] }>('GET', '/describe', {
      query: { kind, scope, name },
    });
    if (data.manifest) data.manifest = hideSecrets(data.manifest);
    if (emit(ctx, fmt, data)) return 0;
    const m = data.manifest;
    ctx.stdout.write(`${refOf(m)}\n`);
    if (m.metadata) ctx.stdout.write(`  created ${m.metadata.created_at ?? '?'}  updated ${m.metadata.updated_at ?? '?'}  revision ${m.metadata.revision ?? '?'}\n`);
    if (data.pods) {
      ctx.stdout.write(`\npods (${data.pods.length}):\n`);
      if (data.pods.length) {
        const rows = [['NAME', 'REPLICA', 'RELEASE', 'IMAGE', 'STATUS', 'CREATED']];
        for (const p of data.pods) rows.push([p.name, p.replica_id || '-', p.release_id || '-', p.image, `${p.status}${p.frozen ? ' (frozen)' : ''}`, p.created_at]);
        ctx.stdout.write(indent(table(rows)));
      }
    }
    if (data.volumes) ctx.stdout.write(`\nvolumes (${data.volumes.length}):\n${data.volumes.map((v) => `  ${v}\n`).join('')}`);
    ctx.stdout.write(`\nspec:\n${indent(toYaml(m.spec ?? {}))}`);
    ctx.stdout.write(`\nstatus:\n${data.status ? indent(toYaml(data.status)) : '  (none yet)\n'}`);
    if (data.events) ctx.stdout.write(`\nevents (${data.events.length}, newest last; \`voodu events ${refOf(m)}\` for all):\n${data.events.length ? indent(eventTable(data.events, false)) : '  (none)\n'}`);
    return 0;
  },
};

interface DescribedPod {
  name: string;
  replica_id?: string;
  release_id?: string;
  image: string;
  status: string;
  frozen?: boolean;
  created_at: string;
}

const indent = (text: string) => text.replace(/^(?=.)/gm, '  ');

interface PruneReport {
  config_wiped: boolean;
  app_dir_removed: boolean;
  volume_removed: boolean;
  volumes_removed: string[];
  images_removed?: string[];
  /** Pods prune removed itself because they outlived its wait (older controllers leave it out). */
  containers_removed?: string[];
  errors: string[];
}

/** What prune removed for one resource, one line each; `resource` heads the lines when several resources were pruned. */
function printPrune(ctx: VerbContext, p: PruneReport, resource?: string): void {
  if (resource) ctx.stdout.write(`- ${resource} pruned:\n`);
  for (const c of p.containers_removed ?? []) ctx.stdout.write(`  - pod ${c} removed (still running after the wait)\n`);
  for (const v of p.volumes_removed) ctx.stdout.write(`  - volume ${v} removed\n`);
  if (p.config_wiped) ctx.stdout.write('  - config bucket wiped\n');
  if (p.app_dir_removed) ctx.stdout.write('  - app dir removed\n');
  if (p.images_removed?.length) ctx.stdout.write(`  - build images removed: ${p.images_removed.join(', ')}\n`);
  for (const e of p.errors) ctx.stdout.write(`  ! ${e}\n`);
}

/** Prune waits for a statefulset's pods to go (up to 60 s on the controller) before it removes their volumes. */
const PRUNE_TIMEOUT_MS = 180_000;

export const del: Verb = {
  name: 'delete',
  args: '[target] [ref]',
  description: 'Delete resources: <kind> <scope>/<name>, every kind at <scope>/<name>, a whole <scope>, what -f declares, or rebuild one statefulset pod with <scope>/<name>.<n>',
  options: [
    ...fileOptions,
    { flags: '--prune', description: 'also wipe config buckets, app dirs and statefulset volumes' },
    { flags: '--grace', description: "stop the containers now with this grace period (0s, 2s, 1m) instead of each workload's stop_grace_period" },
    { flags: '-y, --auto-approve', description: 'do not ask for confirmation (also VOODU_AUTO_APPROVE=1)' },
    outputYaml,
  ],
  output: true,
  examples: ['delete deployment prod/api', 'delete prod --grace 0s -y', 'delete prod/api --prune', 'delete prod -y', 'delete -f voodu.hcl', 'delete data/pg.1 --prune -y'],
  async run(ctx, args, opts) {
    const fmt = format(ctx, opts);
    const prune = opts.prune === true || undefined;
    const timeoutMs = prune ? PRUNE_TIMEOUT_MS : undefined;
    const grace = opts.grace === undefined || opts.grace === true ? undefined : String(opts.grace);
    if (opts.grace === true) throw new CliError('--grace needs a duration: 0s, 2s, 1m');
    const stoppedNote = (r: { stopped?: string[] }) => {
      if (fmt === 'text' && r.stopped) ctx.stdout.write(`  stopped ${r.stopped.length} container(s) with a ${grace} grace period\n`);
    };
    const approved = autoApproved(ctx.env, opts.y ?? opts['auto-approve']);
    const ask = async (what: string) => {
      if (approved) return true;
      return confirm(
        `${what} [y/N]: `,
        'refusing to delete in non-interactive mode without --auto-approve (or VOODU_AUTO_APPROVE=1)',
        ctx.stderr,
      );
    };
    const results: unknown[] = [];
    const [first, second] = args;
    if (opts.file !== undefined) {
      if (first) throw new CliError('give either -f or a target, not both');
      const manifests = await loadFromFlags(opts, ctx.client, ctx.env);
      ctx.stderr.write(`Will delete ${manifests.length} resource(s):\n${manifests.map((m) => `  - ${refOf(m)}`).join('\n')}\n`);
      if (!(await ask('Delete these resources?'))) return 1;
      for (const m of manifests) {
        try {
          const r = await ctx.client.data<{ deleted: string; pruned?: PruneReport; stopped?: string[] }>('DELETE', '/apply', { query: { kind: m.kind, scope: m.scope, name: m.name, prune, grace }, timeoutMs });
          results.push(r);
          if (fmt === 'text') {
            ctx.stdout.write(`- ${r.deleted} deleted${r.pruned ? ' (pruned)' : ''}\n`);
            stoppedNote(r);
            if (r.pruned) printPrune(ctx, r.pruned);
          }
        } catch (err) {
          if (!/not found/.test((err as Error).message)) throw err;
          if (fmt === 'text') ctx.stdout.write(`? ${refOf(m)} (not found)\n`);
        }
      }
    } else if (first && second) {
      const { scope, name } = parseRef(second);
      const r = await ctx.client.data<{ deleted: string; pruned?: PruneReport; stopped?: string[] }>('DELETE', '/apply', { query: { kind: first, scope, name, prune, grace }, timeoutMs });
      results.push(r);
      if (fmt === 'text') {
        ctx.stdout.write(`- ${r.deleted} deleted${r.pruned ? ' (pruned)' : ''}\n`);
        stoppedNote(r);
        if (r.pruned) printPrune(ctx, r.pruned);
      }
    } else if (first?.includes('/') && /^[^/]+\/[^/]+\.\d+$/.test(first)) {
      // <scope>/<name>.<n>: rebuild one statefulset pod (from an empty volume with --prune).
      const [, scope, name, ordinal] = /^([^/]+)\/(.+)\.(\d+)$/.exec(first)!;
      if (!(await ask(`Rebuild pod ${ordinal} of statefulset ${scope}/${name}${prune ? ' from an empty volume' : ''}?`))) return 1;
      const r = await ctx.client.data<{ container_removed: string; volumes_removed: string[]; recreated: boolean }>('DELETE', '/resource', {
        query: { scope, name, ordinal, prune },
      });
      results.push(r);
      if (fmt === 'text') {
        if (r.container_removed) ctx.stdout.write(`- container ${r.container_removed} removed\n`);
        for (const v of r.volumes_removed) ctx.stdout.write(`- volume ${v} removed\n`);
        ctx.stdout.write(`- statefulset/${scope}/${name} ordinal ${ordinal} ${r.recreated ? 'recreated' : 'will be recreated by the reconciler'}\n`);
      }
    } else if (first?.includes('/')) {
      const { scope, name } = parseRef(first);
      if (!scope) throw new CliError(`"${first}" needs a scope: <scope>/<name>`);
      if (prune && !(await ask(`Delete every resource at ${scope}/${name} and wipe its config and volumes?`))) return 1;
      const r = await ctx.client.data<{ deleted: string[]; pruned?: (PruneReport & { resource: string })[]; stopped?: string[] }>('DELETE', '/resource', { query: { scope, name, prune, grace }, timeoutMs });
      results.push(r);
      if (fmt === 'text') {
        if (r.deleted.length === 0) ctx.stdout.write(`(no resource found at ${scope}/${name})\n`);
        for (const d of r.deleted) ctx.stdout.write(`- ${d} deleted\n`);
        stoppedNote(r);
        for (const p of r.pruned ?? []) printPrune(ctx, p, r.pruned!.length > 1 ? p.resource : undefined);
      }
    } else if (first) {
      if (!(await ask(`Delete every resource in scope "${first}"${prune ? ', with its config and volumes' : ''}?`))) return 1;
      const r = await ctx.client.data<{ deleted: string[]; pruned?: (PruneReport & { resource: string })[]; config_wiped?: boolean; stopped?: string[] }>('DELETE', '/scope', { query: { scope: first, prune, grace }, timeoutMs });
      results.push(r);
      if (fmt === 'text') {
        for (const d of r.deleted) ctx.stdout.write(`- ${d} wiped\n`);
        stoppedNote(r);
        for (const p of r.pruned ?? []) printPrune(ctx, p, r.pruned!.length > 1 ? p.resource : undefined);
        if (r.config_wiped) ctx.stdout.write(`- scope/${first} config wiped\n`);
        if (r.deleted.length === 0) ctx.stdout.write(`(scope ${first} has no resources)\n`);
      }
    } else {
      throw new CliError('nothing to delete; give <kind> <scope>/<name>, <scope>/<name>, <scope>, or -f FILE');
    }
    emit(ctx, fmt, results.length === 1 ? results[0] : results);
    return 0;
  },
};

export const verbs: Verb[] = [apply, diff, get, describe, del];
