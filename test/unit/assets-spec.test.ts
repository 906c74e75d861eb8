/** Asset manifests: identity, keys, the three value shapes, url options and durations. */
import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { type Manifest } from '../../lib/identity.js';
import { parseDuration } from '../../modules/assets/duration.js';
import { parseAsset } from '../../modules/assets/parse.js';

const asset = (files: unknown, scope = 'prod', name = 'cfg'): Manifest => ({ kind: 'asset', scope, name, spec: { files } as Record<string, unknown> });

test('the three value shapes decode', (t) => {
  const parsed = parseAsset(
    asset({
      inline: 'text',
      file: { _source: 'file', content: Buffer.from('bytes').toString('base64'), filename: 'f.txt' },
      remote: { _source: 'url', url: 'https://example.com/x', timeout: '', on_failure: '' },
      strict: { _source: 'url', url: 'http://example.com/y', timeout: '1m30s', on_failure: 'error' },
    }),
  );
  t.is(parsed.label, 'asset/prod/cfg');
  const byKey = Object.fromEntries(parsed.files.map((f) => [f.key, f.source]));
  t.deepEqual(byKey['inline'], { type: 'inline', bytes: Buffer.from('text') });
  t.deepEqual(byKey['file'], { type: 'file', bytes: Buffer.from('bytes'), filename: 'f.txt' });
  t.deepEqual(byKey['remote'], { type: 'url', url: 'https://example.com/x', timeoutMs: 30_000, onFailure: 'stale' });
  t.deepEqual(byKey['strict'], { type: 'url', url: 'http://example.com/y', timeoutMs: 90_000, onFailure: 'error' });
});

test('unscoped assets and a missing files map are fine', (t) => {
  const parsed = parseAsset({ kind: 'asset', name: 'solo', spec: {} });
  t.is(parsed.scope, '');
  t.is(parsed.label, 'asset/solo');
  t.deepEqual(parsed.files, []);
});

test('keys outside [A-Za-z0-9_-] are refused, naming the key', (t) => {
  for (const key of ['../x', 'a/b', '.', '..', '', 'a.b', 'x\u0000', 'é']) {
    const err = t.throws(() => parseAsset(asset({ [key]: 'x' })), { instanceOf: ValidationError });
    t.true(err!.message.includes(`files key ${JSON.stringify(key)}`), err!.message);
  }
  t.notThrows(() => parseAsset(asset({ 'A_b-9': 'x', _lead: 'y', '-dash': 'z' })));
});

test('scope and name are validated', (t) => {
  t.throws(() => parseAsset(asset({}, '../up')), { instanceOf: ValidationError, message: /asset scope/ });
  t.throws(() => parseAsset(asset({}, 'prod', 'a/b')), { instanceOf: ValidationError, message: /asset name/ });
});

test('other shapes are refused, naming the asset, the key and the accepted shapes', (t) => {
  for (const value of [1, true, null, [], {}, { _source: 'file' }, { _source: 'file', content: '***' }, { _source: 'url', url: '' }]) {
    const err = t.throws(() => parseAsset(asset({ k: value })), { instanceOf: ValidationError });
    t.true(err!.message.startsWith('asset/prod/cfg: files.k:'), err!.message);
  }
  t.regex(t.throws(() => parseAsset(asset({ k: 5 })))!.message, /accepted: a string \(inline content\), \{"_source":"file"/);
  t.throws(() => parseAsset({ kind: 'asset', name: 'x', spec: { files: ['a'] } }), { message: /spec\.files must be a map/ });
});

test('url values: scheme, timeout and on_failure are checked', (t) => {
  const url = (u: string, extra: Record<string, unknown> = {}) => asset({ k: { _source: 'url', url: u, ...extra } });
  t.throws(() => parseAsset(url('file:///etc/passwd')), { message: /scheme "file" is not allowed; only http and https/ });
  t.throws(() => parseAsset(url('not a url')), { message: /is not a URL/ });
  t.throws(() => parseAsset(url('http://x', { timeout: '30' })), { message: /timeout "30" is not a duration/ });
  t.throws(() => parseAsset(url('http://x', { timeout: '2h' })), { message: /between 1ms and 10m/ });
  t.throws(() => parseAsset(url('http://x', { on_failure: 'ignore' })), { message: /on_failure "ignore" is not one of/ });
});

test('parseDuration reads Go durations', (t) => {
  t.is(parseDuration('30s'), 30_000);
  t.is(parseDuration('1m30s'), 90_000);
  t.is(parseDuration('250ms'), 250);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('1h'), 3_600_000);
  for (const bad of ['', '30', 's', '1 s', '-1s', '1d']) t.is(parseDuration(bad), undefined, bad);
});
