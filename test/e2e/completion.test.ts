/**
 * `voodu completion` in real shells: the bash script is written by the CLI,
 * checked with `bash -n`, sourced in a bash subprocess, and driven the way
 * bash drives it (COMP_WORDS/COMP_CWORD, then COMPREPLY), with `voodu` and
 * `vd` on PATH running this checkout. Refs come from a real controller
 * (etcd, HTTP, the API token) holding what `voodu apply` stored; a
 * controller that does not answer costs the TAB at most its 200 ms and
 * gives nothing. zsh and fish are driven too when they are installed.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootController, type TestController } from '../helpers/controller.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { runCli } from '../helpers/cli.js';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let etcd: TestEtcd;
let ctl: TestController;
let dir: string;
let bin: string;
const scripts: Record<string, string> = {};
let silent: Server;
let silentUrl: string;

test.before(async () => {
  etcd = await startEtcd();
  ctl = await bootController({
    modules: { disable: ['runtime', 'workload', 'deployment', 'statefulset', 'job', 'cronjob', 'pods', 'probes', 'autoscaler', 'release', 'build', 'plugins', 'ingress'] },
    flags: ['--etcd-endpoints', etcd.endpoint],
  });
  dir = await mkdtemp(join(tmpdir(), 'voodu-completion-e2e-'));
  // `voodu` and `vd` on PATH are this checkout's CLI, as the other e2e tests run it (node + tsx).
  bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'voodu'), `#!/bin/sh\nexec "${process.execPath}" --import=tsx --disable-warning=DEP0111 "${join(ROOT, 'bin/voodu.ts')}" "$@"\n`);
  await chmod(join(bin, 'voodu'), 0o755);
  await symlink('voodu', join(bin, 'vd'));
  for (const shell of ['bash', 'zsh', 'fish']) {
    const res = await runCli(['completion', shell], { env: { VOODU_NO_REMOTE: '1' } });
    if (res.code !== 0) throw new Error(`voodu completion ${shell}: ${res.stderr}`);
    scripts[shell] = join(dir, `voodu.${shell}`);
    await writeFile(scripts[shell]!, res.stdout);
  }
  const hcl = join(dir, 'voodu.hcl');
  await writeFile(
    hcl,
    [
      'deployment "compl" "api" {',
      '  image = "voodu-test/busybox:1"',
      '  env   = { DB_PASSWORD = "hunter2-compl" }',
      '}',
      'job "compl" "migrate" {',
      '  image   = "voodu-test/busybox:1"',
      '  command = ["true"]',
      '}',
      'registry "ghcrcompl" {',
      '  url      = "ghcr.io"',
      '  username = "me"',
      '  token    = "ghp_compl_secret"',
      '}',
      '',
    ].join('\n'),
  );
  const applied = await runCli(['apply', '-f', hcl, '--no-wait'], { target: { url: ctl.url, root: ctl.root }, env: { VOODU_NO_REMOTE: '1' } });
  if (applied.code !== 0) throw new Error(`voodu apply: ${applied.stderr}`);
  // A controller that takes the connection and never answers.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

// One at a time: each completion starts a CLI whose controller has 200 ms, and several CLIs
// starting at once on a small machine would spend that budget on each other.
test.after.always(async () => {
  silent?.closeAllConnections();
  silent?.close();
  await ctl?.cleanup();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The environment the shells run in: this checkout's voodu first on PATH, the test controller, no remotes. */
function shellEnv(controllerUrl = ctl.url): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    VOODU_CONTROLLER_URL: controllerUrl,
    VOODU_ROOT: ctl.root,
  };
}

async function sh(shell: string, args: string[], env = shellEnv()): Promise<string> {
  const { stdout } = await execFileP(shell, args, { env, timeout: 60_000 });
  return stdout;
}

const hasShell = (shell: string) => execFileP(shell, ['-c', 'exit 0']).then(() => true, () => false);

