/**
 * The `app` module: `app "scope" "name" {}` is a deployment and an ingress
 * sharing one identity. The CLI expands it while parsing; this module does
 * the same on the server, so a JSON client posting an `app` gets the same
 * result. Both use lib/manifest's `expandApp`.
 */
import { defineModule } from '../../kernel/index.js';
import { expandApp } from '../../lib/manifest/index.js';

export default defineModule({
  name: 'app',
  description: 'Expands app manifests into a deployment and an ingress',
  register(ctx) {
    ctx.hooks.onExpand.for('app').tapPromise('app', async (manifest) => ({ manifests: expandApp(manifest) }));
  },
});
