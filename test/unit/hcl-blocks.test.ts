import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { loadManifests } from '../../cli/hcl/index.js';
import { parseEnvFile } from '../../cli/hcl/env-file.js';
import { ValidationError } from '../../lib/errors.js';

const dirs: string[] = [];
test.after.always(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function project(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-hcl-blocks-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** Loads one HCL text written as voodu.hcl (plus other files) and returns the manifests. */
async function parse(hcl: string, files: Record<string, string | Buffer> = {}, env: Record<string, string> = {}) {
  const dir = await project({ 'voodu.hcl': hcl, ...files });
  return (await loadManifests({ files: ['voodu.hcl'], cwd: dir, env })).map((l) => l.manifest);
}

async function parseError(t: { throwsAsync: Function }, hcl: string, message: string | RegExp, files: Record<string, string> = {}) {
  const dir = await project({ 'voodu.hcl': hcl, ...files });
  return t.throwsAsync(loadManifests({ files: ['voodu.hcl'], cwd: dir, env: {} }), { instanceOf: ValidationError, message });
}

test('env_file: merged relative to the manifest, later files override earlier, inline env wins, removed from the wire', async (t) => {
  const [m] = await parse(
    'deployment "p" "api" {\n  image = "x"\n  env_file = ["env/base.env", "env/prod.env"]\n  env = { INLINE = "inline", SHARED = "inline" }\n}\n',
    {
      'env/base.env': '# base\nexport A=base\nB = "quoted value "\nSHARED=base\n\nC=\'single\'\n',
      'env/prod.env': 'B=prod\nD=  spaced  \n',
    },
  );
  t.deepEqual(m!.spec.env, { A: 'base', B: 'prod', SHARED: 'inline', C: 'single', D: 'spaced', INLINE: 'inline' });
  t.false('env_file' in m!.spec);
});

test('env_file: a cronjob merges into its job; a manifest in a subdirectory resolves from there', async (t) => {
  const dir = await project({
    'ops/cron.hcl': 'cronjob "ops" "nightly" {\n  schedule = "@daily"\n  image = "x"\n  env_file = ["cron.env"]\n}\n',
    'ops/cron.env': 'K=v\n',
  });
  const [m] = await loadManifests({ files: ['ops/cron.hcl'], cwd: dir, env: {} });
  t.deepEqual(m!.manifest.spec.job, { image: 'x', env: { K: 'v' }, logs: { max_size: '10m', max_files: 3 } });
});

test("env_file errors: missing file, line without '='", async (t) => {
  await parseError(t, 'job "p" "x" {\n  env_file = ["nope.env"]\n}\n', /^voodu\.hcl:1: job\/p\/x: env_file: cannot read "nope.env": no such file \(/);
  await parseError(t, 'job "p" "x" {\n  env_file = ["bad.env"]\n}\n', "voodu.hcl:1: job/p/x: env_file: bad.env:2: missing '='", { 'bad.env': 'A=1\nSECRET_WITHOUT_EQUALS\n' });
  t.throws(() => parseEnvFile('=x', 'a.env'), { message: 'a.env:1: empty key' });
});

test('file() and url() in asset bodies become their wire shapes', async (t) => {
  const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
  const [asset] = await parse(
    [
      'asset "data" "cfg" {',
      '  conf   = file("./configs/app.conf")',
      '  bin    = file("blob.bin")',
      '  acl    = url("https://r2.example.com/acl")',
      '  remote = url("https://r2.example.com/x", {',
      '    timeout    = "5s" # per fetch',
      '    on_failure = "error"',
      '  })',
      '  motd   = "hello ${asset.not.resolved.here}"',
      '  heredoc = <<-EOT',
      '    line one',
      '    EOT',
      '}',
    ].join('\n'),
    { 'configs/app.conf': 'a = 1\n', 'blob.bin': bytes },
  );
  t.deepEqual(asset, {
    kind: 'asset',
    scope: 'data',
    name: 'cfg',
    spec: {
      files: {
        acl: { _source: 'url', url: 'https://r2.example.com/acl', timeout: '', on_failure: '' },
        bin: { _source: 'file', content: bytes.toString('base64'), filename: 'blob.bin' },
        conf: { _source: 'file', content: Buffer.from('a = 1\n').toString('base64'), filename: 'app.conf' },
        heredoc: 'line one\n',
        motd: 'hello ${asset.not.resolved.here}',
        remote: { _source: 'url', url: 'https://r2.example.com/x', timeout: '5s', on_failure: 'error' },
      },
    },
  });
  const [unscoped] = await parse('asset "ca" {\n  pem = "x"\n}\n');
  t.deepEqual(unscoped, { kind: 'asset', name: 'ca', spec: { files: { pem: 'x' } } });
});

test('asset function errors name the key', async (t) => {
  await parseError(t, 'asset "d" "c" {\n  conf = file("missing.conf")\n}\n', /^voodu\.hcl:1: asset\/d\/c: conf: file\("missing\.conf"\): no such file \(/);
  await parseError(t, 'asset "d" "c" {\n  a = url("https://x.io", { retries = 3 })\n}\n', 'voodu.hcl:1: asset/d/c: a: url(): unknown option "retries"; accepted: timeout, on_failure');
  await parseError(t, 'asset "d" "c" {\n  a = url("https://x.io", { timeout = "soon" })\n}\n', /^voodu\.hcl:1: asset\/d\/c: a\.timeout: "soon" is not a duration/);
  await parseError(t, 'asset "d" "c" {\n  a = upper("x")\n}\n', 'voodu.hcl:1: asset/d/c: a: "upper(\\"x\\")" is not supported here; use a string, file("path") or url("https://…")');
  await parseError(t, 'asset "d" "c" {\n  a = 42\n}\n', 'voodu.hcl:1: asset/d/c: a: must be a string, file("path") or url("https://…")');
  await parseError(t, 'asset "d" "c" {\n  nested {\n  }\n}\n', 'voodu.hcl:1: asset/d/c: nested blocks are not supported (asset bodies are flat key = value pairs)');
  // Keys are HCL identifiers, so a dotted key is already a syntax error, with its position.
  await parseError(t, 'asset "d" "c" {\n  a.b = "x"\n}\n', /^voodu\.hcl:2:3: Argument or block definition required/);
});

test('file() and other expressions outside asset bodies are errors naming the field', async (t) => {
  await parseError(t, 'deployment "p" "a" {\n  image = file("x")\n}\n', 'voodu.hcl:1: deployment/p/a: image: file() can only be used for values inside an asset block');
  await parseError(t, 'deployment "p" "a" {\n  image = "x"\n  replicas = 2 * 3\n}\n', /^voodu\.hcl:1: deployment\/p\/a: replicas: expressions are not supported \(found "\$\{2 \* 3\}"\)/);
  await parseError(t, 'deployment "p" "a" {\n  env = { A = "${ lower("X") }" }\n}\n', /^voodu\.hcl:1: deployment\/p\/a: env\.A: expressions are not supported/);
  await parseError(t, 'redis "d" "c" {\n  conf = file("x")\n}\n', 'voodu.hcl:1: redis/d/c: conf: file() can only be used for values inside an asset block');
});

test('plugin blocks: attributes and nested blocks as written, plugin {} kept, env stringified, labels', async (t) => {
  const [pg, redis, bare] = await parse(
    [
      'postgres "data" "pg" {',
      '  plugin {',
      '    version = "0.2.0"',
      '    repo    = "myorg/voodu-postgres"',
      '  }',
      '  image    = "postgres:15-alpine"',
      '  replicas = 2',
      '  env      = { PORT = 5432, DEBUG = true, RATIO = 1.5, EMPTY = null, S = "s" }',
      '  pg_config = { max_connections = 200 }',
      '  volumes  = ["${asset.data.pg-config.postgresql_conf}:/etc/postgresql/postgresql.conf:ro"]',
      '  backup "daily" { schedule = "0 3 * * *" }',
      '  backup "weekly" { schedule = "0 4 * * 0" }',
      '  sentinel {',
      '    enabled = true',
      '  }',
      '}',
      'redis "cache" {',
      '  plugin { version = "latest" }',
      '}',
      'memcached {}',
    ].join('\n'),
  );
  t.deepEqual(pg, {
    kind: 'postgres',
    scope: 'data',
    name: 'pg',
    spec: {
      env: { PORT: '5432', DEBUG: 'true', RATIO: '1.5', EMPTY: '', S: 's' },
      image: 'postgres:15-alpine',
      pg_config: { max_connections: 200 },
      replicas: 2,
      volumes: ['${asset.data.pg-config.postgresql_conf}:/etc/postgresql/postgresql.conf:ro'],
      plugin: { version: '0.2.0', repo: 'myorg/voodu-postgres' },
      backup: [
        { schedule: '0 3 * * *', _labels: ['daily'] },
        { schedule: '0 4 * * 0', _labels: ['weekly'] },
      ],
      sentinel: { enabled: true },
    },
  });
  t.deepEqual(redis, { kind: 'redis', name: 'cache', spec: { plugin: { version: 'latest' } } });
  t.deepEqual(bare, { kind: 'memcached', name: 'memcached', spec: {} });
  await parseError(t, 'redis "a" "b" "c" {}\n', 'voodu.hcl:1: redis block: too many labels (max 2: scope and name)');
});

test('labels: two for scoped kinds, one for registry, one or two for assets', async (t) => {
  await parseError(t, 'deployment "api" {\n}\n', 'voodu.hcl:1: deployment block needs scope and name labels (got 1); write deployment "<scope>" "<name>" { … }');
  await parseError(t, 'job "" "x" {\n}\n', 'voodu.hcl:1: job block: scope and name must both be non-empty');
  await parseError(t, '\nregistry "a" "b" {\n}\n', 'voodu.hcl:2: registry block needs exactly one label (its name), got 2 — write registry "name" { … }, e.g. registry "ghcr" { … }');
  await parseError(t, 'asset {\n}\n', 'voodu.hcl:1: asset block takes 1 label (unscoped) or 2 labels (scoped), got 0');
  await parseError(t, 'Deployment "a" "b" {\n}\n', 'voodu.hcl:1: block types are lowercase; write deployment instead of Deployment');
});

test('core blocks are strict: unknown attributes and blocks, repeated single blocks, labels where none belong', async (t) => {
  await parseError(t, '\n\ndeployment "p" "a" {\n  imgae = "x"\n}\n', 'voodu.hcl:3: deployment/p/a: imgae: unknown field in a deployment; did you mean "image"?');
  await parseError(t, 'job "p" "a" {\n  probes {\n  }\n}\n', 'voodu.hcl:1: job/p/a: probes: unknown block; blocks accepted here: build, depends_on, resources, logs (attributes are written name = value)');
  await parseError(t, 'deployment "p" "a" {\n  logs {\n  }\n  logs {\n  }\n}\n', 'voodu.hcl:1: deployment/p/a: logs: only one logs block is allowed');
  await parseError(t, 'deployment "p" "a" {\n  logs "x" {\n  }\n}\n', 'voodu.hcl:1: deployment/p/a: logs: block takes no labels; write logs { … }');
  await parseError(t, 'deployment "p" "a" {\n  init {\n    command = ["x"]\n  }\n}\n', 'voodu.hcl:1: deployment/p/a: init: block needs one label, its name: init "<name>" { … }');
  await parseError(t, 'statefulset "d" "pg" {\n  image = "x"\n  volume_claim "data" {\n    mount_path = "/a"\n  }\n  volume_claim "data" {\n    mount_path = "/b"\n  }\n}\n', 'voodu.hcl:1: statefulset/d/pg: volume_claim "data": duplicate volume_claim name; each claim needs its own name');
  await parseError(t, 'deployment "p" "a" {\n  resources {\n    limits {\n      memory = "12XB"\n    }\n  }\n}\n', 'voodu.hcl:1: deployment/p/a: resources.limits.memory: "12XB" is not a size; use bytes or a number with Ki, Mi, Gi, Ti, K, M, G or T');
  await parseError(t, 'deployment "p" "a" {\n  image = "x"\n  replicas = 2\n  autoscale {\n    min = 1\n    max = 3\n    cpu_target = 50\n  }\n}\n', 'voodu.hcl:1: deployment/p/a: replicas: replicas and autoscale are mutually exclusive — use min/max instead');
  await parseError(t, 'deployment "p" "a" {\n  _asset_digests = {}\n}\n', 'voodu.hcl:1: deployment/p/a: _asset_digests: names starting with "_" are stamped by the server; remove it');
});

test('nested blocks: labelled blocks keep source order, repeated blocks become lists, HCL numbers become strings in maps', async (t) => {
  const [d, ing] = await parse(
    [
      'app "p" "web" {',
      '  image = "x"',
      '  env = { WORKERS = 4, DEBUG = false }',
      '  init "seed" { command = ["seed"] }',
      '  init "10-migrate" {',
      '    command = ["migrate"]',
      '    resources {',
      '      limits { cpu = 0.5 }',
      '    }',
      '  }',
      '  on_deploy {',
      '    success { url = "https://a.example.com" }',
      '    success { url = "https://b.example.com" }',
      '  }',
      '  host = "web.example.com"',
      '  location { path = "/b" }',
      '  location {',
      '    path = "/a"',
      '    strip = true',
      '  }',
      '  tls { enabled = false }',
      '}',
    ].join('\n'),
  );
  t.deepEqual(d!.spec.env, { WORKERS: '4', DEBUG: 'false' });
  t.deepEqual(d!.spec.inits, [
    { name: 'seed', command: ['seed'] },
    { name: '10-migrate', command: ['migrate'], resources: { limits: { cpu: '0.5' } } },
  ]);
  t.deepEqual(d!.spec.on_deploy, { success: [{ url: 'https://a.example.com' }, { url: 'https://b.example.com' }] });
  t.deepEqual(ing!.spec, { host: 'web.example.com', tls: { enabled: false, provider: 'letsencrypt' }, locations: [{ path: '/b' }, { path: '/a', strip: true }] });
});

test('cronjob: job fields written flat in HCL are nested under job on the wire', async (t) => {
  const [c] = await parse(
    'cronjob "ops" "sweep" {\n  schedule = "*/10 * * * *"\n  suspend = true\n  image = "x"\n  command = ["sweep"]\n  timeout = "5m"\n  logs {\n    max_files = 2\n  }\n}\n',
  );
  t.deepEqual(c!.spec, {
    schedule: '*/10 * * * *',
    job: { image: 'x', command: ['sweep'], timeout: '5m', logs: { max_size: '10m', max_files: 2 } },
    suspend: true,
  });
  await parseError(t, 'cronjob "ops" "sweep" {\n  image = "x"\n}\n', 'voodu.hcl:1: cronjob/ops/sweep: schedule: is required (e.g. "0 3 * * *" or "@daily")');
});

test('syntax errors carry the file, line and column', async (t) => {
  await parseError(t, 'deployment "p" "a" {\n  image = "x"\n  replicas =\n}\n', /^voodu\.hcl:3:13: Invalid expression; Expected the start of an expression/);
  await parseError(t, 'job "p" "a" {\n  image = "x\n}\n', /^voodu\.hcl:2:13: Invalid multi-line string;.*\(and 2 more problems\)$/);
  await parseError(t, '\n\njob "p" "a" {\n  image = "x"\n  image = "y"\n}\n', /^voodu\.hcl:5:3: Attribute redefined; The argument "image" was already set at :4,3-8/);
  await parseError(t, 'redis {}\nredis "x" {}\n', /^voodu\.hcl: blocks like "redis\.x" cannot be read: blocks of one type must all have the same number of labels/);
});

test('the file holds blocks only', async (t) => {
  await parseError(t, 'job "p" "a" {\n  image = "x"\n}\nversion = 2\n', 'voodu.hcl:4: version: attributes are not allowed at the top level; a manifest file holds blocks such as deployment "<scope>" "<name>" { … }');
});
