/** Every verb the CLI knows: its own, then those contributed by modules' `cli.ts` files. */
import { verbs as apiVerbs } from '../../modules/api/cli.js';
import { verbs as applyVerbs } from '../../modules/apply/cli.js';
import { verbs as configVerbs } from '../../modules/config/cli.js';
import type { Verb } from '../verb.js';
import { version } from './version.js';

export const allVerbs: Verb[] = [version, ...apiVerbs, ...applyVerbs, ...configVerbs];
