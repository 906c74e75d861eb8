/** Every verb the CLI knows: its own, then those contributed by modules' `cli.ts` files. */
import { verbs as apiVerbs } from '../../modules/api/cli.js';
import { verbs as applyVerbs } from '../../modules/apply/cli.js';
import { verbs as configVerbs } from '../../modules/config/cli.js';
import { extendGet, verbs as podVerbs } from '../../modules/pods/cli.js';
import { verbs as deploymentVerbs } from '../../modules/deployment/cli.js';
import { verbs as jobVerbs } from '../../modules/job/cli.js';
import { verbs as pluginManageVerbs } from '../../modules/plugins/cli-manage.js';
import { verbs as releaseVerbs } from '../../modules/release/cli.js';
import { verbs as remoteVerbs } from '../remote/verbs.js';
import type { Verb } from '../verb.js';
import { version } from './version.js';

export { pluginCall, runPluginVerb } from '../../modules/plugins/cli.js';

// `get` learns `get pods` from the pods module; every other kind stays apply's.
const withPods = (v: Verb) => (v.name === 'get' ? extendGet(v) : v);

export const allVerbs: Verb[] = [version, ...apiVerbs, ...applyVerbs.map(withPods), ...configVerbs, ...deploymentVerbs, ...podVerbs, ...jobVerbs, ...pluginManageVerbs, ...releaseVerbs, ...remoteVerbs];
