// A community module: the kind `greeting`, its reconcile, the action `greet` and GET /greetings.
// Plain ESM JavaScript loaded by Node; the JSDoc imports are types only (erased, nothing loads).
/** @typedef {import('../../modules/kinds/contract.js').KindDefinition} KindDefinition */
/** @typedef {import('../../modules/store/contract.js').Store} Store */
/** @typedef {import('../../modules/api/contract.js').Api} Api */

/** @type {import('../../kernel/index.js').VooduModule} */
export default {
  name: 'greeting',
  description: 'Example community module: the greeting kind',
  requires: ['kinds', 'store', 'api'],
  register(ctx) {
    const kinds = ctx.service('kinds');
    const store = ctx.service('store');
    kinds.defineFor(ctx.name, [{
      name: 'greeting',
      scope: 'required',
      summary: 'A message the controller says back in the status',
      fields: { message: { type: 'string', doc: 'What to say' } },
      example: 'greeting "demo" "hello" {\n  message = "hi"\n}',
      roles: { prunable: true },
      validate(spec, at) {
        for (const key of Object.keys(spec)) if (key !== 'message') at.key(key).fail('unknown field; a greeting has message');
        if (spec.message === undefined) at.key('message').fail('is required');
        if (typeof spec.message !== 'string' || !spec.message) at.key('message').fail('must be a non-empty string');
        return { message: spec.message };
      },
    }]);
    /** @type {Map<string, { scope: string, name: string, greeted: string, greets: number }>} by scope/name */
    const greeted = new Map();
    ctx.hooks.onReconcile.for('greeting').tapPromise(ctx.name, async ({ ref, manifest }) => {
      const id = `${ref.scope}/${ref.name}`;
      const key = kinds.statusKey(ref); // the status blob `voodu describe` shows
      if (!manifest) return void (greeted.delete(id), await store.delete(key)); // deleted: forget it
      const message = String(manifest.spec.message);
      greeted.set(id, { scope: ref.scope, name: ref.name, greeted: message, greets: greeted.get(id)?.greets ?? 0 });
      // Merged, not replaced: the reconciler records last_reconcile_* in the same blob after this tap.
      await store.putJSON(key, { ...(await store.getJSON(key)), greeted: message });
    });

    ctx.hooks.onAction.for('greet').tapPromise(ctx.name, async (action, actx) => {
      const g = greeted.get(`${action.scope}/${action.name}`);
      if (!g) throw new Error(`greet: no greeting ${action.scope}/${action.name}; apply greeting "<scope>" "<name>" first`);
      if (!actx.dryRun) g.greets += 1;
      return { applied: `greet ${g.scope}/${g.name}: ${g.greeted}` };
    });
    ctx.service('api').route('GET', '/greetings', () => [...greeted.values()]);
  },
};
