/**
 * The `voodu` CLI (alias `vd`). Global flags are read only before the verb,
 * so a plugin verb keeps its own `-o` or `-r`; the verb and
 * its flags are parsed by sade.
 */
import sade from 'sade';
import { buildInfo } from '../lib/build-info.js';
import { CliError, ControllerClient } from './client.js';
import { parseOutput } from './output.js';
import { selectRemote } from './remote/store.js';
import { forward, isLocalOnly } from './ssh-forward.js';
import { takeOwnVersionFlag } from './own-version-flag.js';
import { findToken } from './token.js';
import type { Verb, VerbContext } from './verb.js';
import { loadVerbs, pluginCall, runPluginVerb } from './verbs/index.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

interface GlobalFlags {
  controllerUrl?: string;
  output?: string;
  remote?: string;
}

const VALUE_FLAGS: Record<string, keyof GlobalFlags> = {
  '--controller-url': 'controllerUrl',
  '-o': 'output',
  '--output': 'output',
  '-r': 'remote',
  '--remote': 'remote',
};

/** Splits `[global flags] verb [verb args]`; `--help`/`--version` before the verb stay for sade. */
export function splitGlobalFlags(args: string[]): { globals: GlobalFlags; rest: string[] } {
  const globals: GlobalFlags = {};
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[name];
    if (!key) {
      if (['-h', '--help', '-v', '--version'].includes(arg)) break;
      throw new CliError(`unknown global flag ${name}; global flags go before the verb: --controller-url URL, -o text|json, -r REMOTE`);
    }
    if (eq > 0) globals[key] = arg.slice(eq + 1);
    else {
      const value = args[++i];
      if (value === undefined) throw new CliError(`${name} needs a value`);
      globals[key] = value;
    }
  }
  return { globals, rest: args.slice(i) };
}

const GLOBAL_HELP = `  Global flags (before the command)
    --controller-url URL    controller base URL (env VOODU_CONTROLLER_URL, default http://127.0.0.1:8686)
    -o, --output FORMAT     text or json (built-in commands also take it after the command)
    -r, --remote NAME       run the command on that remote over ssh (default: \`voodu remote default\`)

`;

function buildProgram(verbs: Verb[]) {
  const prog = sade('voodu').version(buildInfo().version);
  for (const verb of verbs) {
    prog.command(verb.args ? `${verb.name} ${verb.args}` : verb.name, verb.description, verb.aliases ? { alias: verb.aliases } : {});
    for (const opt of verb.options ?? []) prog.option(opt.flags, opt.description, opt.default as string | undefined);
    for (const ex of verb.examples ?? []) prog.example(ex);
    prog.action(() => undefined); // run lazily below so async errors are ours to report
  }
  return prog;
}

/**
 * `-f -` / `--file -` (stdin) as `--file=-`: sade's parser reads a lone `-`
 * as a nameless flag, so the value would be lost and `-f` left `true`.
 */
export function stdinFileFlags(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '-f' || args[i] === '--file') && args[i + 1] === '-') {
      out.push('--file=-');
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

/** The controller this CLI talks to, with the token it found for it (cli/token.ts). */
function clientFor(globals: GlobalFlags, env: NodeJS.ProcessEnv): ControllerClient {
  const url = globals.controllerUrl ?? env.VOODU_CONTROLLER_URL ?? 'http://127.0.0.1:8686';
  return new ControllerClient(url, findToken(env, url));
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  try {
    const { globals, rest } = splitGlobalFlags(argv.slice(2));
    const verbs = await loadVerbs();
    const remote = isLocalOnly(rest) ? undefined : await selectRemote(globals.remote, io.env);
    if (remote) {
      const builtin = (word: string) => verbs.some((v) => v.name.split(' ')[0] === word || v.aliases?.includes(word));
      return await forward({ remote, globals, rest, io, builtin, pluginVerb: (r) => pluginCall(r) !== undefined });
    }
    const prog = buildProgram(verbs);
    const first = rest[0];
    if (first === undefined || first === '-h' || first === '--help') {
      prog.help();
      io.stdout.write(GLOBAL_HELP);
      return 0;
    }
    const known = (word: string) => verbs.some((v) => v.name.split(' ')[0] === word || v.aliases?.includes(word));
    if (!first.startsWith('-') && !known(first)) {
      // Not a built-in: `<plugin>:<command> args…` goes to the plugin with its argv untouched.
      const call = pluginCall(rest);
      if (call && !known(call.plugin)) {
        const client = clientFor(globals, io.env);
        const pctx: VerbContext = { client, output: parseOutput(globals.output), stdout: io.stdout, stderr: io.stderr, stdin: io.stdin ?? process.stdin, env: io.env };
        return await runPluginVerb(pctx, call);
      }
      throw new CliError(`unknown command "${first}"; run \`voodu --help\` for the list of commands`);
    }
    const own = takeOwnVersionFlag(verbs, rest);
    const parsed = prog.parse([argv[0]!, argv[1]!, ...stdinFileFlags(own.args)], {
      lazy: true,
      // Throw rather than let sade print and process.exit: errors leave through one door, ours.
      unknown: (flag: string) => {
        throw new CliError(`unknown option ${flag}; run \`voodu ${first} --help\` for the options`);
      },
    }) as unknown as { name: string; args: unknown[] } | undefined;
    if (!parsed) return 0; // --help / --version already printed
    const verb = verbs.find((v) => v.name === parsed.name || v.aliases?.includes(parsed.name));
    if (!verb) throw new CliError(`unknown command "${parsed.name}"`);
    const opts = (parsed.args[parsed.args.length - 1] ?? {}) as Record<string, unknown>;
    if (own.value !== undefined) opts.version = own.value;
    const positionals = parsed.args.slice(0, -1).filter((a): a is string => typeof a === 'string');
    const output = parseOutput(verb.output ? opts.output ?? opts.o ?? globals.output : globals.output);
    const ctx: VerbContext = {
      client: clientFor(globals, io.env),
      output,
      stdout: io.stdout,
      stderr: io.stderr,
      stdin: io.stdin ?? process.stdin,
      env: io.env,
    };
    return (await verb.run(ctx, positionals, opts)) ?? 0;
  } catch (err) {
    io.stderr.write(`voodu: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
