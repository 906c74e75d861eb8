/**
 * Config variables as the CLI takes them: `KEY=VALUE` arguments, or the
 * same on stdin (`voodu config <ref> set --stdin`), which is how values
 * travel over SSH — an argv is visible in `ps` on both machines and lands
 * in the host's shell history and audit log; stdin is seen by no one.
 *
 * Stdin holds either a JSON object of strings (what the SSH forwarding
 * sends: any value survives it byte for byte, newlines included, so a
 * newline can never split one value into a forged second key) or
 * `KEY=VALUE` lines for people (blank lines and `#` comments skipped, the
 * value taken verbatim up to the line's end). A key never starts with `{`,
 * so the first non-blank character tells them apart. Errors name keys and
 * line numbers, never values.
 */
import { CliError } from './client.js';

export type Vars = Record<string, string>;

/** `K=V` arguments → object; later repeats win. */
export function parsePairs(pairs: string[]): Vars {
  if (!pairs.length) throw new CliError('config set needs at least one KEY=VALUE (an empty VALUE unsets the key)');
  const vars = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq === -1) throw new CliError(`argument "${pair}" is not KEY=VALUE; write it as ${pair}=value`);
    if (eq === 0) throw new CliError(`an argument starts with '='; write it as KEY=VALUE`);
    vars.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return Object.fromEntries(vars);
}

/** What `config set --stdin` reads: a JSON object of strings, or `KEY=VALUE` lines. */
export function parseStdinPairs(text: string): Vars {
  if (text.trimStart().startsWith('{')) return parseJsonPairs(text);
  const vars = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    // The line may be a value gone astray: say where, not what.
    if (eq <= 0) throw new CliError(`stdin line ${i + 1} is not KEY=VALUE (values with newlines need the JSON form: {"KEY": "…"})`);
    vars.set(line.slice(0, eq), line.slice(eq + 1));
  });
  if (!vars.size) throw new CliError('config set --stdin read no KEY=VALUE from stdin');
  return Object.fromEntries(vars);
}

function parseJsonPairs(text: string): Vars {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError('stdin starts with "{" but is not JSON; send {"KEY": "value", …} or KEY=VALUE lines');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('stdin: the JSON must be an object of "KEY": "value"');
  const entries = Object.entries(parsed);
  const bad = entries.find(([, v]) => typeof v !== 'string');
  if (bad) throw new CliError(`stdin: the value of ${bad[0]} must be a string`);
  if (!entries.length) throw new CliError('config set --stdin read no variables from stdin');
  return Object.fromEntries(entries) as Vars;
}

/** The stdin the SSH forwarding sends for `vars`. */
export const encodeStdinPairs = (vars: Vars): string => JSON.stringify(vars);

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
