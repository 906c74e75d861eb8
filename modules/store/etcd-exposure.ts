/**
 * Who may reach etcd. Whoever can talk to it reads every secret and can
 * write `/desired/`, so the embedded etcd listens only on loopback unless a
 * listener is served over TLS with client certificates, and an external
 * etcd over plain http to another host is worth a loud warning.
 *
 * Pure: URLs and file names in, a verdict or an error naming the controller
 * flag (and the store module option) out. Reading the files is etcd-tls.ts.
 */
import { isIPv4 } from 'node:net';
import { ValidationError } from '../../lib/errors.js';
import type { TlsFiles } from './etcd-tls.js';

/** One setting as an operator spells it: a controller flag and a store module option. */
export interface Setting {
  flag: string;
  option: string;
}

const setting = (flag: string, option: string): Setting => ({ flag, option });

export const SETTINGS = {
  clientUrl: setting('--etcd-client', 'clientUrl'),
  peerUrl: setting('--etcd-peer', 'peerUrl'),
  endpoints: setting('--etcd-endpoints', 'endpoints'),
  certFile: setting('--etcd-cert-file', 'certFile'),
  keyFile: setting('--etcd-key-file', 'keyFile'),
  trustedCaFile: setting('--etcd-trusted-ca-file', 'trustedCaFile'),
  clientCertFile: setting('--etcd-client-cert-file', 'clientCertFile'),
  clientKeyFile: setting('--etcd-client-key-file', 'clientKeyFile'),
  peerCertFile: setting('--etcd-peer-cert-file', 'peerCertFile'),
  peerKeyFile: setting('--etcd-peer-key-file', 'peerKeyFile'),
  peerTrustedCaFile: setting('--etcd-peer-trusted-ca-file', 'peerTrustedCaFile'),
} as const;

/** The settings of one embedded etcd listener. */
export interface Listener {
  url: Setting;
  cert: Setting;
  key: Setting;
  ca: Setting;
}

export const CLIENT_LISTENER: Listener = {
  url: SETTINGS.clientUrl,
  cert: SETTINGS.certFile,
  key: SETTINGS.keyFile,
  ca: SETTINGS.trustedCaFile,
};

export const PEER_LISTENER: Listener = {
  url: SETTINGS.peerUrl,
  cert: SETTINGS.peerCertFile,
  key: SETTINGS.peerKeyFile,
  ca: SETTINGS.peerTrustedCaFile,
};

/** `(store option x)` / `(store options x, y)`: the same fix for modules.json users. */
export function optionNote(...settings: Setting[]): string {
  const names = settings.map((s) => s.option);
  return `(store option${names.length > 1 ? 's' : ''} ${names.join(', ')})`;
}

function fail(message: string, ...settings: Setting[]): never {
  throw new ValidationError(`${message} ${optionNote(...settings)}`, { field: `store.${settings[0]?.option ?? ''}` });
}

/**
 * True for 127.0.0.0/8, ::1 and `localhost`. Any other name counts as
 * remote even if it resolves to loopback: the rule cannot follow DNS.
 * 0.0.0.0 and :: are every interface, so they are remote too.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** `http:` or `https:` with a host and a port, nothing else; the normalized URL, or undefined. */
export function parseEtcdUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    const ok =
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      url.port !== '' &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username;
    return ok ? url : undefined;
  } catch {
    return undefined;
  }
}

/** What each listener file is called, so errors can name its flag. */
const FILES = [
  ['certFile', 'cert'],
  ['keyFile', 'key'],
  ['trustedCaFile', 'ca'],
] as const;

/**
 * The loopback rule for one embedded listener. Plain http is allowed on
 * loopback only; https needs a certificate, its key and the CA client
 * certificates must chain to, because such a listener always demands one.
 */
export function checkListener(url: string, files: TlsFiles, names: Listener): 'plain' | 'tls' {
  const parsed = parseEtcdUrl(url);
  if (!parsed) fail(`${names.url.flag} ${JSON.stringify(url)}: not an http://host:port or https://host:port URL`, names.url);
  const given = FILES.filter(([file]) => files[file] !== undefined).map(([, name]) => names[name]);
  if (parsed.protocol === 'http:') {
    if (given.length) {
      fail(
        `${given.map((s) => s.flag).join(', ')}: only ${given.length > 1 ? 'apply' : 'applies'} to an https:// ${names.url.flag}, but it is ${url}; make it https://${parsed.host} or drop ${given.map((s) => s.flag).join(', ')}`,
        ...given,
      );
    }
    if (!isLoopbackHost(parsed.hostname)) {
      fail(
        `${names.url.flag} ${url}: the embedded etcd would accept anyone who reaches this address (every secret, every desired manifest). Bind 127.0.0.1, or serve it over TLS with client certificates: ${names.url.flag} https://… ${names.cert.flag} F ${names.key.flag} F ${names.ca.flag} F`,
        names.url,
        names.cert,
        names.key,
        names.ca,
      );
    }
    return 'plain';
  }
  const missing = FILES.filter(([file]) => files[file] === undefined).map(([, name]) => names[name]);
  if (missing.length) {
    fail(
      `${names.url.flag} ${url}: an https listener of the embedded etcd takes a certificate, its key and the CA every client certificate must chain to (clients without one are refused); add ${missing.map((s) => `${s.flag} F`).join(' ')}`,
      ...missing,
    );
  }
  return 'tls';
}

