/**
 * The example community module (examples/community-module) end to end: a
 * real controller loads it from its module config, and the real CLI applies,
 * describes and deletes its `greeting` kind. Its `greet` action is reached
 * the way any action is: a plugin command answers it. No module that needs
 * Docker runs, so nothing here creates a container or a volume.
 */
import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keys } from '../../lib/identity.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { runCli } from '../helpers/cli.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const MODULE = fileURLToPath(new URL('../../examples/community-module/index.js', import.meta.url));
const SCOPE = 'demo';

let etcd: TestEtcd;
let ctl: TestController;
let work: string;

test.before(async () => {
  etcd = await startEtcd();
  ctl = await bootController({
    modules: {
      disable: ['runtime', 'workload', 'deployment', 'statefulset', 'job', 'cronjob', 'pods', 'probes', 'autoscaler', 'release', 'build', 'ingress', 'webhooks'],
      modules: [{ from: MODULE }],
    },
    flags: ['--etcd-endpoints', etcd.endpoint],
  });
  work = await mkdtemp(join(tmpdir(), 'voodu-community-e2e-'));
});

test.after.always(async () => {
  await ctl?.cleanup(); // the controller's root, with the plugin written into it
  await etcd?.stop(); // its data dir, with every key the tests wrote
  if (work) await rm(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { target: ctl });
const stored = (name: string) => etcd.store.get(keys.desired({ kind: 'greeting', scope: SCOPE, name }));

async function hcl(name: string, text: string): Promise<string> {
  const file = join(work, name);
  await writeFile(file, text);
  return file;
}

async function describeGreeting(name: string): Promise<{ manifest: { spec: { message: string } }; status: Record<string, unknown> | null }> {
  const res = await cli('describe', 'greeting', `${SCOPE}/${name}`, '-o', 'json');
  if (res.code !== 0) throw new Error(`voodu describe greeting ${SCOPE}/${name}: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

test.serial('the module is loaded and its kind is registered, owned by it', (t) => {
  t.true(ctl.kernel.modules().includes('greeting'));
  t.is(ctl.kernel.services.get('kinds', 'test').get('greeting')?.module, 'greeting');
});

test.serial('voodu apply of a greeting block stores it', async (t) => {
  const file = await hcl('hello.hcl', `greeting "${SCOPE}" "hello" {\n  message = "hi"\n}\n`);
  const res = await cli('apply', '-f', file);
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /greeting\/demo\/hello applied/);
  t.is(JSON.parse((await stored('hello'))!.value).spec.message, 'hi');
  const listed = await cli('get', 'greetings', '-o', 'json');
  t.is(listed.code, 0, listed.stderr);
  t.deepEqual(JSON.parse(listed.stdout).map((m: { scope: string; name: string; spec: unknown }) => [m.scope, m.name, m.spec]), [[SCOPE, 'hello', { message: 'hi' }]]);
});

test.serial('a greeting without message is refused naming the field, and nothing of its batch is stored', async (t) => {
  const file = await hcl('silent.hcl', `greeting "${SCOPE}" "fine" {\n  message = "ok"\n}\n\ngreeting "${SCOPE}" "silent" {\n}\n`);
  const before = await etcd.store.revision();
  const res = await cli('apply', '-f', file);
  t.is(res.code, 1);
  t.regex(res.stderr, /greeting\/demo\/silent: message: is required/);
  t.is(await stored('silent'), undefined);
  t.is(await stored('fine'), undefined, 'the valid block of the refused batch was stored');
  t.is(await etcd.store.revision(), before, 'a refused apply moved the store revision');

  const typo = await cli('apply', '-f', await hcl('typo.hcl', `greeting "${SCOPE}" "typo" {\n  mesage = "hi"\n}\n`));
  t.is(typo.code, 1);
  t.regex(typo.stderr, /greeting\/demo\/typo: mesage: unknown field; a greeting has message/);
});

test.serial('its reconcile writes the status voodu describe shows', async (t) => {
  const described = await waitFor('status.greeted of greeting/demo/hello', async () => {
    const d = await describeGreeting('hello');
    return d.status?.greeted === 'hi' && d.status.last_reconcile_at !== undefined && d;
  }, { context: async () => JSON.stringify(await describeGreeting('hello')) });
  t.is(described.manifest.spec.message, 'hi');
  t.is(described.status!.last_reconcile_error, '', 'the reconciler recorded its outcome beside the module\'s fields');
  const text = await cli('describe', 'greeting', `${SCOPE}/hello`);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /status:\n(?: {2}.*\n)*? {2}greeted: hi\n/);
});

test.serial('its route lists what it greeted', async (t) => {
  const { status, body } = await callApi(ctl, 'GET', '/greetings');
  t.is(status, 200, body.error);
  t.deepEqual(body.data, [{ scope: SCOPE, name: 'hello', greeted: 'hi', greets: 0 }]);
});

test.serial('its greet action is one a plugin command may answer', async (t) => {
  // A plugin installed the way an install leaves it: its directory under $VOODU_ROOT/plugins.
  const dir = join(ctl.root, 'plugins', 'waver');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'plugin.yml'), 'name: waver\nversion: 0.1.0\ndescription: Greets through the greeting module\ncommands:\n  - name: wave\n    help: "waver:wave <scope> <name>"\n');
  const wave = join(dir, 'bin', 'wave');
  await writeFile(wave, '#!/bin/sh\nprintf \'{"status":"ok","data":{"message":"waving","actions":[{"type":"greet","scope":"%s","name":"%s"}]}}\' "$1" "$2"\n');
  await chmod(wave, 0o755);

  const res = await cli('waver:wave', SCOPE, 'hello');
  t.is(res.code, 0, res.stderr);
  t.is(res.stdout, 'waving\n  ✓ greet demo/hello: hi\n');
  t.is((await callApi(ctl, 'GET', '/greetings')).body.data[0].greets, 1);

  const nobody = await cli('waver:wave', SCOPE, 'nobody');
  t.is(nobody.code, 1);
  t.regex(nobody.stderr, /greet: no greeting demo\/nobody/);
  t.is((await callApi(ctl, 'GET', '/greetings')).body.data[0].greets, 1, 'a refused action still counted');
});

test.serial('voodu delete removes the greeting, and its reconcile removes the status', async (t) => {
  const statusKey = keys.status('greeting', SCOPE, 'hello');
  t.truthy(await etcd.store.get(statusKey));
  const res = await cli('delete', 'greeting', `${SCOPE}/hello`);
  t.is(res.code, 0, res.stderr);
  t.is(await stored('hello'), undefined);
  await waitFor('the status of greeting/demo/hello to go', async () => !(await etcd.store.get(statusKey)));
  t.deepEqual((await callApi(ctl, 'GET', '/greetings')).body.data, []);
});
