/** One probe sample: http_get (200–399), tcp_socket (connect) or exec (exit 0), bounded by the probe timeout. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
    return httpSample(url, scheme === 'https', http_get.http_headers ?? {}, cfg.timeoutMs);
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

/**
 * One GET on a connection of its own, closed after (as the kubelet probes):
 * with hundreds of replicas probed every few seconds, pooled keep-alive
 * sockets and fetch's per-request objects were most of the controller's
 * memory churn. A 3xx is a pass, not followed; https is not verified (the
 * probe asks whether the app answers, not who it is).
 */
function httpSample(url: string, tls: boolean, headers: Record<string, string>, timeoutMs: number): Promise<Sample> {
  return new Promise<Sample>((resolve) => {
    let settled = false;
    const done = (s: Sample) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(s);
    };
    const options = { method: 'GET', headers: { ...headers, connection: 'close' }, agent: false as const, ...(tls && { rejectUnauthorized: false }) };
    const req = (tls ? httpsRequest : httpRequest)(url, options, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      done({ ok: status >= 200 && status < 400, reason: `GET ${url} → ${status}` });
    });
    const timer = setTimeout(() => done({ ok: false, reason: `GET ${url}: timeout` }), timeoutMs);
    req.once('error', (err) => done({ ok: false, reason: `GET ${url}: ${errText(err)}` }));
    req.end();
  });
}

function errText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (err.name === 'TimeoutError') return 'timeout';
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
