/**
 * Secrets over SSH (docs/secrets.md): `config set` sends its values on the
 * ssh process's stdin, never in a command line. A real OpenSSH server
 * (test/helpers/sshd.ts) whose authorized key forces a recorder, so every
 * command line the host received is written down (SSH_ORIGINAL_COMMAND),
 * and an `ssh` wrapper first on PATH that records the argv this side ran
 * ssh with — what `ps` shows on either machine. The host's voodu is this
 * checkout, run from source, against a controller booted here.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { requireSsh, startSshd, type TestSshd } from '../helpers/sshd.js';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'voodu.ts');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const REMOTE_BIN = `${process.execPath} --import=${TSX} --disable-warning=DEP0111 ${BIN}`;
const MODULES = ['paths', 'store', 'api', 'config', 'apply'];

/** Quotes, `$`, backquotes, spaces at both ends, a backslash, non-ASCII: what a shell would mangle or expand. */
const TRICKY = ` it's "quoted" $HOME $(id) \`id\` back\\slash ünï ✓ `;
const URL_VALUE = 'postgres://app:p@ss w0rd;$USER@db:5432/app?sslmode=require';
const REG_TOKEN = 'ghp_over-ssh-registry-Token-777';

let etcd: TestEtcd;
let ctl: ModuleController;
let sshd: TestSshd;
let work: string;
let env: NodeJS.ProcessEnv;
/** What sshd was asked to run, one line per connection. */
let hostLog: string;
/** ssh's argv on this side, NUL-separated. */
let argvLog: string;

test.before(async () => {
  requireSsh();
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES);
  // The remote voodu finds the controller and its token in the environment sshd sets.
  sshd = await startSshd({ VOODU_CONTROLLER_URL: ctl.url, ...(ctl.token ? { VOODU_API_TOKEN: ctl.token } : {}) });
  work = await mkdtemp(join(tmpdir(), 'voodu-ssh-secrets-'));
  hostLog = join(work, 'host-commands.log');
  argvLog = join(work, 'ssh-argv.log');

  // Host side: the key may only run the recorder, which logs the command line and then runs it.
  const recorder = join(work, 'record-command');
  await writeFile(recorder, `#!/bin/sh\nprintf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> '${hostLog}'\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`);
  await chmod(recorder, 0o755);
  const pub = await readFile(join(sshd.dir, 'id_ed25519.pub'), 'utf8');
  await writeFile(join(sshd.dir, 'authorized_keys'), `command="${recorder}" ${pub}`);

  // This side: ssh as the CLI spawns it, argv recorded first.
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  await writeFile(join(work, 'ssh'), `#!/bin/sh\nprintf '%s\\0' "$@" >> '${argvLog}'\nprintf '\\n\\0' >> '${argvLog}'\nexec '${realSsh}' "$@"\n`);
  await chmod(join(work, 'ssh'), 0o755);

  env = {
    PATH: `${work}:${process.env.PATH}`,
    HOME: work,
    XDG_CONFIG_HOME: join(work, 'config'),
    VOODU_SSH_OPTIONS: sshd.sshOptions,
    VOODU_REMOTE_BIN: REMOTE_BIN,
    REG_TOKEN,
  };
  const added = await cli(['remote', 'add', 'box', `root@127.0.0.1:${sshd.port}`, '--identity', sshd.identity]);
  if (added.code !== 0) throw new Error(`remote add: ${added.stderr}`);
});

