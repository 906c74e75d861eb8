/**
 * Where a test's Caddy goes when the bundled caddy plugin installs it: free
 * loopback ports, a unique container name, a temp state dir and the test
 * run's label, all set in this process's environment (the controller's, as
 * an operator would set them, which the plugin's runs inherit) and put back
 * by `restore()`. `get()` asks that Caddy for a host.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { uniqueName } from './docker.js';
import { freePorts } from './ports.js';

export const CADDY_IMAGE = 'voodu/caddy:2.6';

export interface BundledCaddy {
  httpPort: number;
  /** One request through Caddy for `host`, on a fresh connection. */
  get(host: string, path?: string): Promise<{ status: number; body: string }>;
  restore(): void;
}

export async function bundledCaddyEnv(docker: Docker, stateDir: string, name: string, label: { key: string; value: string }): Promise<BundledCaddy> {
  if (!(await docker.getImage(CADDY_IMAGE).inspect().then(() => true, () => false))) {
    throw new Error(`prerequisite missing: image ${CADDY_IMAGE}; scripts/build-test-images (run by scripts/setup) builds it`);
  }
  const [http, https] = (await freePorts(2)) as [number, number];
  const env: Record<string, string | undefined> = {
    VOODU_CADDY_STATE_DIR: join(stateDir, 'caddy-state'),
    VOODU_CADDY_CONTAINER: uniqueName(name),
    VOODU_CADDY_HTTP_PORT: String(http),
    VOODU_CADDY_HTTPS_PORT: String(https),
    VOODU_CADDY_BIND: '127.0.0.1',
    VOODU_CADDY_LABELS: `${label.key}=${label.value}`,
    // The plugin would otherwise talk to an admin API that is not this test's Caddy.
    VOODU_CADDY_ADMIN_URL: undefined,
  };
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return {
    httpPort: http,
    get: (host, path = '/') =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: http, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
      }),
    restore() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
