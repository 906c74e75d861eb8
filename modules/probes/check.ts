/** One probe sample: http_get (200–399), tcp_socket (connect) or exec (exit 0), bounded by the probe timeout. */
import { connect } from 'node:net';
import type { Runtime } from '../runtime/contract.js';
import type { ProbeConfig } from './config.js';

export interface Sample {
  ok: boolean;
  reason: string;
}

export interface Target {
  /** The container's IP on voodu0 (else its first network), resolved once when the runner starts. */
  ip: string;
  containerId: string;
}

export async function sample(runtime: Runtime, cfg: ProbeConfig, target: Target): Promise<Sample> {
  const { http_get, tcp_socket, exec } = cfg.action;
  if (http_get) {
    const scheme = (http_get.scheme || 'http').toLowerCase();
    const url = `${scheme}://${target.ip}:${http_get.port}${http_get.path}`;
    try {
      const res = await fetch(url, { headers: http_get.http_headers ?? {}, redirect: 'follow', signal: AbortSignal.timeout(cfg.timeoutMs) });
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 400;
      return { ok, reason: `GET ${url} → ${res.status}` };
    } catch (err) {
      return { ok: false, reason: `GET ${url}: ${errText(err)}` };
    }
  }
  if (tcp_socket) {
    const addr = `${target.ip}:${tcp_socket.port}`;
    return new Promise<Sample>((resolve) => {
      const sock = connect({ host: target.ip, port: tcp_socket.port });
      const done = (s: Sample) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(s);
      };
      const timer = setTimeout(() => done({ ok: false, reason: `dial ${addr}: i/o timeout` }), cfg.timeoutMs);
      sock.once('connect', () => done({ ok: true, reason: `dial ${addr}: connected` }));
      sock.once('error', (err) => done({ ok: false, reason: `dial ${addr}: ${errText(err)}` }));
    });
  }
  if (exec) {
    const argv = JSON.stringify(exec.command);
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await Promise.race([
        runtime.exec(target.containerId, { cmd: exec.command }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${cfg.timeoutMs} ms`)), cfg.timeoutMs);
        }),
      ]);
      if (res.exitCode === 0) return { ok: true, reason: `exec ${argv}: exit 0` };
      return { ok: false, reason: `exec ${argv}: exit ${res.exitCode}${res.stderr ? ` — ${res.stderr.slice(0, 1024).trim()}` : ''}` };
    } catch (err) {
      return { ok: false, reason: `exec ${argv}: ${errText(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: false, reason: 'no probe action' };
}

function errText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (err.name === 'TimeoutError') return 'timeout';
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
