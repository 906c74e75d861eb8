/**
 * Procfile mode: parsing a Procfile, the manifests a directory stands for
 * (ports, the release job, app.json ingresses, the scope and its saving),
 * and `--eject`, whose HCL the CLI's own loader reads back into the same
 * manifests.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { CliError } from '../../cli/client.js';
import { ejectProcfile, ejectedManifests, hclString, manifestsToHcl } from '../../cli/build/eject.js';
import { isProcfilePath, parseProcfile, procfileApp } from '../../cli/build/procfile.js';
import { loadManifests } from '../../cli/hcl/index.js';
import type { Manifest } from '../../lib/identity.js';
import { validateManifest, type KindRegistry } from '../../lib/manifest/index.js';
import { coreKindRegistry } from '../../modules/core.js';

const dirs: string[] = [];
test.after.always(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

let kinds: KindRegistry;
test.before(async () => {
  kinds = await coreKindRegistry();
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-procfile-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const appJson = (ingress: unknown, scope = 'shop') => JSON.stringify({ scope, ingress });
const readJson = async (dir: string) => JSON.parse(await readFile(join(dir, '.voodu/app.json'), 'utf8')) as Record<string, unknown>;
/** A fixed random source: 0 → "a", then digits past the letters. */
const fixed = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};
const validate = (ms: Manifest[], hcl = false) => ms.map((m) => validateManifest(m, kinds, { hcl }));
const ids = (ms: Manifest[]) => ms.map((m) => `${m.kind}/${m.scope}/${m.name}`);

// --- parsing ---------------------------------------------------------------

test('parseProcfile: types and raw commands in order, blank lines and comments skipped, CRLF and BOM tolerated', (t) => {
  const text = '\uFEFF# processes\r\n\r\nweb: bundle exec puma -p $PORT # not a comment\r\n  worker :  sidekiq -C config/sidekiq.yml  \r\n\n   # indented comment\nclock: a: b\n';
  t.deepEqual(parseProcfile(text, 'Procfile'), [
    { type: 'web', command: 'bundle exec puma -p $PORT # not a comment', line: 3 },
    { type: 'worker', command: 'sidekiq -C config/sidekiq.yml', line: 4 },
    { type: 'clock', command: 'a: b', line: 7 },
  ]);
});

test('parseProcfile: each mistake is refused naming the file and line, with the fix', (t) => {
  const refused = (text: string) => t.throws(() => parseProcfile(text, 'app/Procfile'), { instanceOf: CliError })!.message;
  t.is(refused('# c\n1web: x\n'), `app/Procfile:2: process type "1web" is not valid; use letters, digits, '-' or '_', starting with a letter (e.g. web, worker)`);
  t.is(refused('web.x: y'), `app/Procfile:1: process type "web.x" is not valid; use letters, digits, '-' or '_', starting with a letter (e.g. web, worker)`);
  t.is(refused('web: a\n\nWeb: b\n'), 'app/Procfile:3: duplicate process type "Web" (already declared at line 1; types are case-insensitive); rename or remove one');
  t.is(refused('web: a\nworker:   \n'), 'app/Procfile:2: process "worker" has no command; write worker: <command>, or remove the line');
  t.is(refused('web npm start\n'), 'app/Procfile:1: expected "<type>: <command>", got "web npm start"; write one process per line, e.g. web: npm start');
  t.is(refused(''), 'app/Procfile: no processes declared; add a line such as web: npm start');
  t.is(refused('# only comments\n\n  \n'), 'app/Procfile: no processes declared; add a line such as web: npm start');
});

test('isProcfilePath: the basename Procfile or a Procfile.<variant>', (t) => {
  t.true(isProcfilePath('Procfile'));
  t.true(isProcfilePath('./app/Procfile'));
  t.true(isProcfilePath('/srv/app/Procfile.dev'));
  t.false(isProcfilePath('procfile'));
  t.false(isProcfilePath('Procfile/voodu.hcl'));
  t.false(isProcfilePath('voodu.hcl'));
});

// --- manifests -------------------------------------------------------------

