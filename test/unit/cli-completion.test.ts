/**
 * `voodu completion`: the model read from the CLI's own verbs and the kind
 * registry, the three scripts it renders (bash checked with `bash -n`; zsh
 * and fish with `zsh -n` / `fish -n` when those shells are installed, and
 * structurally always), and `completion __refs` against a local HTTP
 * controller stand-in: names only, 200 ms at most, nothing on failure.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bashScript } from '../../cli/completion/bash.js';
import { fishScript } from '../../cli/completion/fish.js';
import { REFS, buildModel, flagSpellings, loadModel, parseArgs, slotCandidates, type CompletionModel } from '../../cli/completion/model.js';
import { zshScript } from '../../cli/completion/zsh.js';
import { loadVerbs } from '../../cli/verbs/index.js';
import { coreKindRegistry } from '../../modules/core.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const env = { VOODU_NO_REMOTE: '1' };

let model: CompletionModel;
let dir: string;
test.before(async () => {
  model = await loadModel();
  dir = await mkdtemp(join(tmpdir(), 'voodu-completion-'));
});
test.after.always(() => rm(dir, { recursive: true, force: true }));

/** Whether `shell` runs here (zsh and fish are optional on a host). */
async function has(shell: string): Promise<boolean> {
  return run(shell, ['-c', 'exit 0']).then(
    () => true,
    () => false,
  );
}

async function scriptFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

test('the model holds every verb the CLI loads, its aliases and flags, and the registry kinds', async (t) => {
  const verbs = await loadVerbs();
  const kinds = (await coreKindRegistry()).storedNames();
  t.deepEqual(model.kinds, kinds);
  for (const verb of verbs) {
    t.true(model.commands.includes(verb.name.split(' ')[0]!), verb.name);
    const entry = model.verbs.find((v) => v.keys[0] === verb.name);
    t.truthy(entry, verb.name);
    t.deepEqual(entry!.keys.slice(1), verb.aliases ?? [], `${verb.name}: aliases`);
    for (const opt of verb.options ?? []) for (const f of flagSpellings(opt.flags)) t.true(entry!.flags.includes(f), `${verb.name} ${f}`);
    t.deepEqual(entry!.valueFlags, entry!.valueFlags.filter((f) => entry!.flags.includes(f)), `${verb.name}: value flags are flags`);
  }
  t.false(model.commands.includes('desc'), 'aliases select a verb but are not offered: `des` completes to describe alone');
  t.true(model.commands.includes('completion'));
  const describe = model.verbs.find((v) => v.keys.includes('desc'))!;
  t.deepEqual(describe.slots, [kinds, [REFS]]);
  t.deepEqual(model.verbs.find((v) => v.keys[0] === 'remote')!.slots, [model.groups.remote!]);
  t.true(model.groups.remote!.includes('add'));
  t.deepEqual(model.verbs.find((v) => v.keys[0] === 'completion')!.slots[0], ['bash', 'zsh', 'fish']);
});

test('flags with a boolean default take no value; the others take the next word, as sade reads them', (t) => {
  const m = buildModel(
    [
      {
        name: 'x',
        description: '',
        options: [
          { flags: '-w, --wait', description: '', default: true },
          { flags: '-t, --tail', description: '' },
        ],
        run: async () => undefined,
      },
    ],
    [],
  );
  t.deepEqual(m.verbs[0]!.flags, ['-w', '--wait', '--no-wait', '-t', '--tail']);
  t.deepEqual(m.verbs[0]!.valueFlags, ['-t', '--tail']);
});

