/**
 * A throwaway certificate authority for TLS tests, made with the openssl CLI
 * (argv arrays, no shell) in its own temp dir. EC P-256 keys: quick to make,
 * and what etcd's Go TLS takes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './require.js';

export type Usage = 'serverAuth' | 'clientAuth';

export interface Issued {
  cert: string;
  key: string;
}

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM path). */
  ca: string;
  /** A leaf for 127.0.0.1/localhost with the given extended key usages, signed by this CA. */
  issue(name: string, usages: Usage[]): Issued;
  /** Deletes the dir and every file in it. */
  cleanup(): void;
}

let serial = 0;

export function makeCa(label = 'voodu-test'): TestCa {
  const openssl = requireBinary('openssl', 'install the openssl package (`apt-get install openssl`, or `sudo bash scripts/setup`)');
  const dir = mkdtempSync(join(tmpdir(), 'voodu-pki-'));
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  try {
    run(['req', '-x509', ...ec, '-keyout', caKey, '-out', ca, '-days', '1', '-subj', `/CN=${label}-ca`]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    ca,
    issue(name, usages) {
      const cert = join(dir, `${name}.crt`);
      const key = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(
        ext,
        [
          'subjectAltName = IP:127.0.0.1, DNS:localhost',
          'keyUsage = critical, digitalSignature, keyEncipherment',
          `extendedKeyUsage = ${usages.join(', ')}`,
          '',
        ].join('\n'),
      );
      run(['req', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
      run(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', String(Date.now() * 1000 + ++serial), '-days', '1', '-out', cert, '-extfile', ext]);
      return { cert, key };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