test('web + worker + release: two deployments on 5000 and 5001, a release job, and the image names', async (t) => {
  const dir = await project({ Procfile: 'release: rails db:migrate\nweb: puma -p $PORT\nworker: sidekiq\n', '.voodu/app.json': '{"scope": "shop"}\n' });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  t.is(app.scope, 'shop');
  t.is(app.dir, dir);
  t.false(app.wroteAppJson);
  t.deepEqual(app.manifests, [
    {
      kind: 'deployment',
      scope: 'shop',
      name: 'web',
      spec: { replicas: 1, restart: 'on-failure', command: ['/bin/sh', '-c', 'puma -p $PORT'], env: { PORT: '5000' }, ports: ['5000'], build: { context: '.' } },
    },
    {
      kind: 'deployment',
      scope: 'shop',
      name: 'worker',
      spec: { replicas: 1, restart: 'on-failure', command: ['/bin/sh', '-c', 'sidekiq'], env: { PORT: '5001' }, ports: ['5001'], build: { context: '.' } },
    },
    { kind: 'job', scope: 'shop', name: 'release', spec: { build: { context: '.' }, command: ['/bin/sh', '-c', 'rails db:migrate'] } },
  ]);
  t.deepEqual(app.imageNames, ['web', 'worker', 'release']);
  // Every manifest passes its kind's validator, as `voodu apply` will check again.
  t.deepEqual(ids(validate(app.manifests)), ['deployment/shop/web', 'deployment/shop/worker', 'job/shop/release']);
});

test('Release is the release job whatever its case; without one there is no job and no release image', async (t) => {
  const dir = await project({ Procfile: 'RELEASE: ./migrate\nweb: ./serve\n', '.voodu/app.json': '{"scope": "a1"}' });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  t.deepEqual(ids(app.manifests), ['deployment/a1/web', 'job/a1/release']);
  t.deepEqual(app.imageNames, ['web', 'release']);
  const plain = await project({ Procfile: 'web: ./serve\n', '.voodu/app.json': '{"scope": "a1"}' });
  t.deepEqual((await procfileApp(join(plain, 'Procfile'), { kinds })).imageNames, ['web']);
});

test('a process type that cannot name a deployment is refused at its line', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\nWorker: ./work\n', '.voodu/app.json': '{"scope": "a1"}' });
  const err = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(err!.message, /\/Procfile:2: process type "Worker" cannot name a deployment: "Worker" is not a valid name; .*; rename the process \(e\.g\. worker\)$/);
});

test('app.json ingress: service and port default to the process and its port; tls and lb pass through; location and locations merge', async (t) => {
  const dir = await project({
    Procfile: 'web: ./serve\nadmin: ./admin\n',
    '.voodu/app.json': appJson({
      admin: { host: 'admin.example.com', tls: { enabled: true }, lb: { policy: 'least_conn' }, location: { path: '/admin', strip_prefix: true }, locations: [{ path: '/x' }, { path: '/y', strip: true }] },
      web: { host: 'app.example.com' },
    }),
  });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  t.deepEqual(ids(app.manifests), ['deployment/shop/web', 'deployment/shop/admin', 'ingress/shop/admin', 'ingress/shop/web']);
  t.deepEqual(app.manifests[2]!.spec, {
    host: 'admin.example.com',
    service: 'admin',
    port: 5001,
    tls: { enabled: true },
    lb: { policy: 'least_conn' },
    locations: [{ path: '/admin', strip: true }, { path: '/x' }, { path: '/y', strip: true }],
  });
  t.deepEqual(app.manifests[3]!.spec, { host: 'app.example.com', service: 'web', port: 5000 });
  t.deepEqual(app.imageNames, ['web', 'admin'], 'an ingress has no image');
  t.is(validate(app.manifests).length, 4);
});

test('a port pinned in app.json is the process\'s and takes no auto slot; an explicit service is kept', async (t) => {
  const dir = await project({
    Procfile: 'web: ./serve\nworker: ./work\napi: ./api\n',
    '.voodu/app.json': appJson({ web: { host: 'app.example.com', port: 80, service: 'api' } }),
  });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  const port = (name: string) => app.manifests.find((m) => m.kind === 'deployment' && m.name === name)!.spec;
  t.like(port('web'), { env: { PORT: '80' }, ports: ['80'] });
  t.like(port('worker'), { env: { PORT: '5000' }, ports: ['5000'] });
  t.like(port('api'), { env: { PORT: '5001' }, ports: ['5001'] });
  t.deepEqual(app.manifests.at(-1)!.spec, { host: 'app.example.com', service: 'api', port: 80 });
});

