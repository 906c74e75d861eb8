/**
 * `voodu delete … --prune` through the real CLI against a controller on a
 * real etcd and Docker: the statefulset's pods are still being torn down by
 * the reconciler when the delete answers, so prune must wait for them (or
 * remove them) before its volumes can go. Checked with docker itself, right
 * after the CLI returns, with no waiting in the test.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';

const scope = `dp${randomBytes(3).toString('hex')}`;
const docker = dockerClient();
let etcd: TestEtcd;
let ctl: TestController;
let dir: string;
let file: string;

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint] });
  dir = await mkdtemp(join(tmpdir(), 'voodu-delete-prune-'));
  file = join(dir, 'voodu.hcl');
  // The pods exit on TERM at once; the deployment has no claim and keeps nothing behind.
  await writeFile(
    file,
    `statefulset "${scope}" "db" {
  image    = "${TEST_IMAGE}"
  replicas = 2
  command  = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]

  volume_claim "data" {
    mount_path = "/data"
  }
}

deployment "${scope}" "web" {
  image   = "${TEST_IMAGE}"
  command = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
}
`,
  );
});
test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
  await cleanupDocker(`voodu.scope=${scope}`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { target: ctl });
const context = async () => JSON.stringify(await containers());

async function containers(): Promise<{ name: string; state: string; kind: string }[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
  return list.map((c) => ({ name: c.Names[0]!.slice(1), state: c.State, kind: c.Labels['voodu.kind'] ?? '' }));
}

async function volumes(): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`voodu.scope=${scope}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

const claimVolumes = [`voodu-${scope}-db-data-0`, `voodu-${scope}-db-data-1`];

/** `voodu apply -f`, then both pods and the deployment's replica running. */
async function applyAndWait(t: { is(a: unknown, b: unknown, m?: string): void }): Promise<void> {
  const applied = await cli('apply', '-f', file);
  t.is(applied.code, 0, applied.stderr);
  await waitFor(
    'two statefulset pods and a deployment replica running',
    async () => {
      const list = await containers();
      return list.filter((c) => c.kind === 'statefulset' && c.state === 'running').length === 2 && list.some((c) => c.kind === 'deployment' && c.state === 'running');
    },
    { timeoutMs: 60_000, context },
  );
  t.is((await volumes()).join(','), claimVolumes.join(','), 'one volume per pod');
}

test.serial('delete <scope> without --prune removes the resources and keeps the statefulset volumes', async (t) => {
  t.timeout(150_000);
  await applyAndWait(t);
  const res = await cli('delete', scope, '-y');
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, new RegExp(`- statefulset/${scope}/db wiped`));
  t.regex(res.stdout, new RegExp(`- deployment/${scope}/web wiped`));
  t.notRegex(res.stdout, /volume .* removed/);
  await waitFor('the pods to go', async () => (await containers()).length === 0, { timeoutMs: 60_000, context });
  t.deepEqual(await volumes(), claimVolumes, 'volumes survive a delete without --prune');
});

test.serial('delete <scope> --prune waits for the pods and removes the statefulset volumes, listing them', async (t) => {
  t.timeout(150_000);
  await applyAndWait(t);
  const res = await cli('delete', scope, '--prune', '-y');
  t.is(res.code, 0, res.stderr);
  // No wait here: when the CLI answers, the volumes are gone.
  t.deepEqual(await volumes(), [], `volumes left after the prune:\n${res.stdout}`);
  t.deepEqual((await containers()).filter((c) => c.kind === 'statefulset'), [], 'no pod outlives the prune');
  t.regex(res.stdout, new RegExp(`- statefulset/${scope}/db pruned:`));
  for (const v of claimVolumes) t.true(res.stdout.includes(`  - volume ${v} removed`), res.stdout);
  t.regex(res.stdout, /- deployment\/\S+\/web pruned:\n {2}- config bucket wiped\n {2}- app dir removed/);
  t.regex(res.stdout, new RegExp(`- scope/${scope} config wiped`));
  t.notRegex(res.stdout, /^ {2}! /m, 'no prune step failed');
});

test.serial('delete <scope>/<name> --prune -o json answers what was removed', async (t) => {
  t.timeout(150_000);
  await applyAndWait(t);
  const res = await cli('delete', `${scope}/db`, '--prune', '-y', '-o', 'json');
  t.is(res.code, 0, res.stderr);
  const answer = JSON.parse(res.stdout) as { deleted: string[]; pruned: { resource: string; volumes_removed: string[]; config_wiped: boolean; errors: string[] }[] };
  t.deepEqual(answer.deleted, [`statefulset/${scope}/db`]);
  t.is(answer.pruned.length, 1);
  t.like(answer.pruned[0], { resource: `statefulset/${scope}/db`, config_wiped: true, errors: [] });
  t.deepEqual([...answer.pruned[0]!.volumes_removed].sort(), claimVolumes);
  t.deepEqual(await volumes(), []);

  // The one-kind form (DELETE /apply) goes through the same wait.
  const again = await cli('apply', '-f', file);
  t.is(again.code, 0, again.stderr);
  await waitFor('the pods back', async () => (await containers()).filter((c) => c.kind === 'statefulset' && c.state === 'running').length === 2, { timeoutMs: 60_000, context });
  const one = await cli('delete', 'statefulset', `${scope}/db`, '--prune', '-y');
  t.is(one.code, 0, one.stderr);
  for (const v of claimVolumes) t.true(one.stdout.includes(`  - volume ${v} removed`), one.stdout);
  t.deepEqual(await volumes(), []);
  const rest = await cli('delete', scope, '--prune', '-y');
  t.is(rest.code, 0, rest.stderr);
});