test.after.always(async () => {
  await sshd?.stop();
  await ctl?.stop();
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function cli(args: string[], stdin: string[] = []) {
  return runCli(args, { env, stdin });
}

const read = (file: string) => readFile(file, 'utf8').catch(() => '');

/** Runs `fn` and answers the command lines the host received and the ssh argv this side used meanwhile. */
async function recorded<T>(fn: () => Promise<T>): Promise<{ value: T; host: string[]; argv: string[] }> {
  const [h0, a0] = [(await read(hostLog)).length, (await read(argvLog)).length];
  const value = await fn();
  const host = (await read(hostLog)).slice(h0).split('\n').filter(Boolean);
  const argv = (await read(argvLog)).slice(a0).split('\n\0').filter(Boolean);
  return { value, host, argv };
}

const bucket = async (scope: string, name: string) => (await callApi(ctl, 'GET', `/config?scope=${scope}&name=${name}&merge=false`)).body.data?.vars ?? {};
const mentions = (lines: string[], secret: string) => lines.some((l) => l.includes(secret) || l.includes(secret.trim()));

test.serial('config set over ssh: the values arrive byte for byte, and no command line on either side holds one', async (t) => {
  const { value: res, host, argv } = await recorded(() => cli(['-r', 'box', 'config', 'prod/api', 'set', `TRICKY=${TRICKY}`, `DATABASE_URL=${URL_VALUE}`, '--no-restart']));
  t.is(res.code, 0, res.stderr);
  const vars = await bucket('prod', 'api');
  t.is(vars.TRICKY, TRICKY);
  t.is(vars.DATABASE_URL, URL_VALUE);

  // The recorder saw the call, so an empty record cannot pass for a clean one.
  const setLines = host.filter((l) => l.includes("'config'") && l.includes("'set'"));
  t.is(setLines.length, 1, host.join('\n'));
  t.regex(setLines[0]!, /'config' 'prod\/api' 'set' '--stdin' '--no-restart'$/);
  t.true(argv.some((a) => a.includes("'--stdin'")), 'the ssh argv was recorded');
  for (const secret of [TRICKY, URL_VALUE, 'p@ss w0rd']) {
    t.false(mentions(host, secret), `the host's command line holds ${JSON.stringify(secret)}`);
    t.false(mentions(argv, secret), `ssh's argv holds ${JSON.stringify(secret)}`);
  }
});

test.serial('a value with a newline arrives whole: the controller refuses it by key, and no second key is forged', async (t) => {
  const { value: res, host } = await recorded(() => cli(['-r', 'box', 'config', 'prod/api', 'set', 'MULTI=first line\nINJECTED=evil', '--no-restart']));
  t.is(res.code, 1);
  t.regex(res.stderr, /the value of MULTI contains a newline or NUL/);
  t.false(res.stderr.includes('evil'));
  const vars = await bucket('prod', 'api');
  t.false('MULTI' in vars);
  t.false('INJECTED' in vars);
  t.false(mentions(host, 'first line'));
});

test.serial('config set --stdin: KEY=VALUE lines piped in go through to the host the same way', async (t) => {
  const { value: res, host } = await recorded(() => cli(['-r', 'box', 'config', 'prod/web', 'set', '--stdin', '--no-restart'], [`# from a file\nPIPED=${TRICKY}\nOTHER=two words\n`]));
  t.is(res.code, 0, res.stderr);
  t.deepEqual(await bucket('prod', 'web'), { PIPED: TRICKY, OTHER: 'two words' });
  t.true(host.some((l) => l.includes("'--stdin'")), host.join('\n'));
  t.false(mentions(host, TRICKY) || mentions(host, 'two words'));
  // Pairs and --stdin at once: refused by the host, nothing stored.
  const both = await cli(['-r', 'box', 'config', 'prod/web', 'set', '--stdin', 'X=1'], ['Y=2\n']);
  t.is(both.code, 1);
  t.regex(both.stderr, /either as arguments or on stdin, not both/);
});

test.serial('a registry applied over ssh: the token never shows, and a re-apply is "No changes"', async (t) => {
  const file = join(work, 'registry.hcl');
  await writeFile(file, 'registry "ghcr-ssh" {\n  url      = "ghcr.io"\n  username = "bot"\n  token    = "${REG_TOKEN}"\n}\n');
  const { value: first, host } = await recorded(() => cli(['-r', 'box', 'apply', '-f', file, '-y']));
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /\+ registry\/ghcr-ssh \(new\)/);
  t.regex(first.stdout, /registry\/ghcr-ssh applied/);
  const again = await cli(['-r', 'box', 'apply', '-f', file, '-y']);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /^No changes\. Nothing to apply\.$/m);
  env.REG_TOKEN = `${REG_TOKEN}-rotated`;
  const rotated = await cli(['-r', 'box', 'diff', '-f', file]).finally(() => (env.REG_TOKEN = REG_TOKEN));
  t.is(rotated.code, 0, rotated.stderr);
  t.regex(rotated.stdout, /~ token {2}\(changed\)/);
  for (const r of [first, again, rotated]) t.false((r.stdout + r.stderr).includes(REG_TOKEN));
  t.false(mentions(host, REG_TOKEN));
});