test('a pinned port inside the auto range is skipped by the other processes; two processes cannot pin one port', async (t) => {
  const dir = await project({ Procfile: 'a: x\nb: y\nc: z\n', '.voodu/app.json': appJson({ c: { host: 'c.example.com', port: 5000 } }) });
  const ports = (await procfileApp(join(dir, 'Procfile'), { kinds })).manifests.filter((m) => m.kind === 'deployment').map((m) => (m.spec.ports as string[])[0]);
  t.deepEqual(ports, ['5001', '5002', '5000']);
  const clash = await project({ Procfile: 'a: x\nb: y\n', '.voodu/app.json': appJson({ a: { host: 'a.example.com', port: 8080 }, b: { host: 'b.example.com', port: 8080 } }) });
  const err = await t.throwsAsync(procfileApp(join(clash, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(err!.message, /app\.json: ingress\.a and ingress\.b both pin port 8080; each process needs a port of its own$/);
});

test('an ingress for the release job or for an unknown process is refused, naming it', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\nrelease: ./migrate\n', '.voodu/app.json': appJson({ release: { host: 'r.example.com' } }) });
  const err = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(err!.message, /\.voodu\/app\.json: ingress\.release: "release" is the one-shot release job, which serves no traffic; key an ingress by a long-running process \(web\)$/);
  await writeFile(join(dir, '.voodu/app.json'), appJson({ api: { host: 'api.example.com' } }));
  const unknown = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(unknown!.message, /ingress\.api: "api" is not a process of the Procfile; key an ingress by a long-running process \(web\)$/);
});

test('app.json mistakes are refused naming the file and the field', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\n' });
  const refused = async (text: string) => {
    await writeFile(join(dir, '.voodu/app.json'), text);
    return (await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds, app: 'shop' })))!.message;
  };
  await mkdir(join(dir, '.voodu'), { recursive: true });
  t.regex(await refused('{"scope": "shop",}'), /\.voodu\/app\.json: not valid JSON: .*; fix the file or delete it to start over$/);
  t.regex(await refused('[]'), /app\.json: must be a JSON object/);
  t.regex(await refused(appJson({ web: {} })), /app\.json: ingress\.web\.host: is required, the domain this process serves/);
  t.regex(await refused(appJson({ web: { host: 'a.example.com', hosts: 'b' } })), /ingress\.web\.hosts: unknown field; an ingress entry has host, service, port, tls, lb, location, locations$/);
  t.regex(await refused(appJson({ web: { host: 'a.example.com', port: '80' } })), /ingress\.web\.port: must be a whole number from 1 to 65535/);
  t.regex(await refused(appJson({ web: { host: 'a.example.com', location: { path: '/a', strip: 'yes' } } })), /ingress\.web\.location\.strip: must be true or false$/);
  // What the ingress kind's own validator refuses is reported against app.json too.
  t.regex(await refused(appJson({ web: { host: 'a.example.com', location: { path: 'api' } } })), /app\.json: ingress\.web: .*locations/);
  t.regex(await refused(appJson({ web: { host: 'https://a.example.com' } })), /app\.json: ingress\.web: .*host/);
});

// --- scope -----------------------------------------------------------------

test('scope: --app wins over app.json and is saved there, keeping the other keys', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\n', '.voodu/app.json': '{"name": "Shop", "scope": "old", "ingress": {}}' });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds, app: 'shop' });
  t.is(app.scope, 'shop');
  t.true(app.wroteAppJson);
  t.is(await readFile(join(dir, '.voodu/app.json'), 'utf8'), '{\n  "name": "Shop",\n  "scope": "shop",\n  "ingress": {}\n}\n');
  const again = await procfileApp(join(dir, 'Procfile'), { kinds, app: 'shop' });
  t.false(again.wroteAppJson, 'the same --app leaves the file alone');
  const plain = await procfileApp(join(dir, 'Procfile'), { kinds });
  t.is(plain.scope, 'shop', 'a later apply without --app reuses it');
  t.false(plain.wroteAppJson);
});

