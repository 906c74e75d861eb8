/**
 * Free loopback TCP ports for servers a test starts (etcd, the controller).
 *
 * `listen(0)` is not enough: ava runs every test file in its own process,
 * and a port one process probed and released can be handed to the next
 * process a moment later, so two etcds end up told to use the same port.
 * Ports here are therefore claimed across processes — one file per port,
 * created exclusively — and drawn below Linux's ephemeral range
 * (32768–60999), where the kernel never picks an outgoing connection's
 * source port on its own.
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLAIMS = join(tmpdir(), 'voodu-test-ports');
const LOW = 20_000;
const HIGH = 32_000;
/** A claim older than this belongs to a finished run and may be taken again. */
const STALE_MS = 60 * 60_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < STALE_MS) return false;
      unlinkSync(file);
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch {
      return false;
    }
  }
}

export async function freePort(): Promise<number> {
  mkdirSync(CLAIMS, { recursive: true });
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} (claims in ${CLAIMS})`);
}

/** Several distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await freePort());
  return ports;
}
