/**
 * Every verb the CLI knows: its own (`version`, `remote …`), and those the
 * core modules contribute through the `cli` facet of their entry in
 * modules/core.ts. There is no list to keep here: a module adds a verb in its
 * own `cli.ts`. The facets are loaded in parallel, once per process; each
 * one's `extendVerb` may wrap any verb (pods teach apply's `get` to list pods).
 */
import { coreModules } from '../../modules/core.js';
import { completion } from '../completion/verb.js';
import { verbs as remoteVerbs } from '../remote/verbs.js';
import type { CliFacet, Verb } from '../verb.js';
import { version } from './version.js';

export { pluginCall, runPluginVerb } from '../../modules/plugins/cli.js';

let loaded: Promise<Verb[]> | undefined;

/** The full verb list, in help order: `version`, `completion`, the modules' in catalogue order, then `remote`. */
export function loadVerbs(): Promise<Verb[]> {
  return (loaded ??= assemble());
}

async function assemble(): Promise<Verb[]> {
  const facets: CliFacet[] = (await Promise.all(Object.values(coreModules).map((m) => m.cli?.()))).filter((f) => f !== undefined);
  const verbs = [version, completion, ...facets.flatMap((f) => f.verbs), ...remoteVerbs];
  return verbs.map((verb) => facets.reduce((v, f) => (f.extendVerb ? f.extendVerb(v) : v), verb));
}