test('scope: --app creates .voodu/app.json when there is none; a bad --app is refused and nothing is written', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\n' });
  const err = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds, app: 'My_App' }), { instanceOf: CliError });
  t.regex(err!.message, /^--app: "My_App" is not a valid name; use 1-63 lowercase letters/);
  await t.throwsAsync(readFile(join(dir, '.voodu/app.json')), { code: 'ENOENT' });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds, app: 'shop' });
  t.true(app.wroteAppJson);
  t.deepEqual(await readJson(dir), { scope: 'shop' });
});

test('scope: without --app or app.json, a random 3-character one is made and written, a new key going first', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\n' });
  // 0 → "a"; 0.999 → the last of a-z0-9, "9"; 26/36 → "0".
  const app = await procfileApp(join(dir, 'Procfile'), { kinds, random: fixed(0, 0.999, 26 / 36) });
  t.is(app.scope, 'a90');
  t.true(app.wroteAppJson);
  t.is(await readFile(join(dir, '.voodu/app.json'), 'utf8'), '{\n  "scope": "a90"\n}\n');
  t.is((await procfileApp(join(dir, 'Procfile'), { kinds, random: fixed(0.5) })).scope, 'a90', 'the saved scope is reused');

  const withIngress = await project({ Procfile: 'web: ./serve\n', '.voodu/app.json': '{"ingress": {"web": {"host": "a.example.com"}}}' });
  const made = await procfileApp(join(withIngress, 'Procfile'), { kinds });
  t.regex(made.scope, /^[a-z][a-z0-9]{2}$/, 'the default random source');
  t.deepEqual(Object.keys(await readJson(withIngress)), ['scope', 'ingress']);
  t.is(made.manifests.at(-1)!.scope, made.scope);
});