test('slots: kinds, refs, choices, and a target before a ref; other names complete to nothing', (t) => {
  const kinds = ['deployment', 'job'];
  t.deepEqual(slotCandidates(parseArgs('<kind> <ref>'), kinds), [kinds, [REFS]]);
  t.deepEqual(slotCandidates(parseArgs('[job|cronjob] <ref>'), kinds), [['job', 'cronjob', REFS], [REFS]]);
  t.deepEqual(slotCandidates(parseArgs('<bash|zsh|fish> [word]'), kinds), [['bash', 'zsh', 'fish'], []]);
  t.deepEqual(slotCandidates(parseArgs('[target] [ref]'), kinds), [[...kinds, REFS], [REFS]]);
  t.deepEqual(slotCandidates(parseArgs('<name> <target>'), kinds), [[], []], "remote add's target is user@host, not a ref");
  t.deepEqual(slotCandidates(parseArgs(undefined), kinds), []);
});

test('bash: the script parses with bash -n and registers _voodu for voodu and vd', async (t) => {
  const script = bashScript(model);
  await t.notThrowsAsync(run('bash', ['-n', await scriptFile('voodu.bash', script)]));
  t.regex(script, /^complete -o default -F _voodu voodu vd$/m);
  for (const verb of model.verbs) for (const key of verb.keys) t.true(script.includes(`'${key}'`), key);
  t.true(script.includes('completion __refs'));
  t.true(script.includes('VOODU_NO_REMOTE=1'), 'the refs lookup never goes over ssh');
});

/** Counts of opening and closing words, line by line, outside comments. */
function balance(script: string, opens: RegExp, close: RegExp): [number, number] {
  let open = 0;
  let shut = 0;
  for (const raw of script.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (opens.test(line)) open++;
    if (close.test(line)) shut++;
  }
  return [open, shut];
}

test('zsh: #compdef header, compdef for voodu and vd, balanced blocks; zsh -n when zsh is installed', async (t) => {
  const script = zshScript(model);
  t.true(script.startsWith('#compdef voodu vd\n'));
  t.regex(script, /compdef _voodu voodu vd/);
  t.regex(script, /_voodu "\$@"/, 'autoloaded from fpath, the file runs the completion itself');
  // Reserved words outside comments and quotes: each block that opens is closed.
  const code = script.replace(/'[^'\n]*'/g, "''").replace(/(^|\s)#.*$/gm, '');
  const count = (word: string) => (code.match(new RegExp(`(^|[\\s;(])${word}(?=$|[\\s;)])`, 'gm')) ?? []).length;
  t.true(count('if') > 0);
  t.is(count('if'), count('fi'), 'if/fi');
  t.is(count('case'), count('esac'), 'case/esac');
  t.is(count('while') + count('for'), count('done'), 'loops/done');
  t.is((code.match(/\{/g) ?? []).length, (code.match(/\}/g) ?? []).length, 'braces balance');
  for (const verb of model.verbs) for (const key of verb.keys) t.true(script.includes(`'${key}'`), key);
  // zsh's own parser, when it is here; bash -n reads the same constructs as a second, weaker check.
  const file = await scriptFile('_voodu', script);
  await t.notThrowsAsync(run('bash', ['-n', file]));
  if (await has('zsh')) await t.notThrowsAsync(run('zsh', ['-n', file]));
  else t.log('zsh is not installed: zsh -n skipped');
});

test('fish: every block closed by an end, completions for voodu and vd; fish -n when fish is installed', async (t) => {
  const script = fishScript(model);
  const [open, end] = balance(script, /^(function|if|while|for|switch|begin)\b/, /^end$/);
  t.is(open, end, `blocks ${open}, ends ${end}`);
  t.regex(script, /^complete -c voodu -f -a '\(__voodu_complete\)'$/m);
  t.regex(script, /^complete -c vd -f -a '\(__voodu_complete\)'$/m);
  for (const verb of model.verbs) for (const key of verb.keys) t.true(script.includes(`'${key}'`), key);
  if (await has('fish')) await t.notThrowsAsync(run('fish', ['-n', await scriptFile('voodu.fish', script)]));
  else t.log('fish is not installed: fish -n skipped');
});

