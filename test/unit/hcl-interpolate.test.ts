import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadManifests } from '../../cli/hcl/index.js';
import { interpolate, LITERAL_DOLLAR, restoreLiterals } from '../../cli/hcl/interpolate.js';
import { ValidationError } from '../../lib/errors.js';

const dirs: string[] = [];
test.after.always(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function write(text: string, name = 'voodu.hcl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-hcl-interp-'));
  dirs.push(dir);
  await writeFile(join(dir, name), text);
  return dir;
}

const run = (s: string, vars: Record<string, string | undefined> = {}) => restoreLiterals(interpolate(s, vars, 'x.hcl'));

test('variables and defaults', (t) => {
  t.is(run('a=${A} b=${B:-dflt} c=${C:-}', { A: '1' }), 'a=1 b=dflt c=');
  t.is(run('${B:-dflt}', { B: 'set' }), 'set', 'a set variable wins over its default');
  t.is(run('${B:-}', { B: '' }), '', 'an empty value is a value');
});

test('every missing name is listed in one error, once each', (t) => {
  const err = t.throws(() => interpolate('# ${A}\nx = "${B}${A}" ${C:-ok}', {}, 'voodu.hcl'), { instanceOf: ValidationError });
  t.regex(err?.message ?? '', /^voodu\.hcl: undefined variable\(s\): A, B;/);
});

test('dotted references and $${ escapes survive literally', (t) => {
  const out = interpolate('${asset.data.cfg.conf} ${ref.ingress.edge.url} $${HOME} ${x.y}', {}, 'x.hcl');
  t.false(out.includes('${'), 'nothing left for HCL to evaluate');
  t.is(restoreLiterals(out), '${asset.data.cfg.conf} ${ref.ingress.edge.url} ${HOME} ${x.y}');
});

test('substituted values are literal text: a value holding ${…} is not evaluated later', (t) => {
  const out = interpolate('"${SECRET}"', { SECRET: 'p${a}ss' }, 'x.hcl');
  t.is(out, `"p${LITERAL_DOLLAR}{a}ss"`);
});

test('the reserved marker character is refused in input', (t) => {
  t.throws(() => interpolate(`x = "${LITERAL_DOLLAR}"`, {}, 'x.hcl'), { message: /U\+E000/ });
});

test('loadManifests: shell env fills ${VAR}; references reach the wire unchanged', async (t) => {
  const dir = await write(
    [
      '# deploys ${TAG:-latest} of the api',
      'deployment "prod" "api" {',
      '  image   = "ghcr.io/acme/api:${TAG:-latest}"',
      '  replicas = ${REPLICAS}',
      '  volumes = ["${asset.prod.cfg.app_yml}:/app/config.yml:ro"]',
      '  env = {',
      '    EDGE = "${ref.ingress.edge.url}"',
      '    LIT  = "$${NOT_A_VAR}"',
      '  }',
      '}',
    ].join('\n'),
  );
  const [one] = await loadManifests({ files: ['voodu.hcl'], cwd: dir, env: { TAG: '1.2.3', REPLICAS: '2' } });
  t.deepEqual(one!.manifest.spec, {
    image: 'ghcr.io/acme/api:1.2.3',
    replicas: 2,
    env: { EDGE: '${ref.ingress.edge.url}', LIT: '${NOT_A_VAR}' },
    volumes: ['${asset.prod.cfg.app_yml}:/app/config.yml:ro'],
    health_check: '/',
    logs: { max_size: '10m', max_files: 3 },
  });
});

test('loadManifests: missing variables are listed together, comments included', async (t) => {
  const dir = await write('# needs ${FROM_COMMENT}\nregistry "r" {\n  url = "x"\n  username = "${U}"\n  token = "${T}"\n}\n');
  await t.throwsAsync(loadManifests({ files: ['voodu.hcl'], cwd: dir, env: {} }), {
    instanceOf: ValidationError,
    message: /^voodu\.hcl: undefined variable\(s\): FROM_COMMENT, U, T;/,
  });
});

test('context: env_from buckets, then own buckets, then the shell, which wins', async (t) => {
  const dir = await write(
    [
      'deployment "prod" "api" {',
      '  image    = "x:${TAG}"',
      '  env_from = ["shared/base", "prod"]',
      '  env = { A = "${A}", B = "${B}", C = "${C}", D = "${D}" }',
      '}',
    ].join('\n'),
  );
  const fetched: string[] = [];
  const buckets: Record<string, Record<string, string>> = {
    'shared/base': { A: 'base', B: 'base', C: 'base', TAG: '1' },
    prod: { B: 'scope', C: 'scope' },
    'prod/api': { C: 'own', D: 'own' },
  };
  const fetchBucket = async (scope: string, name?: string) => {
    const ref = name ? `${scope}/${name}` : scope;
    fetched.push(ref);
    return buckets[ref] ?? {};
  };
  const [one] = await loadManifests({ files: ['voodu.hcl'], cwd: dir, env: { D: 'shell', UNUSED: undefined }, fetchBucket });
  t.deepEqual(one!.manifest.spec.env, { A: 'base', B: 'scope', C: 'own', D: 'shell' });
  t.is(one!.manifest.spec.image, 'x:1');
  t.deepEqual(fetched, ['shared/base', 'prod', 'prod/api']);
});

test('context: a failing env_from bucket is fatal, a failing own bucket is not; buckets are fetched once per load', async (t) => {
  const dir = await write('deployment "prod" "api" {\n  image = "x:${TAG:-1}"\n}\n');
  let calls = 0;
  const failing = async () => {
    calls++;
    throw new Error('controller unreachable');
  };
  const out = await loadManifests({ files: ['voodu.hcl'], cwd: dir, env: {}, fetchBucket: failing });
  t.is(out[0]!.manifest.spec.image, 'x:1');
  t.is(calls, 1);
  await writeFile(join(dir, 'b.hcl'), 'job "prod" "once" {\n  image = "y"\n  env_from = ["shared"]\n}\n');
  await t.throwsAsync(loadManifests({ files: ['b.hcl'], cwd: dir, env: {}, fetchBucket: failing }), {
    message: 'b.hcl: env_from "shared": could not read its config: controller unreachable',
  });
  let shared = 0;
  const counting = async (scope: string) => {
    if (scope === 'shared') shared++;
    return {};
  };
  await writeFile(join(dir, 'c.hcl'), 'job "prod" "twice" {\n  image = "y"\n  env_from = ["shared"]\n}\n');
  await loadManifests({ files: ['b.hcl', 'c.hcl'], cwd: dir, env: {}, fetchBucket: counting });
  t.is(shared, 1, 'one fetch for two files naming the same bucket');
});

test('context: without ${ in the file, own buckets are not fetched', async (t) => {
  const dir = await write('deployment "prod" "api" {\n  image = "x"\n}\n');
  const fetched: string[] = [];
  await loadManifests({ files: ['voodu.hcl'], cwd: dir, env: {}, fetchBucket: async (s, n) => (fetched.push(`${s}/${n}`), {}) });
  t.deepEqual(fetched, []);
});
