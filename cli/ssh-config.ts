/**
 * `config <ref> set KEY=VALUE…` over SSH: the values go to the host on the
 * ssh process's stdin, and the remote command line is
 * `voodu config <ref> set --stdin [flags]`. A value in that line would be
 * in ssh's argv here and in the shell's argv there (both shown by `ps`),
 * and in whatever the host records of commands run over ssh.
 */
import { encodeStdinPairs, parsePairs } from './config-pairs.js';
import type { Remote } from './remote/store.js';
import { runRemote, type SshIo } from './ssh.js';

/** Flags of the config verb that take a value (the value is not a positional). */
const VALUED = new Set(['-o', '--output']);

export interface StdinForm {
  /** The verb's argv for the host, without values. */
  args: string[];
  /** What the host's `--stdin` reads. */
  input: string;
}

/**
 * `['config', ref, 'set', 'K=V', …, flags]` → the `--stdin` form, or
 * undefined when there is nothing to move (another action, `--stdin`
 * given already, help, or no pairs — the host then says what is wrong).
 */
export function configSetOverStdin(rest: string[]): StdinForm | undefined {
  if (rest[0] !== 'config') return undefined;
  const positionals: string[] = [];
  const flags: string[] = [];
  for (let i = 1; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') return undefined; // not a form the verb takes: let the host refuse it as typed
    if (arg.startsWith('-') && arg !== '-') {
      if (arg === '--stdin' || arg === '-h' || arg === '--help') return undefined;
      flags.push(arg);
      if (VALUED.has(arg) && i + 1 < rest.length) flags.push(rest[++i]!);
    } else positionals.push(arg);
  }
  const [ref, action, ...pairs] = positionals;
  if (ref === undefined || action !== 'set' || pairs.length === 0) return undefined;
  return { args: ['config', ref, 'set', '--stdin', ...flags], input: encodeStdinPairs(parsePairs(pairs)) };
}

export async function forwardConfigSet(remote: Remote, globals: string[], form: StdinForm, io: SshIo): Promise<number> {
  return (await runRemote(remote, [...globals, ...form.args], io, { input: form.input })).code;
}