test('scope: an invalid scope in app.json is refused naming the file; a failed apply writes no scope', async (t) => {
  const dir = await project({ Procfile: 'web: ./serve\n', '.voodu/app.json': '{"scope": "Shop"}' });
  const err = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(err!.message, /\.voodu\/app\.json: scope "Shop" is not a valid name/);
  const bad = await project({ Procfile: 'web: ./serve\n', '.voodu/app.json': '{"ingress": {"api": {"host": "a.example.com"}}}' });
  await t.throwsAsync(procfileApp(join(bad, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.deepEqual(await readJson(bad), { ingress: { api: { host: 'a.example.com' } } }, 'untouched');
});

test('a missing Procfile is named', async (t) => {
  const dir = await project({});
  const err = await t.throwsAsync(procfileApp(join(dir, 'Procfile'), { kinds }), { instanceOf: CliError });
  t.regex(err!.message, /Procfile: no such file; run from the app's directory or pass -f <dir>\/Procfile$/);
});

// --- eject -----------------------------------------------------------------

test('hclString escapes quotes, backslashes, control characters, ${ and %{', (t) => {
  t.is(hclString('a "b" \\ ${HOME} %{if} $PORT $$ %d\n\t'), '"a \\"b\\" \\\\ $${HOME} %%{if} $PORT $$ %d\\n\\t"');
});

const TRICKY = `web: echo "it's \${HOME} and %{x}" \\ $PORT $$\${NOT} | tr a b\nrelease: sh -c 'echo "\${DATABASE_URL:-none}"'\nworker: ./work\n`;

test('manifestsToHcl: the loader reads the text back into the same manifests (commands with quotes and ${…})', async (t) => {
  const dir = await project({
    Procfile: TRICKY,
    '.voodu/app.json': appJson({
      web: { host: 'app.example.com', tls: { enabled: true, email: 'ops@example.com' }, lb: { policy: 'round_robin', interval: '10s' }, location: { path: '/app', strip: true }, locations: [{ path: '/b' }] },
    }),
  });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  t.is((app.manifests[0]!.spec.command as string[])[2], `echo "it's \${HOME} and %{x}" \\ $PORT $$\${NOT} | tr a b`);
  const text = manifestsToHcl(app.manifests, kinds);
  t.true(text.startsWith('deployment "shop" "web" {\n'));
  t.regex(text, /\n {2}env {6}= \{\n {4}PORT = "5000"\n {2}\}\n/);
  t.regex(text, /\n {2}build \{\n {4}context = "\."\n {2}\}\n/);
  t.regex(text, /\n {2}tls \{\n {4}enabled = true\n/);
  t.is(text.match(/\n {2}location \{\n/g)?.length, 2, 'one location block per item of locations');
  await writeFile(join(dir, 'roundtrip.voodu'), text);
  // HOME set in the shell must not leak in: `$${HOME}` is a literal.
  const loaded = await loadManifests({ files: [join(dir, 'roundtrip.voodu')], cwd: dir, env: { HOME: '/root', NOT: 'x' } });
  t.deepEqual(
    loaded.map((l) => l.manifest),
    validate(app.manifests, true),
  );
  t.deepEqual(validate(app.manifests, true), validate(app.manifests), 'HCL and wire validation agree on these manifests');
});

test('ejectProcfile: writes .voodu/<scope>.voodu, which loads as the app with build contexts relative to .voodu/', async (t) => {
  const dir = await project({ Procfile: TRICKY, '.voodu/app.json': appJson({ worker: { host: 'w.example.com', port: 9000 } }, 'ej') });
  const app = await procfileApp(join(dir, 'Procfile'), { kinds });
  const path = await ejectProcfile(app, kinds);
  t.is(path, join(dir, '.voodu', 'ej.voodu'));
  const text = await readFile(path, 'utf8');
  t.true(text.startsWith('# Written by `voodu apply -f Procfile --eject`'));
  t.regex(text, /voodu config ej set KEY=value/);

  const ejected = ejectedManifests(app);
  t.deepEqual(ejected.find((m) => m.name === 'web')!.spec.build, { context: '..' });
  t.deepEqual(ejected.find((m) => m.kind === 'job')!.spec, { build: { context: '..' }, command: app.manifests.find((m) => m.kind === 'job')!.spec.command }, 'the release job runs the same build');
  t.deepEqual(app.manifests.find((m) => m.kind === 'job')!.spec.build, { context: '.' }, 'the app itself is unchanged');

  // As `voodu apply -f ej` from the app's directory finds it.
  const loaded = await loadManifests({ files: ['ej'], cwd: dir, env: {} });
  t.is(loaded.length, 4);
  t.true(loaded.every((l) => l.source.startsWith('.voodu/ej.voodu:')));
  t.deepEqual(
    loaded.map((l) => l.manifest),
    validate(ejected, true),
  );
  // Apart from the build contexts and the release image, the ejected file states what Procfile mode applies.
  const strip = (ms: Manifest[]) =>
    validate(ms).map((m) => {
      const { build: _build, image: _image, ...spec } = m.spec;
      return { ...m, spec };
    });
  t.deepEqual(strip(loaded.map((l) => l.manifest)), strip(app.manifests));
});

test('manifestsToHcl: labeled and nested blocks, maps with odd keys, lists of strings, unscoped kinds', async (t) => {
  const manifests: Manifest[] = [
    {
      kind: 'deployment',
      scope: 'p',
      name: 'api',
      spec: {
        image: 'nginx:1.27',
        env: { 'A.B': 'x', C_D: '"q"' },
        inits: [{ name: 'migrate', command: ['./migrate'], resources: { limits: { memory: '256Mi' } } }],
        probes: { readiness: { http_get: { path: '/ready', port: 8080 } } },
        volumes: ['/data:/data'],
      },
    },
    { kind: 'cronjob', scope: 'p', name: 'nightly', spec: { schedule: '0 3 * * *', job: { image: 'busybox', command: ['echo', '%{nope}'] } } },
    { kind: 'registry', name: 'ecr', spec: { url: '123456789012.dkr.ecr.us-east-1.amazonaws.com', helper: 'ecr-login' } },
  ];
  const text = manifestsToHcl(manifests, kinds);
  t.regex(text, /\n {2}init "migrate" \{\n {4}command = \["\.\/migrate"\]\n\n {4}resources \{\n {6}limits \{\n {8}memory = "256Mi"\n/);
  t.regex(text, /"A\.B" = "x"/);
  t.regex(text, /\nregistry "ecr" \{\n/);
  t.regex(text, /\ncronjob "p" "nightly" \{\n {2}schedule = "0 3 \* \* \*"\n {2}image {4}= "busybox"\n/, 'a cronjob\'s job fields sit flat in its block');
  const dir = await project({ 'all.hcl': text });
  const loaded = await loadManifests({ files: ['all.hcl'], cwd: dir, env: {} });
  t.deepEqual(
    loaded.map((l) => l.manifest),
    validate(manifests, true),
  );
});
