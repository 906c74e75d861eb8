import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { expandApp } from '../../modules/app/spec.js';
import { kinds } from '../helpers/kinds.js';

const app = (spec: Record<string, unknown>) => ({ kind: 'app', scope: 'myapp', name: 'web', spec });

test('app expands into a deployment and an ingress of the same identity', (t) => {
  const out = expandApp(
    app({
      image: 'ghcr.io/myorg/myapp:latest',
      replicas: 3,
      ports: ['8080'],
      env: { PORT: '8080' },
      health_check: '/healthz',
      inits: [{ name: 'migrate', command: ['bin/migrate'] }],
      host: 'myapp.example.com',
      tls: { email: 'ops@example.com' },
      locations: [{ path: '/api', strip: true }],
      lb: { policy: 'least_conn' },
    }), kinds,
  );
  t.deepEqual(out, [
    {
      kind: 'deployment',
      scope: 'myapp',
      name: 'web',
      spec: {
        image: 'ghcr.io/myorg/myapp:latest',
        replicas: 3,
        env: { PORT: '8080' },
        ports: ['8080'],
        health_check: '/healthz',
        logs: { max_size: '10m', max_files: 3 },
        inits: [{ name: 'migrate', command: ['bin/migrate'] }],
      },
    },
    {
      kind: 'ingress',
      scope: 'myapp',
      name: 'web',
      // No service (→ the deployment of the same name) and no port (→ its first port): resolved at reconcile.
      spec: {
        host: 'myapp.example.com',
        tls: { enabled: true, provider: 'letsencrypt', email: 'ops@example.com' },
        locations: [{ path: '/api', strip: true }],
        lb: { policy: 'least_conn' },
      },
    },
  ]);
  for (const m of out) t.deepEqual(validateManifest(m, kinds), m, 'each half validates to itself');
});

test('app: deployment defaults apply to the deployment half', (t) => {
  const [deployment, ingress] = expandApp(app({ host: 'a.example.com', autoscale: { min: 2, max: 4, cpu_target: 60 } }), kinds, { hcl: true });
  t.deepEqual(deployment!.spec, {
    replicas: 2,
    health_check: '/',
    build: { context: '.' },
    autoscale: { min: 2, max: 4, cpu_target: 60 },
    logs: { max_size: '10m', max_files: 3 },
  });
  t.deepEqual(ingress!.spec, { host: 'a.example.com' });
});

test('app errors name the app block, not its halves', (t) => {
  const noHost = t.throws(() => expandApp(app({ image: 'x' }), kinds, { source: 'voodu.hcl:3' }), { instanceOf: ValidationError });
  t.is(noHost?.message, 'voodu.hcl:3: app/myapp/web: host: is required (the domain this ingress serves, e.g. app.example.com)');
  const init = t.throws(() => expandApp(app({ host: 'a.io', inits: [{ name: 'x' }] }), kinds), { instanceOf: ValidationError });
  t.regex(init?.message ?? '', /^app\/myapp\/web: init "x".command: is required/);
  const service = t.throws(() => expandApp(app({ host: 'a.io', service: 'api' }), kinds), { instanceOf: ValidationError });
  t.regex(service?.message ?? '', /service: unknown field; an app accepts image, .*, host, tls, locations, lb$/, 'app has no service or port');
  t.throws(() => expandApp({ kind: 'deployment', scope: 'a', name: 'b', spec: {} }, kinds), { message: /expected an app manifest/ });
});

test('validateManifest accepts an app as is (no defaults until it is expanded)', (t) => {
  const m = validateManifest(app({ host: 'a.io', tls: {} }), kinds);
  t.deepEqual(m, { kind: 'app', scope: 'myapp', name: 'web', spec: { host: 'a.io', tls: { enabled: true, provider: 'letsencrypt' } } });
});
