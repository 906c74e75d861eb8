/** The core kind registry, as the CLI and the controller's `kinds` module build it. */
import { coreKindRegistry } from '../../modules/core.js';

export const kinds = await coreKindRegistry();
