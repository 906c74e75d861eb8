/**
 * sade answers `--version` anywhere on the line with the CLI's own version.
 * A verb that declares a `--version` option of its own (`plugins install
 * SRC --version 1.2`) needs the value instead, so it is taken out of argv
 * before sade sees it and handed to the verb as `opts.version`.
 */
import { CliError } from './client.js';
import type { Verb } from './verb.js';

export function takeOwnVersionFlag(verbs: Verb[], rest: string[]): { args: string[]; value?: string } {
  // The longest name wins: `plugins install` over `plugins`.
  const words = (v: Verb) => v.name.split(' ').length;
  const verb = [...verbs]
    .sort((a, b) => words(b) - words(a))
    .find((v) => v.aliases?.includes(rest[0] ?? '') || v.name === rest.slice(0, words(v)).join(' '));
  if (!verb?.options?.some((o) => /(^|[\s,])--version\b/.test(o.flags))) return { args: rest };
  const args: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      args.push(...rest.slice(i));
      break;
    }
    if (arg === '--version') {
      value = rest[++i];
      if (value === undefined || value.startsWith('-')) throw new CliError(`--version needs a value (latest, 1.2.3 or a range like ^1.2); run \`voodu ${verb.name} --help\``);
    } else if (arg.startsWith('--version=')) value = arg.slice('--version='.length);
    else args.push(arg);
  }
  return value === undefined ? { args } : { args, value };
}
