/**
 * Who may reach etcd: the loopback rule of the embedded listeners, the
 * https requirements, the external-endpoint checks and warning, and errors
 * that name the flag to add. No etcd runs here.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEtcd } from '../../modules/store/embedded-etcd.js';
import {
  CLIENT_LISTENER,
  PEER_LISTENER,
  SETTINGS,
  checkClientIdentity,
  checkExternal,
  checkListener,
  connectUrl,
  isLoopbackHost,
  plainRemoteWarning,
} from '../../modules/store/etcd-exposure.js';
import { embeddedClientCredentials, externalClientCredentials, readTlsFile } from '../../modules/store/etcd-tls.js';
import { validate } from '../../modules/store/index.js';

const ALL = { certFile: '/c.crt', keyFile: '/c.key', trustedCaFile: '/ca.crt' };
const hostOf = (url: string) => new URL(url).hostname;

test('loopback is 127.0.0.0/8, ::1 and localhost; wildcards and every other host are not', (t) => {
  for (const url of ['http://127.0.0.1:1', 'http://127.1.2.3:1', 'http://127.1:1', 'http://localhost:1', 'http://LOCALHOST:1', 'http://[::1]:1', 'http://[0:0:0:0:0:0:0:1]:1']) {
    t.true(isLoopbackHost(hostOf(url)), url);
  }
  for (const url of ['http://0.0.0.0:1', 'http://[::]:1', 'http://10.0.0.5:1', 'http://192.168.1.2:1', 'http://etcd.internal:1', 'http://127.example.com:1', 'http://localhost.evil.com:1', 'http://[fe80::1]:1']) {
    t.false(isLoopbackHost(hostOf(url)), url);
  }
});

test('embedded client listener: plain http on loopback is allowed', (t) => {
  t.is(checkListener('http://127.0.0.1:2379', {}, CLIENT_LISTENER), 'plain');
  t.is(checkListener('http://localhost:2379', {}, CLIENT_LISTENER), 'plain');
  t.is(checkListener('http://[::1]:2379', {}, CLIENT_LISTENER), 'plain');
});

test('embedded client listener: plain http on a wildcard or another address is refused, naming the flags to add', (t) => {
  for (const url of ['http://0.0.0.0:2379', 'http://[::]:2379', 'http://10.1.2.3:2379', 'http://etcd.example:2379']) {
    const err = t.throws(() => checkListener(url, {}, CLIENT_LISTENER), undefined, url);
    t.is(
      err!.message,
      `--etcd-client ${url}: the embedded etcd would accept anyone who reaches this address (every secret, every desired manifest). ` +
        'Bind 127.0.0.1, or serve it over TLS with client certificates: --etcd-client https://… --etcd-cert-file F --etcd-key-file F --etcd-trusted-ca-file F ' +
        '(store options clientUrl, certFile, keyFile, trustedCaFile)',
    );
  }
});

test('embedded peer listener: the same rule, with the peer flags', (t) => {
  t.is(checkListener('http://127.0.0.1:2380', {}, PEER_LISTENER), 'plain');
  const err = t.throws(() => checkListener('http://0.0.0.0:2380', {}, PEER_LISTENER));
  t.regex(err!.message, /^--etcd-peer http:\/\/0\.0\.0\.0:2380: the embedded etcd would accept anyone/);
  t.regex(err!.message, /--etcd-peer https:\/\/… --etcd-peer-cert-file F --etcd-peer-key-file F --etcd-peer-trusted-ca-file F/);
  t.regex(err!.message, /store options peerUrl, peerCertFile, peerKeyFile, peerTrustedCaFile/);
});

test('an https listener needs cert, key and CA, naming the missing flags', (t) => {
  let err = t.throws(() => checkListener('https://127.0.0.1:2379', {}, CLIENT_LISTENER));
  t.regex(err!.message, /^--etcd-client https:\/\/127\.0\.0\.1:2379: .*clients without one are refused/);
  t.regex(err!.message, /add --etcd-cert-file F --etcd-key-file F --etcd-trusted-ca-file F/);
  err = t.throws(() => checkListener('https://0.0.0.0:2379', { certFile: '/c', keyFile: '/k' }, CLIENT_LISTENER));
  t.regex(err!.message, /add --etcd-trusted-ca-file F \(store option trustedCaFile\)$/);
  err = t.throws(() => checkListener('https://0.0.0.0:2380', { trustedCaFile: '/ca' }, PEER_LISTENER));
  t.regex(err!.message, /add --etcd-peer-cert-file F --etcd-peer-key-file F \(store options peerCertFile, peerKeyFile\)$/);
});

test('an https listener with all three files is TLS, on loopback or any address', (t) => {
  t.is(checkListener('https://127.0.0.1:2379', ALL, CLIENT_LISTENER), 'tls');
  t.is(checkListener('https://0.0.0.0:2379', ALL, CLIENT_LISTENER), 'tls');
  t.is(checkListener('https://[::]:2380', ALL, PEER_LISTENER), 'tls');
});

test('TLS files on a plain http listener are refused instead of silently ignored', (t) => {
  const err = t.throws(() => checkListener('http://127.0.0.1:2379', { certFile: '/c' }, CLIENT_LISTENER));
  t.regex(err!.message, /^--etcd-cert-file: only applies to an https:\/\/ --etcd-client, but it is http:\/\/127\.0\.0\.1:2379; make it https:\/\/127\.0\.0\.1:2379/);
  const peer = t.throws(() => checkListener('http://127.0.0.1:2380', { trustedCaFile: '/ca' }, PEER_LISTENER));
  t.regex(peer!.message, /^--etcd-peer-trusted-ca-file: only applies to an https:\/\/ --etcd-peer/);
});

test('the controller client certificate: only with a TLS client listener, cert and key together', (t) => {
  t.notThrows(() => checkClientIdentity('plain', {}, 'http://127.0.0.1:2379'));
  t.notThrows(() => checkClientIdentity('tls', { certFile: '/c', keyFile: '/k' }, 'https://127.0.0.1:2379'));
  let err = t.throws(() => checkClientIdentity('plain', { certFile: '/c', keyFile: '/k' }, 'http://127.0.0.1:2379'));
  t.regex(err!.message, /^--etcd-client-cert-file, --etcd-client-key-file: the controller presents a client certificate only to an https:\/\/ --etcd-client/);
  err = t.throws(() => checkClientIdentity('tls', { keyFile: '/k' }, 'https://127.0.0.1:2379'));
  t.regex(err!.message, /^--etcd-client-key-file: give --etcd-client-cert-file and --etcd-client-key-file together/);
});

test('external: plain http to another host is reported for the warning, loopback is not', (t) => {
  t.deepEqual(checkExternal(['http://127.0.0.1:2379', 'http://localhost:2379'], {}), { tls: false, plainRemote: [] });
  t.deepEqual(checkExternal(['http://127.0.0.1:2379', 'http://10.0.0.7:2379', 'http://etcd.lan:2379'], {}), {
    tls: false,
    plainRemote: ['http://10.0.0.7:2379', 'http://etcd.lan:2379'],
  });
  t.deepEqual(checkExternal(['https://10.0.0.7:2379'], ALL), { tls: true, plainRemote: [] });
  t.deepEqual(checkExternal(['https://10.0.0.7:2379'], {}), { tls: true, plainRemote: [] }, 'the system trust store, no client cert');
  const warning = plainRemoteWarning(['http://10.0.0.7:2379']);
  t.regex(warning, /^--etcd-endpoints http:\/\/10\.0\.0\.7:2379: plain http to a non-loopback address — every secret travels in clear text/);
  t.regex(warning, /anyone on the path can read it and write desired state/);
  t.regex(warning, /https:\/\/ endpoints with --etcd-trusted-ca-file F --etcd-cert-file F --etcd-key-file F/);
});

test('external: a mix of http and https, TLS files with http, and a cert without its key are refused', (t) => {
  let err = t.throws(() => checkExternal(['https://10.0.0.7:2379', 'http://10.0.0.8:2379'], {}));
  t.regex(err!.message, /^--etcd-endpoints .*: mixes http:\/\/ and https:\/\/ endpoints/);
  err = t.throws(() => checkExternal(['http://127.0.0.1:2379'], { trustedCaFile: '/ca', certFile: '/c' }));
  t.regex(err!.message, /^--etcd-cert-file, --etcd-trusted-ca-file: only apply to https:\/\/ --etcd-endpoints/);
  err = t.throws(() => checkExternal(['https://127.0.0.1:2379'], { certFile: '/c' }));
  t.regex(err!.message, /^--etcd-cert-file: give --etcd-cert-file and --etcd-key-file together/);
  err = t.throws(() => checkExternal(['ftp://127.0.0.1:2379'], {}));
  t.regex(err!.message, /^--etcd-endpoints: "ftp:\/\/127\.0\.0\.1:2379" is not an http:\/\/host:port or https:\/\/host:port URL/);
});

test('missing or unreadable files are named by their flag', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voodu-exposure-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gone = join(dir, 'nope.crt');
  let err = t.throws(() => readTlsFile(gone, SETTINGS.trustedCaFile));
  t.is(err!.message, `--etcd-trusted-ca-file ${gone}: cannot read it (ENOENT); give the path of a PEM file the controller can read (store option trustedCaFile)`);
  err = t.throws(() => embeddedClientCredentials({ certFile: gone, keyFile: gone, trustedCaFile: gone }, {}));
  t.regex(err!.message, /^--etcd-cert-file .*nope\.crt: cannot read it \(ENOENT\)/);
  err = t.throws(() => externalClientCredentials({ trustedCaFile: dir }));
  t.regex(err!.message, /^--etcd-trusted-ca-file .*: cannot read it \(EISDIR\)/);
  t.is(externalClientCredentials({}), undefined, 'no files: grpc defaults (system roots)');
});

test('EmbeddedEtcd itself refuses an open listener, before anything is spawned', (t) => {
  const dataDir = join(tmpdir(), 'voodu-never-created');
  let err = t.throws(() => new EmbeddedEtcd({ dataDir, clientUrl: 'http://0.0.0.0:2379' }));
  t.regex(err!.message, /^--etcd-client http:\/\/0\.0\.0\.0:2379: the embedded etcd would accept anyone/);
  err = t.throws(() => new EmbeddedEtcd({ dataDir, peerUrl: 'http://[::]:2380' }));
  t.regex(err!.message, /^--etcd-peer http:\/\/\[::\]:2380: the embedded etcd would accept anyone/);
  err = t.throws(() => new EmbeddedEtcd({ dataDir, clientUrl: 'https://127.0.0.1:2379', clientTls: { certFile: '/c' } }));
  t.regex(err!.message, /add --etcd-key-file F --etcd-trusted-ca-file F/);
  const plain = new EmbeddedEtcd({ dataDir, clientUrl: 'http://127.0.0.1:2379' });
  t.is(plain.connectUrl, 'http://127.0.0.1:2379');
  t.is(plain.clientCredentials, undefined);
});

test('a wildcard bind is reached through loopback', (t) => {
  t.is(connectUrl('https://0.0.0.0:2379'), 'https://127.0.0.1:2379');
  t.is(connectUrl('https://[::]:2379'), 'https://[::1]:2379');
  t.is(connectUrl('https://10.0.0.5:2379'), 'https://10.0.0.5:2379');
});

test('store module options: https URLs and TLS files are accepted where they apply', (t) => {
  t.deepEqual(validate({ endpoints: ['https://127.0.0.1:2379'], ...ALL }), { endpoints: ['https://127.0.0.1:2379'], ...ALL });
  t.deepEqual(validate({ dataDir: '/d', clientUrl: 'https://0.0.0.0:2379', ...ALL, clientCertFile: '/cc', clientKeyFile: '/ck' }), {
    dataDir: '/d',
    clientUrl: 'https://0.0.0.0:2379',
    ...ALL,
    clientCertFile: '/cc',
    clientKeyFile: '/ck',
  });
  let err = t.throws(() => validate({ endpoints: ['https://127.0.0.1:2379'], peerCertFile: '/p' }));
  t.regex(err!.message, /^store\.peerCertFile: only applies to the embedded etcd/);
  err = t.throws(() => validate({ dataDir: '/d', certFile: '' }));
  t.regex(err!.message, /^store\.certFile: must be a non-empty string/);
});
