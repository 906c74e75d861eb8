/**
 * etcd stays private: a controller refuses to open its embedded etcd beyond
 * loopback without TLS, serves it over TLS with client certificates when
 * asked (a client without one is refused by etcd itself), reaches an
 * external etcd over https with a CA and a client certificate, and warns
 * about plain http to another host. All traffic stays on 127.0.0.1.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Kernel, createLogger, defineModule } from '../../kernel/index.js';
import { coreModuleNames } from '../../modules/core.js';
import storeModule from '../../modules/store/index.js';
import { makeCa, type Issued, type TestCa } from '../helpers/certs.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { freePorts } from '../helpers/ports.js';
import { requireBinary } from '../helpers/require.js';

/** The controller with paths, store and API only: no Docker, and nothing listening beyond loopback. */
const STORE_ONLY = { disable: coreModuleNames.filter((m) => !['paths', 'store', 'api'].includes(m)) };

const cleanups: Array<() => unknown> = [];
let ca: TestCa;
let foreign: TestCa;
let server: Issued;
let dual: Issued;
let client: Issued;
let stranger: Issued;
let curl: string;

test.before(() => {
  requireBinary('etcd', 'install the etcd-server package');
  curl = requireBinary('curl', 'install the curl package');
  ca = makeCa('voodu-test');
  cleanups.push(() => ca.cleanup());
  foreign = makeCa('voodu-foreign');
  cleanups.push(() => foreign.cleanup());
  server = ca.issue('etcd-server', ['serverAuth']);
  dual = ca.issue('etcd-dual', ['serverAuth', 'clientAuth']);
  client = ca.issue('controller', ['clientAuth']);
  stranger = foreign.issue('stranger', ['clientAuth']);
});

test.after.always(async () => {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // Clean up the rest regardless.
    }
  }
});

async function controller(flags: string[]): Promise<TestController> {
  const ctl = await bootController({ modules: STORE_ONLY, flags });
  cleanups.push(() => ctl.cleanup());
  return ctl;
}

/** etcd processes whose command line mentions `:port` — ours, since the port is a fresh free one. */
async function etcdOn(port: number): Promise<Array<{ pid: number; argv: string[] }>> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter(Boolean);
      if (argv[0] && basename(argv[0]).startsWith('etcd') && argv.some((a) => a.includes(`:${port}`))) found.push({ pid: Number(entry), argv });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** curl's answer, or its failure as a string: the test asserts on which. */
function curlHealth(url: string, args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(curl, ['-sS', '--max-time', '5', ...args, `${url}/health`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: unknown }).stderr ?? err) };
  }
}

/** Boots a controller that must fail; returns its error and checks that no etcd was left on the ports. */
async function refused(t: import('ava').ExecutionContext, flags: string[], ports: number[]): Promise<string> {
  const err = await t.throwsAsync(() => bootController({ modules: STORE_ONLY, flags }));
  for (const port of ports) {
    t.deepEqual(await etcdOn(port), [], `no etcd process was started on :${port}`);
    t.false(await listening(port), `nothing listens on 127.0.0.1:${port}`);
  }
  return err!.message;
}

test('a controller with --etcd-client http://0.0.0.0 refuses to start, says why, and starts no etcd', async (t) => {
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const message = await refused(t, ['--etcd-client', `http://0.0.0.0:${clientPort}`, '--etcd-peer', `http://127.0.0.1:${peerPort}`], [clientPort, peerPort]);
  t.regex(message, new RegExp(`module "store" failed to start: --etcd-client http://0\\.0\\.0\\.0:${clientPort}: the embedded etcd would accept anyone who reaches this address \\(every secret, every desired manifest\\)`));
  t.regex(message, /Bind 127\.0\.0\.1, or serve it over TLS with client certificates: --etcd-client https:\/\/… --etcd-cert-file F --etcd-key-file F --etcd-trusted-ca-file F/);
});

