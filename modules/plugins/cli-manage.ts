/**
 * `voodu plugins install|list|remove|update`,
 * also spelled `plugins:install` etc. CLI side only: the controller does the
 * installing, so a local path must be one the controller host can read.
 */
import { resolve } from 'node:path';
import { CliError } from '../../cli/client.js';
import { printJson } from '../../cli/output.js';
import { outputOption, type Verb, type VerbContext } from '../../cli/verb.js';

/** An install can download and run a hook for up to 10 minutes on the controller. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface Installed {
  name: string;
  version?: string;
  source?: string;
  cached?: boolean;
}

interface Listing {
  plugins: Installed[];
  errors: string[];
}

/** `GET /plugins` entries are manifests or `{manifest, source}`; both read the same here. */
function asInstalled(raw: unknown): Installed | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const m = (r.manifest && typeof r.manifest === 'object' ? r.manifest : r) as Record<string, unknown>;
  if (typeof m.name !== 'string') return undefined;
  const version = typeof m.version === 'string' && m.version ? m.version : undefined;
  const source = typeof r.source === 'string' && r.source ? r.source : typeof m.source === 'string' && m.source ? m.source : undefined;
  return { name: m.name, ...(version ? { version } : {}), ...(source ? { source } : {}) };
}

async function fetchListing(ctx: VerbContext): Promise<Listing> {
  const data = await ctx.client.data<unknown>('GET', '/plugins');
  const raw = Array.isArray(data) ? { plugins: data, errors: [] } : ((data ?? {}) as { plugins?: unknown; errors?: unknown });
  const plugins = (Array.isArray(raw.plugins) ? raw.plugins : []).map(asInstalled).filter((p): p is Installed => p !== undefined);
  const errors = Array.isArray(raw.errors) ? raw.errors.map(String) : [];
  return { plugins, errors };
}

const label = (p: Installed) => `${p.name}${p.version ? `@${p.version}` : ''}`;

/** A path the operator typed relative to their shell is made absolute before it travels. */
export function normaliseSource(source: string, cwd = process.cwd()): string {
  const s = source.trim();
  return s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../') ? resolve(cwd, s) : s;
}

/** Installs on the controller; its progress (resolving, downloading, verifying, the install hook) is printed on stderr as it comes. */
async function installOne(ctx: VerbContext, source: string, version?: string): Promise<Installed> {
  const body = { source, ...(version ? { version } : {}) };
  const answer = await ctx.client.requestWithProgress<{ data: Installed }>('POST', '/plugins/install', (line) => ctx.stderr.write(`  ${line}\n`), { body, timeoutMs: INSTALL_TIMEOUT_MS });
  return answer.data;
}

export const pluginsInstall: Verb = {
  name: 'plugins install',
  aliases: ['plugins:install'],
  args: '<source>',
  description:
    'Install or replace a plugin on the controller. ' +
    'SOURCE is owner/repo[@version] (a GitHub release), https://github.com/owner/repo, or a directory on the controller host (/abs, ./rel, ../rel). ' +
    'The version is latest (default), an exact version or a semver range; the release tarball is verified against its published sha256 and cached, so re-installing a version needs no network.',
  options: [{ flags: '--version', description: 'latest, 1.2.3 (or v1.2.3), or a range such as ^1.2 or "~0.14"' }, outputOption],
  output: true,
  examples: [
    'plugins install thadeu/voodu-redis',
    'plugins install thadeu/voodu-postgres --version 0.12.13',
    'plugins:install thadeu/voodu-caddy@^0.1',
    'plugins install ./my-plugin -o json',
  ],
  async run(ctx, args, opts) {
    const source = normaliseSource(args[0] ?? '');
    const version = typeof opts.version === 'string' ? opts.version : undefined;
    if (opts.version !== undefined && typeof opts.version !== 'string') throw new CliError('--version needs a value (latest, 1.2.3 or a range like ^1.2)');
    const got = await installOne(ctx, source, version);
    if (ctx.output === 'json') return printJson(ctx.stdout, got);
    ctx.stdout.write(`installed ${label(got)}${got.cached ? ' (from the download cache)' : ''}\n`);
  },
};

