/**
 * What a CLI verb is. Modules contribute verbs from a `cli.ts` of their own,
 * which may import only from cli/ and lib/ — never daemon code — so the CLI
 * stays quick to start on a laptop.
 */
import type { ControllerClient } from './client.js';

export type OutputFormat = 'text' | 'json';

export interface VerbOption {
  /** sade syntax: `-o, --output`, `--tail`. */
  flags: string;
  description: string;
  default?: string | number | boolean;
}

export interface VerbContext {
  client: ControllerClient;
  output: OutputFormat;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** What the operator types or pipes in (exec forwards it). */
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export interface Verb {
  /** `health`, `get pods`, `pg:promote` */
  name: string;
  /** Positional arguments in sade syntax: `<ref> [tail]`. */
  args?: string;
  description: string;
  aliases?: string[];
  options?: VerbOption[];
  examples?: string[];
  /** Accepts `-o text|json` after the verb as well as before it. */
  output?: boolean;
  /** Returns the exit code (0 when omitted). Throw for errors: the CLI prints them. */
  run(ctx: VerbContext, args: string[], opts: Record<string, unknown>): Promise<number | void>;
}

export const outputOption: VerbOption = { flags: '-o, --output', description: 'output format: text or json' };

/**
 * What a module's `cli.ts` exports: the verbs it adds, and optionally a way
 * to extend a verb another module owns (pods teach apply's `get` to list pods).
 */
export interface CliFacet {
  verbs: Verb[];
  extendVerb?: (verb: Verb) => Verb;
}