/**
 * The certificate the controller's own client presents to its embedded
 * etcd: only meaningful on a TLS client listener, and cert and key go
 * together. Without them the listener's own cert/key is presented.
 */
export function checkClientIdentity(mode: 'plain' | 'tls', identity: { certFile?: string; keyFile?: string }, clientUrl: string): void {
  const given = [
    identity.certFile !== undefined && SETTINGS.clientCertFile,
    identity.keyFile !== undefined && SETTINGS.clientKeyFile,
  ].filter((s): s is Setting => s !== false);
  if (!given.length) return;
  if (mode === 'plain') {
    fail(
      `${given.map((s) => s.flag).join(', ')}: the controller presents a client certificate only to an https:// --etcd-client, but it is ${clientUrl}; serve etcd over TLS or drop ${given.map((s) => s.flag).join(', ')}`,
      ...given,
    );
  }
  if (given.length === 1) {
    fail(
      `${given[0]!.flag}: give --etcd-client-cert-file and --etcd-client-key-file together (the certificate and its key)`,
      SETTINGS.clientCertFile,
      SETTINGS.clientKeyFile,
    );
  }
}

export interface ExternalPlan {
  tls: boolean;
  /** Plain http endpoints on another host: secrets cross the network in clear text. */
  plainRemote: string[];
}

/**
 * An external etcd: all endpoints http or all https (the client speaks TLS to
 * all or none), TLS files only with https, a client cert with its key.
 */
export function checkExternal(endpoints: string[], files: TlsFiles): ExternalPlan {
  const urls = endpoints.map((ep) => {
    const url = parseEtcdUrl(ep);
    if (!url) fail(`${SETTINGS.endpoints.flag}: ${JSON.stringify(ep)} is not an http://host:port or https://host:port URL`, SETTINGS.endpoints);
    return url;
  });
  const secure = urls.filter((u) => u.protocol === 'https:').length;
  if (secure && secure < urls.length) {
    fail(
      `${SETTINGS.endpoints.flag} ${endpoints.join(',')}: mixes http:// and https:// endpoints; the client speaks TLS to all of them or to none, so make them all https://`,
      SETTINGS.endpoints,
    );
  }
  const given = FILES.filter(([file]) => files[file] !== undefined).map(([file]) => SETTINGS[file]);
  if (!secure) {
    if (given.length) {
      fail(
        `${given.map((s) => s.flag).join(', ')}: only ${given.length > 1 ? 'apply' : 'applies'} to https:// ${SETTINGS.endpoints.flag}, but they are ${endpoints.join(',')}; use https:// endpoints or drop ${given.map((s) => s.flag).join(', ')}`,
        ...given,
      );
    }
    return { tls: false, plainRemote: endpoints.filter((_, i) => !isLoopbackHost(urls[i]!.hostname)) };
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    fail(
      `${files.certFile === undefined ? SETTINGS.keyFile.flag : SETTINGS.certFile.flag}: give --etcd-cert-file and --etcd-key-file together (the client certificate and its key)`,
      SETTINGS.certFile,
      SETTINGS.keyFile,
    );
  }
  return { tls: true, plainRemote: [] };
}

/** The one warning for plain http to another host, naming the fix. */
export function plainRemoteWarning(endpoints: string[]): string {
  return (
    `${SETTINGS.endpoints.flag} ${endpoints.join(',')}: plain http to a non-loopback address — every secret travels in clear text ` +
    `and anyone on the path can read it and write desired state. Serve etcd over TLS and use https:// endpoints with ` +
    `${SETTINGS.trustedCaFile.flag} F ${SETTINGS.certFile.flag} F ${SETTINGS.keyFile.flag} F ` +
    optionNote(SETTINGS.endpoints, SETTINGS.trustedCaFile, SETTINGS.certFile, SETTINGS.keyFile)
  );
}

/** Where a client on this host reaches a listener: a wildcard bind is reached through loopback. */
export function connectUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  else if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return `${parsed.protocol}//${parsed.host}`;
}
