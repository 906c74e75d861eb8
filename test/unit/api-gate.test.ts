/** The gate's pure parts: browser checks, route matching, plugin capabilities, the token file and the CLI's token lookup. */
import test from 'ava';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findToken } from '../../cli/token.js';
import { refuseBodyType, refuseBrowser, hostOf } from '../../modules/api/browser-guard.js';
import { PluginCapabilities } from '../../modules/api/capabilities.js';
import { RouteTable } from '../../modules/api/route-table.js';
import { ensureTokenFile, groupId } from '../../modules/api/token-file.js';

const OURS = new Set(['localhost', '172.18.0.1']);

test('hostOf strips the port and the IPv6 brackets', (t) => {
  t.is(hostOf('127.0.0.1:8686'), '127.0.0.1');
  t.is(hostOf('LocalHost:8686'), 'localhost');
  t.is(hostOf('[::1]:8686'), '::1');
  t.is(hostOf('172.18.0.1'), '172.18.0.1');
  t.is(hostOf('evil.example.com'), 'evil.example.com');
});

test('browser-shaped requests: an Origin, or a Host that is not ours, is refused; no Host is fine', (t) => {
  t.is(refuseBrowser({ host: '127.0.0.1:8686' }, OURS), undefined);
  t.is(refuseBrowser({ host: '127.9.9.9' }, OURS), undefined, 'any loopback address');
  t.is(refuseBrowser({ host: '[::1]:1' }, OURS), undefined);
  t.is(refuseBrowser({ host: '172.18.0.1:8687' }, OURS), undefined);
  t.is(refuseBrowser({}, OURS), undefined, 'HTTP/1.0 scripts send no Host');
  t.is(refuseBrowser({ host: 'evil.example.com' }, OURS)?.status, 403);
  t.regex(refuseBrowser({ host: 'evil.example.com:8686' }, OURS)!.message, /--api-host evil\.example\.com/);
  t.is(refuseBrowser({ host: 'localhost', origin: 'null' }, OURS)?.status, 403);
  t.is(refuseBrowser({ host: 'localhost.evil.com' }, OURS)?.status, 403);
});

test('a body must be JSON unless the route takes another type; no body, no check', (t) => {
  t.is(refuseBodyType({}), undefined);
  t.is(refuseBodyType({ 'content-length': '0', 'content-type': 'text/plain' }), undefined);
  t.is(refuseBodyType({ 'content-length': '2', 'content-type': 'application/json; charset=utf-8' }), undefined);
  t.is(refuseBodyType({ 'content-length': '2', 'content-type': 'text/plain' })?.status, 415);
  t.is(refuseBodyType({ 'transfer-encoding': 'chunked', 'content-type': 'multipart/form-data; boundary=x' })?.status, 415);
  t.is(refuseBodyType({ 'content-length': '2' })?.status, 415, 'a body with no type');
  t.is(refuseBodyType({ 'content-length': '9', 'content-type': 'application/x-tar' }, ['application/x-tar']), undefined);
});

test('the route table matches params per segment and by method', (t) => {
  const table = new RouteTable();
  table.add('GET', '/pods/:name/ready', false, { public: true });
  table.add('POST', '/plugin/:name/:command', false);
  t.deepEqual(table.match('GET', '/pods/a%2Fb.0/ready')?.params, { name: 'a/b.0' });
  t.is(table.match('GET', '/pods/x/ready/')?.route.path, '/pods/:name/ready');
  t.is(table.match('POST', '/pods/x/ready'), undefined);
  t.is(table.match('GET', '/pods/x/y/ready'), undefined);
  t.deepEqual(table.match('POST', '/plugin/redis/failover')?.params, { name: 'redis', command: 'failover' });
  t.is(table.list().length, 2);
});

test('a plugin capability works until revoked or expired, and only the grant it was minted for', async (t) => {
  const caps = new PluginCapabilities();
  const a = caps.mint({ plugin: 'redis' }, 60_000);
  const b = caps.mint({ plugin: 'pg' }, 50);
  t.not(a.token, b.token);
  t.regex(a.token, /^[A-Za-z0-9_-]{43}$/);
  t.deepEqual(caps.lookup(a.token), { plugin: 'redis' });
  t.deepEqual(caps.lookup(b.token), { plugin: 'pg' });
  t.is(caps.lookup('made-up-token-made-up-token'), undefined);
  a.revoke();
  t.is(caps.lookup(a.token), undefined);
  await new Promise((r) => setTimeout(r, 120));
  t.is(caps.lookup(b.token), undefined, 'expired');
  t.is(caps.size, 0);
});

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-token-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the token file is created once with mode 0600, and read back the same', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'api-token');
  const warnings: string[] = [];
  const first = await ensureTokenFile({ path, create: true, warn: (m) => warnings.push(m) });
  t.regex(first, /^[0-9a-f]{64}$/);
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.is(await ensureTokenFile({ path, create: true, warn: (m) => warnings.push(m) }), first);
  t.deepEqual(warnings, []);
});

test('a token file readable by others is tightened with a warning; a group makes it 0640 for that group', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'api-token');
  await writeFile(path, 'a-token-of-enough-length\n');
  await chmod(path, 0o644);
  const warnings: string[] = [];
  t.is(await ensureTokenFile({ path, create: true, warn: (m) => warnings.push(m) }), 'a-token-of-enough-length');
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.regex(warnings[0] ?? '', /readable beyond its owner \(mode 644\); set to 600/);

  const gid = await groupId('nogroup');
  await ensureTokenFile({ path, create: true, group: 'nogroup', warn: () => {} });
  const st = await stat(path);
  t.is(st.mode & 0o777, 0o640);
  t.is(st.gid, gid);
});

test('an explicit token file must exist and hold a long enough token; an unknown group is named', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'nope');
  await t.throwsAsync(ensureTokenFile({ path: missing, create: false, warn: () => {} }), { message: /nope does not exist; write a token/ });
  const short = join(dir, 'short');
  await writeFile(short, 'abc');
  await t.throwsAsync(ensureTokenFile({ path: short, create: false, warn: () => {} }), { message: /at least 16 characters/ });
  await t.throwsAsync(ensureTokenFile({ path: short, create: false, group: 'no-such-group-here', warn: () => {} }), { message: /no group "no-such-group-here"/ });
});

test('the CLI: VOODU_API_TOKEN first, else the token file, read only for a loopback controller', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'api-token'), 'file-token-0123456789\n');
  const env = { VOODU_ROOT: dir };
  t.deepEqual(findToken({ ...env, VOODU_API_TOKEN: 'env-token' }, 'http://10.0.0.1:8686'), { token: 'env-token' });
  t.deepEqual(findToken(env, 'http://127.0.0.1:8686'), { token: 'file-token-0123456789' });
  t.deepEqual(findToken(env, 'http://localhost:8686'), { token: 'file-token-0123456789' });
  const remote = findToken(env, 'http://10.0.0.1:8686');
  t.is(remote.token, undefined, "this host's token is never sent to another host");
  t.regex(remote.problem!, /not on this host/);
  t.deepEqual(findToken(env, 'http://127.0.0.1:8686/cap/abcdefghijklmnopqrstuv'), {}, 'a capability URL carries its own credential');
  t.regex(findToken({ VOODU_ROOT: join(dir, 'missing') }, 'http://127.0.0.1:8686').problem!, /api-token does not exist/);
  t.is(findToken({ VOODU_API_TOKEN_FILE: join(dir, 'api-token') }, 'http://127.0.0.1:1').token, 'file-token-0123456789');
  t.is((await readFile(join(dir, 'api-token'), 'utf8')).trim(), 'file-token-0123456789');
});
