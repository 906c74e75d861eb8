// One argv parser for every command. The CLI passes the arguments after
// the verb untouched, so flags may come before, between or after the
// positionals, as `--flag value` or `--flag=value`. A value flag at the end
// with nothing after it, or a number flag given something that is not a
// whole number, is recorded as a problem (and left unset) so the command can
// say which flag and how to fix it. An unknown flag is refused rather than
// taken for a positional: `--to 1` meaning `--replica 1` must not become a
// resource named `--to`.

/**
 * @typedef {object} FlagSpec
 * @property {string[]} [bool]   flags without a value, e.g. ['--reads']
 * @property {string[]} [value]  flags that take a string, e.g. ['--destination']
 * @property {string[]} [int]    flags that take a whole number ≥ 0, e.g. ['--replica']
 * @property {Record<string, string>} [alias]  short or old spellings → the flag, e.g. {'-o': '--output'}
 * @property {boolean} [rest]    `--` ends the flags; what follows is kept verbatim in `rest`
 * @property {Record<string, string>} [examples]  a value to show in the "needs a value" message, by long name
 */

/**
 * @typedef {object} ParsedFlags
 * @property {string[]} positional
 * @property {Record<string, string | number | boolean>} flags  keyed by the long name, e.g. flags['--replica'] = 1
 * @property {string[]} rest       everything after `--` (only when the spec allows it)
 * @property {string[]} problems   one sentence each: which flag, what was wrong, how to write it
 */

/**
 * @param {string[]} args
 * @param {FlagSpec} spec
 * @returns {ParsedFlags}
 */
export function parseFlags(args, spec = {}) {
  const bool = new Set(spec.bool ?? []);
  const value = new Set(spec.value ?? []);
  const int = new Set(spec.int ?? []);
  const alias = spec.alias ?? {};
  const known = [...bool, ...value, ...int];
  // The next token is another flag, not this one's value: `--destination --source 1` lacks a destination.
  const isFlagToken = (t) => t === '--' || known.includes(alias[t.split('=')[0]] ?? t.split('=')[0]);
  /** @type {ParsedFlags} */
  const out = { positional: [], flags: {}, rest: [], problems: [] };

  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    if (arg === '--' && spec.rest) {
      out.rest = args.slice(i + 1).map(String);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq > 0 ? arg.slice(0, eq) : arg;
    const name = alias[rawName] ?? rawName;
    if (bool.has(name)) {
      if (eq > 0) out.problems.push(`${rawName}: takes no value (write ${rawName} alone)`);
      else out.flags[name] = true;
      continue;
    }
    if (value.has(name) || int.has(name)) {
      let v;
      if (eq > 0) v = arg.slice(eq + 1);
      else if (i + 1 < args.length && !isFlagToken(String(args[i + 1]))) v = String(args[++i]);
      if (v === undefined || v === '') {
        out.problems.push(`${rawName}: needs a value, e.g. ${example(name, int.has(name), spec.examples)}`);
        continue;
      }
      if (int.has(name)) {
        if (!/^\d{1,6}$/.test(v)) {
          out.problems.push(`${rawName}: "${v}" is not an ordinal; give a whole number ≥ 0, e.g. ${example(name, true, spec.examples)}`);
          continue;
        }
        out.flags[name] = Number(v);
      } else {
        out.flags[name] = v;
      }
      continue;
    }
    out.problems.push(`${rawName}: unknown flag${known.length ? ` (this command takes ${known.join(', ')})` : ' (this command takes none)'}`);
  }
  return out;
}

function example(name, isInt, examples = {}) {
  if (examples[name]) return `${name} ${examples[name]}`;
  if (isInt) return `${name} 1`;
  if (name === '--output') return '--output json';
  return `${name} VALUE`;
}

/** Throws the first problem as the command's error, prefixed with its usage line. */
export function assertNoProblems(parsed, usage) {
  if (parsed.problems.length) throw new Error(`${parsed.problems.join('; ')}\nusage: ${usage}`);
}
