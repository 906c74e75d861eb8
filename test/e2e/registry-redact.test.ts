/**
 * Registry tokens stay in the store (lib/manifest/redact.ts): every answer
 * — GET /apply, GET /describe, the apply and dry-run answers — shows the
 * marker, and `voodu diff` says `(changed)` or nothing. A real etcd, real
 * HTTP and the real CLI; no Docker needed (no module reconciles registries here).
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../../lib/identity.js';
import { REDACTED } from '../../lib/manifest/redact.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';

const MODULES = ['paths', 'store', 'api', 'config', 'apply'];
const TOKEN_1 = 'ghp_first-Token-0000000001';
const TOKEN_2 = 'ghp_second-Token-000000002';

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;
let file: string;

test.before(async () => {
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES);
  work = await mkdtemp(join(tmpdir(), 'voodu-registry-e2e-'));
  file = join(work, 'voodu.hcl');
  // The token comes from the environment, as examples/registry shows.
  await writeFile(file, 'registry "ghcr" {\n  url      = "ghcr.io"\n  username = "bot"\n  token    = "${REG_TOKEN}"\n}\n');
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function cli(args: string[], token: string) {
  return runCli(['--controller-url', ctl.url, ...args], { env: { VOODU_API_TOKEN: ctl.token, REG_TOKEN: token } });
}

const leaks = (v: unknown) => JSON.stringify(v).includes(TOKEN_1) || JSON.stringify(v).includes(TOKEN_2);
const registry = (token: string) => [{ kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'bot', token } }];

test.serial('apply stores the real token and answers the marker', async (t) => {
  const res = await callApi(ctl, 'POST', '/apply', registry(TOKEN_1));
  t.is(res.status, 200, res.body.error);
  t.is(res.body.data.applied[0].spec.token, REDACTED);
  t.regex(res.body.data.applied[0].metadata.secret_digests.token, /^hmac-sha256:[0-9a-f]{12}$/);
  t.false(leaks(res.body));
  const stored = await etcd.store.getJSON<{ spec: { token: string } }>(keys.desired({ kind: 'registry', scope: '', name: 'ghcr' }));
  t.is(stored?.spec.token, TOKEN_1, 'the store keeps what docker needs');
});

test.serial('GET /apply (all, and of one kind) and GET /describe answer the marker', async (t) => {
  const all = await callApi(ctl, 'GET', '/apply');
  const one = await callApi(ctl, 'GET', '/apply?kind=registry');
  const described = await callApi(ctl, 'GET', '/describe?kind=registry&name=ghcr');
  for (const res of [all, one, described]) t.is(res.status, 200, res.body.error);
  t.is(one.body.data.find((m: any) => m.name === 'ghcr').spec.token, REDACTED);
  t.is(described.body.data.manifest.spec.token, REDACTED);
  t.is(described.body.data.manifest.spec.username, 'bot');
  t.false(leaks(all.body) || leaks(one.body) || leaks(described.body));
});

test.serial('the dry run redacts applied and current; equal tokens digest alike, different ones do not', async (t) => {
  const same = await callApi(ctl, 'POST', '/apply?dry_run=true', registry(TOKEN_1));
  t.is(same.status, 200, same.body.error);
  t.is(same.body.data.current[0].spec.token, REDACTED);
  t.is(same.body.data.applied[0].spec.token, REDACTED);
  t.is(same.body.data.current[0].metadata.secret_digests.token, same.body.data.applied[0].metadata.secret_digests.token);
  const other = await callApi(ctl, 'POST', '/apply?dry_run=true', registry(TOKEN_2));
  t.not(other.body.data.current[0].metadata.secret_digests.token, other.body.data.applied[0].metadata.secret_digests.token);
  t.false(leaks(same.body) || leaks(other.body));
});

test.serial('voodu diff: nothing for an unchanged token, `token (changed)` for a new one, the value never', async (t) => {
  const unchanged = await cli(['diff', '-f', file, '--detailed-exitcode'], TOKEN_1);
  t.is(unchanged.code, 0, unchanged.stderr);
  t.regex(unchanged.stdout, /= registry\/ghcr \(unchanged\)/);
  t.regex(unchanged.stdout, /no changes/);

  const changed = await cli(['diff', '-f', file, '--detailed-exitcode'], TOKEN_2);
  t.is(changed.code, 2, changed.stderr);
  t.regex(changed.stdout, /~ registry\/ghcr\n {4}~ token {2}\(changed\)\n/);
  const json = await cli(['diff', '-f', file, '-o', 'json'], TOKEN_2);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout).plan.resources[0].changes, [{ op: '~', path: 'token', secret: true }]);
  for (const r of [unchanged, changed, json]) t.false(leaks(r.stdout + r.stderr));
});

test.serial('voodu get and describe show the marker; re-applying the marker is refused, the stored token untouched', async (t) => {
  const got = await cli(['get', 'registry', '-o', 'json'], TOKEN_1);
  const described = await cli(['describe', 'registry', 'ghcr'], TOKEN_1);
  t.is(got.code, 0, got.stderr);
  t.is(described.code, 0, described.stderr);
  t.regex(described.stdout, /token: "?\(redacted\)"?/);
  t.false(leaks(got.stdout + described.stdout));

  // `get -o json` fed back to apply must not overwrite the token with the marker.
  const back = await callApi(ctl, 'POST', '/apply', JSON.parse(got.stdout));
  t.is(back.status, 400);
  t.regex(back.body.error!, /token.*placeholder/);
  const stored = await etcd.store.getJSON<{ spec: { token: string } }>(keys.desired({ kind: 'registry', scope: '', name: 'ghcr' }));
  t.is(stored?.spec.token, TOKEN_1);
});