export const pluginsList: Verb = {
  name: 'plugins list',
  aliases: ['plugins:list'],
  description: 'List the installed plugins with their version and where they were installed from.',
  options: [outputOption],
  output: true,
  examples: ['plugins list', 'plugins:list -o json'],
  async run(ctx) {
    const listing = await fetchListing(ctx);
    if (ctx.output === 'json') return printJson(ctx.stdout, listing);
    for (const err of listing.errors) ctx.stderr.write(`warning: ${err}\n`);
    if (!listing.plugins.length) {
      ctx.stdout.write('no plugins installed\n');
      return;
    }
    for (const p of listing.plugins) ctx.stdout.write(`${label(p)}${p.source ? `  ${p.source}` : ''}\n`);
  },
};

/** Bare `voodu plugins` lists, as most people expect. */
export const plugins: Verb = {
  ...pluginsList,
  name: 'plugins',
  aliases: [],
  description: 'Manage plugins: `plugins list` (the default), `plugins install SOURCE`, `plugins remove NAME`, `plugins update [NAME]`.',
  examples: ['plugins', 'plugins install thadeu/voodu-redis', 'plugins remove redis'],
  async run(ctx, args, opts) {
    const extra = ((opts._ as unknown[] | undefined) ?? []).map(String);
    if (extra.length) throw new CliError(`unknown plugins action "${extra[0]}"; use install, list, remove or update`);
    return pluginsList.run(ctx, args, opts);
  },
};

export const pluginsRemove: Verb = {
  name: 'plugins remove',
  aliases: ['plugins:remove'],
  args: '<name>',
  description: "Remove an installed plugin: its uninstall hook runs (best effort), then its directory is deleted. Resources it expanded stay; delete them first if you mean to.",
  options: [outputOption],
  output: true,
  examples: ['plugins remove redis', 'plugins:remove postgres'],
  async run(ctx, args) {
    const name = args[0] ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) throw new CliError(`"${name}" is not a plugin name (letters, digits, '-' and '_'); see \`voodu plugins list\``);
    await ctx.client.request('DELETE', `/plugins/${encodeURIComponent(name)}`, { timeoutMs: INSTALL_TIMEOUT_MS });
    if (ctx.output === 'json') return printJson(ctx.stdout, { removed: name });
    ctx.stdout.write(`removed ${name}\n`);
  },
};

export const pluginsUpdate: Verb = {
  name: 'plugins update',
  aliases: ['plugins:update'],
  args: '[name]',
  description:
    'Re-install plugins from the source they were installed from, at the latest release (a local path is copied again). ' +
    'Without NAME every plugin with a recorded source is updated.',
  options: [outputOption],
  output: true,
  examples: ['plugins update', 'plugins:update redis -o json'],
  async run(ctx, args) {
    const only = args[0];
    const { plugins: installed } = await fetchListing(ctx);
    const targets = only ? installed.filter((p) => p.name === only) : installed;
    if (only && !targets.length) throw new CliError(`plugin "${only}" not installed; see \`voodu plugins list\``);
    const results: { name: string; from?: string; to?: string; skipped?: string; error?: string }[] = [];
    for (const p of targets) {
      if (!p.source) {
        results.push({ name: p.name, skipped: 'no recorded source' });
        if (ctx.output !== 'json') ctx.stdout.write(`skip ${p.name} (no recorded source)\n`);
        continue;
      }
      try {
        const got = await installOne(ctx, p.source);
        results.push({ name: p.name, ...(p.version ? { from: p.version } : {}), ...(got.version ? { to: got.version } : {}) });
        if (ctx.output !== 'json') {
          const same = p.version && got.version === p.version;
          ctx.stdout.write(same ? `${p.name} is up to date (${got.version})\n` : `updated ${p.name} ${p.version ?? '?'} → ${got.version ?? '?'}\n`);
        }
      } catch (err) {
        results.push({ name: p.name, error: (err as Error).message });
      }
    }
    if (ctx.output === 'json') printJson(ctx.stdout, { results });
    const failed = results.filter((r) => r.error);
    if (failed.length) throw new CliError(`update errors:\n${failed.map((r) => `  ${r.name}: ${r.error}`).join('\n')}`);
  },
};

export const verbs: Verb[] = [plugins, pluginsInstall, pluginsList, pluginsRemove, pluginsUpdate];