/** What bash's programmable completion offers for `words` (the last one is the word under the cursor). */
async function bashComplete(words: string[], env?: NodeJS.ProcessEnv): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = await sh(
    'bash',
    ['-c', `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _voodu; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', scripts.bash!],
    env,
  );
  return out.split('\n').filter(Boolean);
}

test.serial('bash: the script parses, and sourced it registers a completion for voodu and vd', async (t) => {
  await t.notThrowsAsync(execFileP('bash', ['-n', scripts.bash!]));
  const out = await sh('bash', ['-c', 'source "$1"; complete -p voodu; complete -p vd', 'bash', scripts.bash!]);
  t.regex(out, /^complete -o default -F _voodu voodu$/m);
  t.regex(out, /^complete -o default -F _voodu vd$/m);
});

test.serial('bash: verbs, sub-verbs, flags and kinds complete from a prefix', async (t) => {
  t.deepEqual(await bashComplete(['voodu', 'des']), ['describe']);
  t.deepEqual(await bashComplete(['vd', 'comp']), ['completion']);
  t.deepEqual(await bashComplete(['voodu', 'remote', 'a']), ['add']);
  t.deepEqual(await bashComplete(['voodu', 'completion', '']), ['bash', 'zsh', 'fish']);
  t.deepEqual(await bashComplete(['voodu', 'describe', 'deploy']), ['deployment']);
  t.deepEqual(await bashComplete(['voodu', 'apply', '--pr']), ['--prune']);
  t.deepEqual(await bashComplete(['voodu', 'restart', '--no-w']), ['--no-wait']);
  t.deepEqual(await bashComplete(['voodu', '--con']), ['--controller-url']);
});

test.serial('bash: refs come from the controller, narrowed by the kind before them, and no secret ever', async (t) => {
  t.deepEqual(await bashComplete(['voodu', 'describe', 'deployment', 'co']), ['compl/api']);
  t.deepEqual(await bashComplete(['vd', 'describe', 'job', '']), ['compl/migrate']);
  const all = await bashComplete(['voodu', 'delete', '']);
  for (const ref of ['compl/api', 'compl/migrate', 'ghcrcompl', 'deployment', 'job']) t.true(all.includes(ref), `${ref} in ${all.join(' ')}`);
  t.deepEqual(await bashComplete(['voodu', 'logs', 'compl/m']), ['compl/migrate']);
  // --controller-url typed on the line is the controller asked.
  t.deepEqual(await bashComplete(['voodu', '--controller-url', ctl.url, 'describe', 'deployment', ''], shellEnv(silentUrl)), ['compl/api']);
  const raw = await sh('voodu', ['completion', '__refs']);
  t.notRegex(raw, /hunter2|ghp_compl|ghcr\.io/);
  t.deepEqual(raw.split('\n').filter(Boolean), ['compl/api', 'compl/migrate', 'ghcrcompl']);
});

test.serial('bash: a controller that does not answer gives no refs, and the TAB returns after its 200 ms', async (t) => {
  const env = shellEnv(silentUrl);
  const started = Date.now();
  const raw = await sh('voodu', ['completion', '__refs', 'deployment'], env);
  const took = Date.now() - started;
  t.is(raw, '');
  // The CLI's own start (node + tsx here) comes on top of the 200 ms; an unbounded wait would be the 30 s default.
  t.true(took < 10_000, `took ${took} ms`);
  t.deepEqual(await bashComplete(['voodu', 'describe', 'deployment', ''], env), []);
  t.deepEqual(await bashComplete(['voodu', 'delete', 'dep'], env), ['deployment'], 'the static candidates still come');
});

test.serial('zsh: sourced after a compdef, _voodu offers verbs, kinds and refs (when zsh is installed)', async (t) => {
  if (!(await hasShell('zsh'))) {
    t.log('zsh is not installed: skipped');
    t.pass();
    return;
  }
  await t.notThrowsAsync(execFileP('zsh', ['-n', scripts.zsh!]));
  // compadd and _files exist only inside the completion system: stand-ins print what they are given.
  const drive = (words: string[]) =>
    sh('zsh', [
      '-f',
      '-c',
      [
        'compdef() { print -r -- "compdef $*" }',
        'compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }',
        '_files() { print -r -- "(files)" }',
        'source "$1"; shift',
        'words=("$@"); CURRENT=$#; _voodu',
      ].join('\n'),
      'zsh',
      scripts.zsh!,
      ...words,
    ]);
  t.regex(await drive(['voodu', 'x']), /^compdef _voodu voodu vd$/m);
  t.true((await drive(['voodu', 'des'])).split('\n').includes('describe'));
  t.true((await drive(['vd', 'describe', ''])).split('\n').includes('deployment'));
  const refs = (await drive(['voodu', 'describe', 'deployment', ''])).split('\n');
  t.true(refs.includes('compl/api'), refs.join(' '));
  t.false(refs.includes('compl/migrate'));
});

test.serial('fish: complete -C offers verbs, kinds and refs (when fish is installed)', async (t) => {
  if (!(await hasShell('fish'))) {
    t.log('fish is not installed: skipped');
    t.pass();
    return;
  }
  await t.notThrowsAsync(execFileP('fish', ['-n', scripts.fish!]));
  const drive = async (line: string) => (await sh('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish!, line])).split('\n').map((l) => l.split('\t')[0]!).filter(Boolean);
  t.deepEqual(await drive('voodu des'), ['describe']);
  t.true((await drive('vd describe ')).includes('deployment'));
  t.deepEqual(await drive('voodu describe deployment co'), ['compl/api']);
  t.deepEqual(await drive('voodu describe job '), ['compl/migrate']);
});
