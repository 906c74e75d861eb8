import test from 'ava';
import { createHash } from 'node:crypto';
import { buildPlan, renderPlan, type WireManifest } from '../../cli/diff.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { REDACTED, changedSecrets, keyedDigest, redactManifest } from '../../lib/manifest/redact.js';
import { kinds } from '../helpers/kinds.js';

const registry = (token: string, extra: Record<string, unknown> = {}): WireManifest => ({
  kind: 'registry',
  name: 'ghcr',
  spec: { url: 'ghcr.io', username: 'me', token, ...extra },
});

test('a registry token becomes the marker, with a keyed digest in metadata; the input is not touched', (t) => {
  const digest = keyedDigest(Buffer.alloc(32, 7));
  const m: WireManifest = { ...registry('ghp_s3cret-token'), metadata: { revision: 4 } };
  const out = redactManifest(m, digest);
  t.is(out.spec!.token, REDACTED);
  t.is(out.spec!.username, 'me');
  t.is(out.metadata!.revision, 4);
  t.regex(out.metadata!.secret_digests!.token!, /^hmac-sha256:[0-9a-f]{12}$/);
  t.false(JSON.stringify(out).includes('ghp_s3cret-token'));
  t.is(m.spec!.token, 'ghp_s3cret-token', 'the stored manifest keeps its value');
  // `password`, the alias, is hidden as well.
  t.is(redactManifest(registry('x', { password: 'hunter2' }), digest).spec!.password, REDACTED);
});

test('the digest is keyed: not sha256 of the value, equal under one key, different under another', (t) => {
  const a = keyedDigest(Buffer.alloc(32, 1));
  const b = keyedDigest(Buffer.alloc(32, 2));
  const plain = createHash('sha256').update('password1').digest('hex').slice(0, 12);
  t.is(a('password1'), a('password1'));
  t.not(a('password1'), a('password2'));
  t.not(a('password1'), b('password1'));
  t.false(a('password1').includes(plain), 'a plain hash of a weak password would be dictionary bait');
});

test('redaction is idempotent and leaves other kinds alone', (t) => {
  const d1 = keyedDigest();
  const d2 = keyedDigest();
  const once = redactManifest(registry('tok-123456'), d1);
  const twice = redactManifest(once, d2);
  t.deepEqual(twice, once, 'a second pass (the CLI after the controller) keeps the first digest');
  const dep = { kind: 'deployment', scope: 'p', name: 'a', spec: { image: 'x', env: { token: 'not a registry' } } };
  t.is(redactManifest(dep, d1), dep);
  const helper = { kind: 'registry', name: 'ecr', spec: { url: 'x.ecr', helper: 'ecr-login' } };
  t.is(redactManifest(helper, d1), helper);
});

test('changedSecrets compares digests field by field', (t) => {
  const d = keyedDigest();
  t.deepEqual(changedSecrets(redactManifest(registry('aaaa1'), d), redactManifest(registry('aaaa1'), d)), []);
  t.deepEqual(changedSecrets(redactManifest(registry('aaaa1'), d), redactManifest(registry('bbbb2'), d)), ['token']);
  t.deepEqual(changedSecrets(registry('plain'), registry('other')), [], 'no digests, nothing to say');
});

test('the plan says a token changed, or nothing, and never prints one — from a redacting controller or an older raw one', (t) => {
  const controller = keyedDigest();
  const answered = (cur: string, next: string) => ({
    applied: [redactManifest(registry(next), controller)],
    current: [redactManifest(registry(cur), controller)],
    pruned: [],
  });
  const changed = renderPlan(buildPlan(answered('old-token-1', 'new-token-2')));
  t.regex(changed, /~ registry\/ghcr\n {4}~ token {2}\(changed\)\n/);
  t.regex(changed, /1 to modify/);
  const same = buildPlan(answered('same-token', 'same-token'));
  t.is(same.resources[0]!.op, '=');
  t.deepEqual(same.counts, { add: 0, modify: 0, prune: 0 });

  // An older controller answers the raw values: the CLI redacts both sides itself.
  const raw = renderPlan(buildPlan({ applied: [registry('raw-new-999')], current: [registry('raw-old-111')], pruned: [] }));
  t.regex(raw, /~ token {2}\(changed\)/);
  t.false(raw.includes('raw-new-999') || raw.includes('raw-old-111'));
  const rawSame = buildPlan({ applied: [registry('raw-same-1')], current: [registry('raw-same-1')], pruned: [] });
  t.is(rawSame.resources[0]!.op, '=');

  const added = renderPlan(buildPlan({ applied: [registry('brand-new-tok')], current: [null], pruned: [] }));
  t.regex(added, /\+ token +"\(redacted\)"/);
  t.false(added.includes('brand-new-tok'));

  // A visible field next to a changed token: both lines, sorted by path.
  const both = renderPlan(buildPlan({ applied: [registry('t2-xxxx', { username: 'you' })], current: [registry('t1-xxxx')], pruned: [] }));
  t.regex(both, /~ token {5}\(changed\)\n {4}~ username {2}"me" {2}→ {2}"you"/);
});

test('applying the marker as a token is refused, naming the field', (t) => {
  const err = t.throws(() => validateManifest({ kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'me', token: REDACTED } }, kinds));
  t.regex(err!.message, /token.*placeholder answers show instead of the secret/);
  t.throws(() => validateManifest({ kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'me', password: REDACTED } }, kinds), { message: /password.*placeholder/ });
  t.notThrows(() => validateManifest({ kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'me', token: 'real' } }, kinds));
});