test('a controller with a non-loopback --etcd-peer refuses to start, naming the peer TLS flags', async (t) => {
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const message = await refused(t, ['--etcd-client', `http://127.0.0.1:${clientPort}`, '--etcd-peer', `http://[::]:${peerPort}`], [clientPort, peerPort]);
  t.regex(message, new RegExp(`--etcd-peer http://\\[::\\]:${peerPort}: the embedded etcd would accept anyone`));
  t.regex(message, /--etcd-peer https:\/\/… --etcd-peer-cert-file F --etcd-peer-key-file F --etcd-peer-trusted-ca-file F/);
});

test('bad TLS files fail the boot naming the flag, before any etcd runs', async (t) => {
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const base = ['--etcd-client', `https://127.0.0.1:${clientPort}`, '--etcd-peer', `http://127.0.0.1:${peerPort}`, '--etcd-trusted-ca-file', ca.ca];
  // A server-only certificate cannot double as the controller's client certificate.
  let message = await refused(t, [...base, '--etcd-cert-file', server.cert, '--etcd-key-file', server.key], [clientPort, peerPort]);
  t.regex(message, /--etcd-cert-file .*etcd-server\.crt: the controller presents this certificate to its etcd .* not issued for client authentication; .*--etcd-client-cert-file F --etcd-client-key-file F/);
  // A key that is not the certificate's.
  message = await refused(t, [...base, '--etcd-cert-file', dual.cert, '--etcd-key-file', client.key], [clientPort, peerPort]);
  t.regex(message, /--etcd-key-file .*controller\.key is not the key of --etcd-cert-file .*etcd-dual\.crt/);
  // A client certificate issued for servers only.
  message = await refused(
    t,
    [...base, '--etcd-cert-file', server.cert, '--etcd-key-file', server.key, '--etcd-client-cert-file', server.cert, '--etcd-client-key-file', server.key],
    [clientPort, peerPort],
  );
  t.regex(message, /--etcd-client-cert-file .*etcd-server\.crt: not issued for client authentication/);
  // TLS files next to a plain URL are not silently ignored.
  message = await refused(
    t,
    ['--etcd-client', `http://127.0.0.1:${clientPort}`, '--etcd-peer', `http://127.0.0.1:${peerPort}`, '--etcd-cert-file', dual.cert],
    [clientPort, peerPort],
  );
  t.regex(message, /--etcd-cert-file: only applies to an https:\/\/ --etcd-client/);
});

