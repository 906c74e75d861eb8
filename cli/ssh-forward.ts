/**
 * Remote mode: with a remote
 * selected (`-r NAME` before the verb, or the default remote), every verb
 * but the local ones runs as `voodu <verb> …` on the host over ssh, and the
 * host's exit code becomes ours.
 */
import type { Remote } from './remote/store.js';
import { forwardApply, forwardDelete, forwardDiff } from './ssh-apply.js';
import { configSetOverStdin, forwardConfigSet } from './ssh-config.js';
import { forwardPlugin } from './ssh-plugin.js';
import { preflight, runRemote, type SshIo } from './ssh.js';

/** Verbs that never leave this machine. */
const LOCAL = new Set(['remote', 'version', 'help', 'completion']);

export function isLocalOnly(rest: string[]): boolean {
  const first = rest[0];
  return first === undefined || ['-h', '--help', '-v', '--version'].includes(first) || LOCAL.has(first);
}

export interface ForwardContext {
  remote: Remote;
  /** Global flags the host's voodu should see (`-o`, `--controller-url`), before the verb. */
  globals: { output?: string; controllerUrl?: string };
  rest: string[];
  io: SshIo;
  /** Whether the word is a built-in verb (else it may be a plugin verb). */
  builtin(word: string): boolean;
  pluginVerb(rest: string[]): boolean;
}

/** `exec -t`, `exec -it`, `exec --tty`: the host's command gets a terminal, so ssh needs one too. */
function wantsTty(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--tty' || /^-[A-Za-z]*t[A-Za-z]*$/.test(a)) return true;
  }
  return false;
}

const hasFileFlag = (args: string[]) => args.some((a) => a === '-f' || a === '--file' || a.startsWith('--file='));

export async function forward(fc: ForwardContext): Promise<number> {
  const { remote, rest, io } = fc;
  const globals = [
    ...(fc.globals.controllerUrl ? ['--controller-url', fc.globals.controllerUrl] : []),
    ...(fc.globals.output ? ['-o', fc.globals.output] : []),
  ];
  const [verb, ...args] = rest as [string, ...string[]];
  if (!args.includes('-h') && !args.includes('--help')) {
    if (verb === 'apply') return forwardApply(remote, globals, args, io);
    if (verb === 'diff') return forwardDiff(remote, globals, args, io);
    if (verb === 'delete' && hasFileFlag(args)) return forwardDelete(remote, globals, args, io);
    // Config values never ride in the remote command line: they go on stdin.
    const stdinForm = configSetOverStdin(rest);
    if (stdinForm) return forwardConfigSet(remote, globals, stdinForm, io);
    if (!fc.builtin(verb) && fc.globals.output !== 'json' && fc.pluginVerb(rest)) return forwardPlugin(remote, globals, rest, io);
  }
  // exec defaults to -it on a terminal locally; over ssh that takes a remote terminal too.
  const onTerminal = (io.stdin ?? process.stdin) === process.stdin && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  const explicit = own.some((a) => a === '-i' || a === '--stdin' || a === '--tty' || /^-[A-Za-z]*[it][A-Za-z]*$/.test(a));
  const tty = verb === 'exec' && (wantsTty(args) || (onTerminal && !explicit));
  const res = await runRemote(remote, [...globals, ...rest], io, { tty });
  // 127 is the remote shell's "command not found": say which half is missing.
  if (res.code === 127) await preflight(remote, io, globals);
  return res.code;
}