test('completion with an unknown shell names the accepted ones', async (t) => {
  const res = await runCli(['completion', 'tcsh'], { env });
  t.is(res.code, 1);
  t.regex(res.stderr, /"tcsh" is not a shell.*bash, zsh or fish/);
  t.is(res.stdout, '');
  const ok = await runCli(['completion', 'fish'], { env });
  t.is(ok.code, 0);
  t.is(ok.stdout, fishScript(model));
});

// ---------------------------------------------------------------- completion __refs
// Serial (ava runs these before the others): the 200 ms budget is real, and a worker busy with
// the tests beside it could spend it.

interface Stand {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

/** A controller stand-in: `answer` per `GET path` (without query), `delayMs` before answering. */
async function stand(answer: Record<string, unknown>, delayMs = 0): Promise<Stand> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = () => {
      if (res.destroyed) return;
      if (!(path in answer)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: 'no route' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', data: answer[path] }));
    };
    if (delayMs) setTimeout(send, delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const refs = (target: string, ...args: string[]) =>
  runCli(['--controller-url', target, 'completion', '__refs', ...args], { env: { ...env, VOODU_API_TOKEN: 'tok-123' } });

const STORED = [
  { kind: 'deployment', scope: 'prod', name: 'api', spec: { env: { DB_PASSWORD: 'hunter2' } } },
  { kind: 'registry', scope: '', name: 'ghcr', spec: { url: 'ghcr.io', username: 'me', token: 'ghp_secret' } },
  { kind: 'job', scope: 'prod', name: 'migrate $(touch /tmp/x)', spec: {} },
];

test.serial('__refs: stored <scope>/<name> and pod names, one per line, sorted, no spec value; with the token', async (t) => {
  const s = await stand({ '/apply': STORED, '/pods': [{ name: 'prod-api.a1b2', kind: 'deployment' }, { name: 'prod-api.a1b2' }] });
  t.teardown(() => s.close());
  await refs(s.url); // the worker's first fetch loads the HTTP client; a TAB's process pays that once too
  s.seen.length = 0;
  const res = await refs(s.url);
  t.is(res.code, 0, res.stderr);
  t.is(res.stdout, 'ghcr\nprod-api.a1b2\nprod/api\n', 'a name a shell would expand or split is left out');
  t.notRegex(res.stdout, /hunter2|ghp_secret|ghcr\.io/);
  t.is(res.stderr, '');
  t.true(s.seen.every((line) => line.endsWith('Bearer tok-123')), s.seen.join('\n'));
});

test.serial('__refs KIND: a stored kind (or its plural) asks /apply?kind= only; another word asks everything', async (t) => {
  const s = await stand({ '/apply': STORED.slice(0, 1), '/pods': [{ name: 'prod-api.a1b2' }] });
  t.teardown(() => s.close());
  t.is((await refs(s.url, 'deployments')).stdout, 'prod/api\n');
  t.deepEqual(s.seen.map((l) => l.split(' ')[1]), ['/apply?kind=deployment']);
  t.is((await refs(s.url, 'pod')).stdout, 'prod-api.a1b2\nprod/api\n');
});

test.serial('__refs: a controller slower than 200 ms, a failing or an absent one give nothing, exit 0, quickly', async (t) => {
  const slow = await stand({ '/apply': STORED, '/pods': [] }, 2_000);
  t.teardown(() => slow.close());
  const started = Date.now();
  const res = await refs(slow.url);
  t.true(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
  t.is(res.code, 0);
  t.is(res.stdout, '');
  t.is(res.stderr, '');
  const failing = await stand({});
  t.teardown(() => failing.close());
  t.deepEqual(await refs(failing.url).then((r) => [r.code, r.stdout, r.stderr]), [0, '', '']);
  t.deepEqual(await refs('http://127.0.0.1:9').then((r) => [r.code, r.stdout, r.stderr]), [0, '', '']);
});

test.serial('__refs: when /pods fails (pods module disabled) the stored refs still come', async (t) => {
  const s = await stand({ '/apply': STORED.slice(0, 1) });
  t.teardown(() => s.close());
  t.is((await refs(s.url)).stdout, 'prod/api\n');
});
