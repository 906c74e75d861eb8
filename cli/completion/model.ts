/**
 * What shell completion knows about the CLI, derived from the verbs the CLI
 * loads (cli/verbs/index.ts) and the kind registry — never from a list kept
 * here, so a module's new verb, flag or kind completes without touching this
 * folder. The shell scripts (bash.ts, zsh.ts, fish.ts) render this model.
 */
import type { Verb, VerbOption } from '../verb.js';

/** The marker a slot carries when stored refs are fetched from the controller (`voodu completion __refs`). */
export const REFS = '@refs';

/** Global flags main.ts reads before the verb; each takes a value. */
export const GLOBAL_FLAGS = ['--controller-url', '-o', '--output', '-r', '--remote'];

export interface VerbModel {
  /** What selects the verb as typed, name and aliases: `describe`, `desc`, `remote add`, `remote ls`. */
  keys: string[];
  /** Every flag spelling of its options: `-o`, `--output`, `--prune`. */
  flags: string[];
  /** The flags that take the next word as their value (sade reads every non-boolean option so). */
  valueFlags: string[];
  /** Candidates of each positional argument in order; REFS among them means refs are fetched. */
  slots: string[][];
}

export interface CompletionModel {
  /** First words a command starts with, primary names only (an alias would make `des` ambiguous). */
  commands: string[];
  /** Second words under a group (`remote` → add, list, …): a group's first positional. */
  groups: Record<string, string[]>;
  verbs: VerbModel[];
  kinds: string[];
}

interface Slot {
  name: string;
  optional: boolean;
}

/** `<kind> [ref]` → its slots, in order. */
export function parseArgs(args: string | undefined): Slot[] {
  return [...(args ?? '').matchAll(/([<[])([^\]>]+)[\]>]/g)].map((m) => ({ name: m[2]!.trim(), optional: m[1] === '[' }));
}

/**
 * What each positional completes to, read from its name in the verb's
 * `args`: `kind` → the stored kinds; `ref` → refs; `a|b` → those words (and
 * refs when it is optional before a required ref: `run [job|cronjob] <ref>`);
 * `target` before a `ref` → kinds and refs (`delete`). Other names (a
 * source, a remote's user@host) complete to nothing, so the shell offers files.
 */
export function slotCandidates(slots: Slot[], kinds: string[]): string[][] {
  return slots.map((slot, i) => {
    const next = slots[i + 1];
    const beforeRef = next?.name === 'ref';
    if (slot.name === 'kind') return [...kinds];
    if (slot.name === 'ref') return [REFS];
    if (slot.name.includes('|')) {
      const words = slot.name.split('|').map((w) => w.trim()).filter(Boolean);
      return slot.optional && beforeRef && !next!.optional ? [...words, REFS] : words;
    }
    if (slot.name === 'target' && beforeRef) return [...kinds, REFS];
    return [];
  });
}

/** `-o, --output` → `-o`, `--output`. */
export function flagSpellings(flags: string): string[] {
  return flags
    .split(/[,\s]+/)
    .map((f) => f.trim())
    .filter((f) => f.startsWith('-'));
}

/** An option on by default is turned off with `--no-<name>` (sade's reading): `--wait` → `--no-wait`. */
function negations(option: VerbOption): string[] {
  if (option.default !== true) return [];
  return flagSpellings(option.flags)
    .filter((f) => f.startsWith('--'))
    .map((f) => `--no-${f.slice(2)}`);
}

export function buildModel(verbs: Verb[], kinds: string[]): CompletionModel {
  const commands: string[] = [];
  const groups: Record<string, string[]> = {};
  const add = (list: string[], word: string) => {
    if (!list.includes(word)) list.push(word);
  };
  for (const verb of verbs) {
    const [first, second] = verb.name.split(' ');
    add(commands, first!);
    if (second) add((groups[first!] ??= []), second);
  }
  const model: VerbModel[] = verbs.map((verb) => {
    const options = verb.options ?? [];
    const group = groups[verb.name];
    return {
      keys: [verb.name, ...(verb.aliases ?? [])],
      flags: [...new Set(options.flatMap((o) => [...flagSpellings(o.flags), ...negations(o)]))],
      valueFlags: [...new Set(options.filter((o) => typeof o.default !== 'boolean').flatMap((o) => flagSpellings(o.flags)))],
      // A group verb (`remote`) takes no argument of its own: its first word picks the sub-verb.
      slots: group ? [group] : slotCandidates(parseArgs(verb.args), kinds),
    };
  });
  return { commands, groups, verbs: model, kinds: [...kinds] };
}

/** The model of this CLI: its verbs and the core kind registry's stored kinds. */
export async function loadModel(): Promise<CompletionModel> {
  // Loaded when asked: cli/verbs/index.ts imports this verb, so a static import would be a cycle.
  const [{ loadVerbs }, { coreKindRegistry }] = await Promise.all([import('../verbs/index.js'), import('../../modules/core.js')]);
  const [verbs, registry] = await Promise.all([loadVerbs(), coreKindRegistry()]);
  return buildModel(verbs, registry.storedNames());
}
