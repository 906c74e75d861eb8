/**
 * `voodu remote add|list|remove|default`: the hosts the CLI forwards to.
 * Always local: they edit the operator's own config file.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError } from '../client.js';
import { printJson, table } from '../output.js';
import { outputOption, type Verb } from '../verb.js';
import { loadRemotes, parseTarget, remotesPath, saveRemotes, validateName } from './store.js';

export const remoteAdd: Verb = {
  name: 'remote add',
  args: '<name> <target>',
  description: 'Add a host to forward commands to over SSH (target: user@host[:port])',
  options: [{ flags: '--identity', description: 'private key file for ssh -i (default: your ssh agent and config)' }],
  examples: ['remote add prod root@203.0.113.10', 'remote add staging deploy@staging.example.com:2222 --identity ~/.ssh/staging'],
  async run(ctx, args, opts) {
    const name = validateName(args[0]);
    const target = args[1];
    parseTarget(target);
    let identity: string | undefined;
    if (opts.identity !== undefined) {
      if (typeof opts.identity !== 'string' || opts.identity === '') throw new CliError('--identity needs a file path, e.g. --identity ~/.ssh/id_ed25519');
      identity = resolve(opts.identity);
      const st = await stat(identity).catch(() => undefined);
      if (!st?.isFile()) throw new CliError(`--identity: ${identity} is not a file; give the path of your private key`);
    }
    const file = await loadRemotes(ctx.env);
    if (file.remotes[name]) throw new CliError(`remote "${name}" already exists (${file.remotes[name].target}); remove it first with \`voodu remote remove ${name}\``);
    file.remotes[name] = { target: target!, ...(identity ? { identity } : {}) };
    // The first remote becomes the default: the common case is one server.
    const first = Object.keys(file.remotes).length === 1 && file.default === undefined;
    if (first) file.default = name;
    await saveRemotes(ctx.env, file);
    ctx.stdout.write(`remote ${name} added (${target})${first ? ', now the default' : ''}\n`);
    return 0;
  },
};

export const remoteList: Verb = {
  name: 'remote list',
  aliases: ['remote ls'],
  description: 'List the remotes (the default one is marked *)',
  options: [outputOption],
  output: true,
  examples: ['remote list', 'remote list -o json'],
  async run(ctx) {
    const file = await loadRemotes(ctx.env);
    const names = Object.keys(file.remotes).sort();
    if (ctx.output === 'json') {
      printJson(ctx.stdout, names.map((n) => ({ name: n, ...file.remotes[n], default: n === file.default })));
      return 0;
    }
    if (names.length === 0) {
      ctx.stdout.write(`No remotes (${remotesPath(ctx.env)}); add one with \`voodu remote add prod user@host\`.\n`);
      return 0;
    }
    const rows = [['', 'NAME', 'TARGET', 'IDENTITY']];
    for (const n of names) rows.push([n === file.default ? '*' : '', n, file.remotes[n]!.target, file.remotes[n]!.identity ?? '-']);
    ctx.stdout.write(table(rows));
    return 0;
  },
};

export const remoteRemove: Verb = {
  name: 'remote remove',
  args: '<name>',
  aliases: ['remote rm'],
  description: 'Forget a remote (the host is not touched)',
  examples: ['remote remove staging'],
  async run(ctx, args) {
    const name = validateName(args[0]);
    const file = await loadRemotes(ctx.env);
    if (!file.remotes[name]) throw new CliError(`no remote named "${name}"; see \`voodu remote list\``);
    delete file.remotes[name];
    const wasDefault = file.default === name;
    if (wasDefault) delete file.default;
    await saveRemotes(ctx.env, file);
    ctx.stdout.write(`remote ${name} removed${wasDefault ? ' (it was the default; commands now run locally until you set another with `voodu remote default`)' : ''}\n`);
    return 0;
  },
};

export const remoteDefault: Verb = {
  name: 'remote default',
  args: '<name>',
  description: 'Make a remote the default target of every command (-r NAME still picks another)',
  examples: ['remote default prod'],
  async run(ctx, args) {
    const name = validateName(args[0]);
    const file = await loadRemotes(ctx.env);
    if (!file.remotes[name]) throw new CliError(`no remote named "${name}"; add it first with \`voodu remote add ${name} user@host\``);
    file.default = name;
    await saveRemotes(ctx.env, file);
    ctx.stdout.write(`remote ${name} is now the default\n`);
    return 0;
  },
};

/** Bare `voodu remote` lists them, as `git remote` does; `voodu remote --help` names the subcommands. */
export const remote: Verb = {
  ...remoteList,
  name: 'remote',
  aliases: [],
  description: 'Manage the hosts commands are forwarded to: remote add, list, remove, default (see each --help)',
  examples: ['remote', 'remote add prod root@203.0.113.10', 'remote default prod', '-r prod get pods'],
};

export const verbs: Verb[] = [remote, remoteAdd, remoteList, remoteRemove, remoteDefault];
