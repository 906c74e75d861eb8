/**
 * The `assets` module: the asset kind end to end. At apply it validates
 * assets, computes their content in memory and stamps digests on consumers
 * (stage `resolve`); on reconcile it materialises files from the stored
 * manifest or removes them; and it provides the `assets` service.
 */
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { formatRef, keys, type Manifest } from '../../lib/identity.js';
import { ApplyStage } from '../apply/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../store/contract.js';
import { resolveAssets } from './apply-stage.js';
import { Materialiser } from './materialiser.js';
import { createAssetsService } from './service.js';
import { DEFAULT_MAX_BYTES } from './url-fetch.js';

export interface AssetsOptions {
  /** Largest url() download accepted, in bytes. Default 16 MiB. */
  maxUrlBytes?: number;
}

export function validateOptions(raw: unknown): Required<AssetsOptions> {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new ValidationError('assets: options must be an object');
  for (const key of Object.keys(o)) {
    if (key !== 'maxUrlBytes') throw new ValidationError(`assets.${key}: unknown option; the assets module takes maxUrlBytes`, { field: key });
  }
  const max = o['maxUrlBytes'] ?? DEFAULT_MAX_BYTES;
  if (typeof max !== 'number' || !Number.isInteger(max) || max <= 0) {
    throw new ValidationError(`assets.maxUrlBytes: ${JSON.stringify(max)} is not a positive whole number of bytes`, { field: 'maxUrlBytes' });
  }
  return { maxUrlBytes: max };
}

export default defineModule<AssetsOptions>({
  name: 'assets',
  description: 'asset files (inline, file(), url()): digest stamping at apply, materialisation on reconcile',
  requires: ['store', 'paths', 'kinds'],
  provides: ['assets'],
  register(ctx) {
    const { maxUrlBytes } = validateOptions(ctx.options);
    const store = ctx.service('store');
    const paths = ctx.service('paths');
    const materialiser = new Materialiser({ store, paths, maxUrlBytes });
    ctx.provide('assets', createAssetsService({ store, paths, materialiser }));

    ctx.hooks.onApply.tapPromise({ name: 'assets', stage: ApplyStage.resolve }, (batch) => resolveAssets({ store, kinds: ctx.service('kinds'), paths, maxUrlBytes }, batch));

    ctx.hooks.onReconcile.for('asset').tapPromise('assets', async (event) => {
      if (event.type === 'delete') {
        await materialiser.remove(event.ref.scope, event.ref.name);
        return;
      }
      const manifest = event.manifest ?? (await store.getJSON<Manifest>(keys.desired(event.ref)));
      if (!manifest) return; // deleted since; its delete event follows
      // The etcd key is the identity, whatever the stored JSON says.
      const status = await materialiser.materialise({ ...manifest, scope: event.ref.scope, name: event.ref.name });
      const stale = Object.keys(status.errors);
      if (stale.length) ctx.log.warn(`${formatRef(event.ref)}: no fresh content for ${stale.join(', ')} (see its status errors)`);
    });
  },
});