test.serial('embedded etcd over TLS: the controller stores and reads, a client without a certificate is refused, an external https client works', async (t) => {
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const url = `https://127.0.0.1:${clientPort}`;
  const ctl = await controller([
    '--etcd-client', url,
    '--etcd-peer', `http://127.0.0.1:${peerPort}`,
    '--etcd-cert-file', server.cert,
    '--etcd-key-file', server.key,
    '--etcd-trusted-ca-file', ca.ca,
    '--etcd-client-cert-file', client.cert,
    '--etcd-client-key-file', client.key,
  ]);
  const [etcd] = await etcdOn(clientPort);
  t.truthy(etcd, 'the embedded etcd runs');
  for (const flag of ['--cert-file', '--key-file', '--trusted-ca-file', '--client-cert-auth']) t.true(etcd!.argv.includes(flag), `etcd was given ${flag}`);

  const store = ctl.kernel.services.get('store', 'test');
  await store.put('/tls/k', 'over tls');
  t.is((await store.get('/tls/k'))?.value, 'over tls');

  // Without a client certificate etcd itself refuses: grpc and plain HTTPS alike.
  const bare = new Etcd3({
    hosts: [url],
    credentials: { rootCertificate: readFileSync(ca.ca) },
    defaultCallOptions: () => ({ deadline: Date.now() + 3000 }),
  });
  cleanups.push(() => bare.close());
  const err = await t.throwsAsync(() => bare.get('/tls/k').string());
  t.regex(err!.message, /bad certificate|certificate required|UNAVAILABLE/i);
  bare.close();
  const noCert = curlHealth(url, ['--cacert', ca.ca]);
  t.false(noCert.ok, `curl without a certificate got an answer: ${noCert.out}`);
  const wrongCa = curlHealth(url, ['--cacert', ca.ca, '--cert', stranger.cert, '--key', stranger.key]);
  t.false(wrongCa.ok, `curl with a certificate from another CA got an answer: ${wrongCa.out}`);
  const withCert = curlHealth(url, ['--cacert', ca.ca, '--cert', client.cert, '--key', client.key]);
  t.true(withCert.ok, withCert.out);
  t.regex(withCert.out, /"health":\s*"true"/);

  // A second controller uses the same etcd as an external one over https.
  const external = await controller(['--etcd-endpoints', url, '--etcd-trusted-ca-file', ca.ca, '--etcd-cert-file', client.cert, '--etcd-key-file', client.key]);
  const other = external.kernel.services.get('store', 'test');
  t.is((await other.get('/tls/k'))?.value, 'over tls');
  await other.put('/tls/from-external', 'yes');
  t.is((await store.get('/tls/from-external'))?.value, 'yes');

  // An external client that does not trust the server's CA cannot connect.
  const untrusting = await t.throwsAsync(() =>
    bootController({ modules: STORE_ONLY, flags: ['--etcd-endpoints', url, '--etcd-trusted-ca-file', foreign.ca, '--etcd-cert-file', client.cert, '--etcd-key-file', client.key] }),
  );
  t.regex(untrusting!.message, new RegExp(`external etcd \\(store.endpoints ${url}\\) is not reachable`));
});

test.serial('embedded etcd over TLS with one certificate for both usages: the controller presents it as its client certificate', async (t) => {
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const ctl = await controller([
    '--etcd-client', `https://localhost:${clientPort}`,
    '--etcd-peer', `http://127.0.0.1:${peerPort}`,
    '--etcd-cert-file', dual.cert,
    '--etcd-key-file', dual.key,
    '--etcd-trusted-ca-file', ca.ca,
  ]);
  const store = ctl.kernel.services.get('store', 'test');
  await store.put('/tls/dual', 'one cert');
  t.is((await store.get('/tls/dual'))?.value, 'one cert');
  t.false(curlHealth(`https://127.0.0.1:${clientPort}`, ['--cacert', ca.ca]).ok, 'still refused without a certificate');
});

test('plain http to a non-loopback external etcd is warned about once at boot, before any connection', async (t) => {
  const boot = async (endpoints: string[]) => {
    const logs: string[] = [];
    const kernel = new Kernel({ log: createLogger({ level: 'info', sink: (line) => logs.push(line) }) });
    // Fails the boot after the store has registered and before it starts: nothing connects anywhere.
    const tripwire = defineModule({
      name: 'tripwire',
      requires: ['store'],
      register() {
        throw new Error('stop before start');
      },
    });
    const err = await t.throwsAsync(() => kernel.boot([{ module: storeModule, options: { endpoints } }, { module: tripwire }]));
    t.regex(err!.message, /module "tripwire" failed to start: stop before start/);
    return logs;
  };
  // 192.0.2.0/24 is reserved for documentation: never routed, and never dialled here.
  const remote = await boot(['http://127.0.0.1:2379', 'http://192.0.2.10:2379']);
  const warnings = remote.filter((line) => / WARN  store: /.test(line));
  t.is(warnings.length, 1, remote.join('\n'));
  t.regex(warnings[0]!, /--etcd-endpoints http:\/\/192\.0\.2\.10:2379: plain http to a non-loopback address — every secret travels in clear text/);
  t.regex(warnings[0]!, /anyone on the path can read it and write desired state/);
  t.notRegex(warnings[0]!, /127\.0\.0\.1/, 'the loopback endpoint is not named');

  const local = await boot(['http://127.0.0.1:2379']);
  t.deepEqual(local.filter((line) => / WARN /.test(line)), []);
});
