/**
 * The TLS files of etcd connections: read once at boot and checked where
 * they enter, so a wrong file fails the boot naming its flag instead of
 * surfacing later as etcd's "bad certificate" on every call. Renewed files
 * take effect when the controller restarts.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { SETTINGS, optionNote, type Setting } from './etcd-exposure.js';

/** A listener's (or a client's) files, named as etcd names them. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  trustedCaFile?: string;
}

/** What etcd3 takes as `credentials` (grpc's createSsl). No root means the system's trust store. */
export interface ClientCredentials {
  rootCertificate?: Buffer;
  certChain?: Buffer;
  privateKey?: Buffer;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';

function bad(message: string, ...settings: Setting[]): never {
  throw new ValidationError(`${message} ${optionNote(...settings)}`, { field: `store.${settings[0]?.option ?? ''}` });
}

/** The file's bytes, or an error naming the flag. Key files are never quoted. */
export function readTlsFile(path: string, setting: Setting): Buffer {
  try {
    return readFileSync(resolve(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    bad(`${setting.flag} ${path}: cannot read it (${code ?? messageOf(err)}); give the path of a PEM file the controller can read`, setting);
  }
}

function parseCertificate(pem: Buffer, path: string, setting: Setting): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    bad(`${setting.flag} ${path}: not a PEM certificate (${messageOf(err)})`, setting);
  }
}

/** A CA bundle: its first certificate must parse (etcd and grpc read the rest). */
export function readCa(path: string, setting: Setting): Buffer {
  const pem = readTlsFile(path, setting);
  parseCertificate(pem, path, setting);
  return pem;
}

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
  x509: X509Certificate;
}

/** A certificate and the private key it was issued for. */
export function readKeyPair(certPath: string, keyPath: string, certSetting: Setting, keySetting: Setting): KeyPair {
  const cert = readTlsFile(certPath, certSetting);
  const x509 = parseCertificate(cert, certPath, certSetting);
  const key = readTlsFile(keyPath, keySetting);
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    bad(`${keySetting.flag} ${keyPath}: not a PEM private key (${messageOf(err)})`, keySetting);
  }
  if (!matches) {
    bad(
      `${keySetting.flag} ${keyPath} is not the key of ${certSetting.flag} ${certPath}; give the key the certificate was issued for`,
      keySetting,
      certSetting,
    );
  }
  return { cert, key, x509 };
}

/** Whether the certificate may be used for `usage`; no extendedKeyUsage at all means any use. */
export function allows(x509: X509Certificate, usage: 'serverAuth' | 'clientAuth'): boolean {
  const usages = x509.keyUsage;
  if (!usages) return true;
  return usages.includes(ANY_USAGE) || usages.includes(usage === 'serverAuth' ? SERVER_AUTH : CLIENT_AUTH);
}

/**
 * What the controller presents to its embedded etcd over TLS: the
 * listener's own certificate unless `identity` names another one. etcd
 * dials itself with the listener certificate too (its HTTP gateway), which
 * is why one certificate issued for both usages is the simple setup.
 */
export function embeddedClientCredentials(listener: Required<TlsFiles>, identity: { certFile?: string; keyFile?: string }): ClientCredentials {
  const server = readKeyPair(listener.certFile, listener.keyFile, SETTINGS.certFile, SETTINGS.keyFile);
  if (!allows(server.x509, 'serverAuth')) {
    bad(
      `${SETTINGS.certFile.flag} ${listener.certFile}: not issued for server authentication, but etcd serves it to its clients; issue it with extendedKeyUsage = serverAuth, clientAuth`,
      SETTINGS.certFile,
    );
  }
  const rootCertificate = readCa(listener.trustedCaFile, SETTINGS.trustedCaFile);
  if (identity.certFile !== undefined && identity.keyFile !== undefined) {
    const client = readKeyPair(identity.certFile, identity.keyFile, SETTINGS.clientCertFile, SETTINGS.clientKeyFile);
    if (!allows(client.x509, 'clientAuth')) {
      bad(
        `${SETTINGS.clientCertFile.flag} ${identity.certFile}: not issued for client authentication, so etcd would refuse it; issue it with extendedKeyUsage = clientAuth`,
        SETTINGS.clientCertFile,
      );
    }
    return { rootCertificate, certChain: client.cert, privateKey: client.key };
  }
  if (!allows(server.x509, 'clientAuth')) {
    bad(
      `${SETTINGS.certFile.flag} ${listener.certFile}: the controller presents this certificate to its etcd (which demands client certificates), but it is not issued for client authentication; issue it with extendedKeyUsage = serverAuth, clientAuth, or give the controller its own with ${SETTINGS.clientCertFile.flag} F ${SETTINGS.clientKeyFile.flag} F`,
      SETTINGS.certFile,
      SETTINGS.clientCertFile,
      SETTINGS.clientKeyFile,
    );
  }
  return { rootCertificate, certChain: server.cert, privateKey: server.key };
}

/** The peer listener's files: present, readable, and a matching pair. */
export function checkPeerFiles(files: Required<TlsFiles>): void {
  readKeyPair(files.certFile, files.keyFile, SETTINGS.peerCertFile, SETTINGS.peerKeyFile);
  readCa(files.trustedCaFile, SETTINGS.peerTrustedCaFile);
}

/** What the controller presents to and trusts of an external etcd over https; undefined for grpc's defaults. */
export function externalClientCredentials(files: TlsFiles): ClientCredentials | undefined {
  const out: ClientCredentials = {};
  if (files.trustedCaFile !== undefined) out.rootCertificate = readCa(files.trustedCaFile, SETTINGS.trustedCaFile);
  if (files.certFile !== undefined && files.keyFile !== undefined) {
    const pair = readKeyPair(files.certFile, files.keyFile, SETTINGS.certFile, SETTINGS.keyFile);
    if (!allows(pair.x509, 'clientAuth')) {
      bad(
        `${SETTINGS.certFile.flag} ${files.certFile}: not issued for client authentication, so etcd would refuse it; issue it with extendedKeyUsage = clientAuth`,
        SETTINGS.certFile,
      );
    }
    out.certChain = pair.cert;
    out.privateKey = pair.key;
  }
  return Object.keys(out).length ? out : undefined;
}
