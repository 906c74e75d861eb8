/** `probes { liveness {} readiness {} startup {} }`: each probe has exactly one action. */
import { int, oneOf, record, strList, strMap, text, type Decoder } from './decoders.js';
import { duration } from './fields.js';
import type { ProbeSpec, ProbesSpec } from './types.js';

const port = int({ min: 0, max: 65535, keepZero: true });
const ACTIONS = 'http_get / tcp_socket / exec';

const probe: Decoder<ProbeSpec> = (v, at) => {
  const p = record<ProbeSpec>(`a probe (${ACTIONS}, initial_delay, period, timeout, failure_threshold, success_threshold)`, {
    http_get: record('an http_get block', { path: text, port, scheme: oneOf(['http', 'https']), http_headers: strMap() }),
    tcp_socket: record('a tcp_socket block', { port }),
    exec: record('an exec block', { command: strList }),
    initial_delay: duration,
    period: duration,
    timeout: duration,
    failure_threshold: int({ min: 0 }),
    success_threshold: int({ min: 0 }),
  })(v, at)!;
  const declared = [p.http_get, p.tcp_socket, p.exec].filter((a) => a !== undefined).length;
  if (declared === 0) at.fail(`requires exactly one of ${ACTIONS}`);
  if (declared > 1) at.fail(`only one of ${ACTIONS} may be declared`);
  if (p.http_get) {
    const here = at.key('http_get');
    if (!p.http_get.path) here.key('path').fail('is required');
    if (!p.http_get.path.startsWith('/')) here.key('path').fail(`must start with '/' (got ${JSON.stringify(p.http_get.path)})`);
    if (!p.http_get.port) here.key('port').fail('is required (got 0)');
  }
  if (p.tcp_socket && !p.tcp_socket.port) at.key('tcp_socket').key('port').fail('is required (got 0)');
  if (p.exec && !p.exec.command?.length) at.key('exec').key('command').fail('must be non-empty');
  return p;
};

/** An empty `probes {}` is valid: no probes. */
export const probes: Decoder<ProbesSpec> = record('a probes block', { liveness: probe, readiness: probe, startup: probe });
