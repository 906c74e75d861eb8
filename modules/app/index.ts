/**
 * The `app` module: `app "scope" "name" {}` is a deployment and an ingress
 * sharing one identity. The CLI expands it while parsing; this module does
 * the same on the server, so a JSON client posting an `app` gets the same
 * result. Both use the kind's own `expandApp` (spec.ts).
 */
import { defineModule } from '../../kernel/index.js';
import '../kinds/contract.js';
import { expandApp } from './spec.js';

export default defineModule({
  name: 'app',
  description: 'Expands app manifests into a deployment and an ingress',
  requires: ['kinds'],
  register(ctx) {
    const kinds = ctx.service('kinds');
    ctx.hooks.onExpand.for('app').tapPromise('app', async (manifest) => ({ manifests: expandApp(manifest, kinds) }));
  },
});
