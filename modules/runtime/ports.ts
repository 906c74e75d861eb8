/**
 * Published ports. A port the operator did not pin to
 * an address is bound on loopback only, so publishing never opens a port to
 * the world by accident; the ingress in front is what faces outside.
 * The parser mirrors docker's own `-p` grammar (nat.ParsePortSpec) because
 * we talk to the engine API, which takes bindings, not `-p` strings.
 */
import { isIP } from 'node:net';
import { ValidationError } from '../../lib/errors.js';
import { normalisePort } from '../../lib/ports.js';

export { normalisePort };

export interface PortBinding {
  /** `80/tcp` — the engine's key for exposed ports and bindings. */
  containerPort: string;
  hostIp: string;
  /** Empty = an ephemeral port the engine picks; may be a range `8000-8010`. */
  hostPort: string;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** Parses one normalised `ip:hostPort:containerPort[/proto]` into one binding per container port. */
export function parsePortSpec(spec: string, field = 'ports'): PortBinding[] {
  const fail = (why: string): never => {
    throw new ValidationError(`${field}: ${JSON.stringify(spec)} is not a valid port (${why}); use e.g. "80", "3000:80", "127.0.0.1:3000:80/udp"`, {
      field,
    });
  };
  const parts = spec.split(':');
  const last = parts[parts.length - 1]!;
  let ip = '';
  let host = '';
  if (parts.length === 2) host = parts[0]!;
  else if (parts.length === 3) [ip, host] = [parts[0]!, parts[1]!];
  else if (parts.length > 3) [ip, host] = [parts.slice(0, -2).join(':'), parts[parts.length - 2]!];

  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip && !isIP(ip)) fail(`"${ip}" is not an IP address`);

  const slash = last.indexOf('/');
  const containerRaw = slash === -1 ? last : last.slice(0, slash);
  const proto = slash === -1 ? 'tcp' : last.slice(slash + 1).toLowerCase();
  if (!PROTOCOLS.has(proto)) fail(`unknown protocol "${proto}"`);
  if (!containerRaw) fail('no container port');

  const container = parseRange(containerRaw, 1) ?? fail(`container port "${containerRaw}"`);
  const hostRange = host ? (parseRange(host, 0) ?? fail(`host port "${host}"`)) : undefined;
  const count = container[1] - container[0] + 1;
  if (hostRange) {
    const hostCount = hostRange[1] - hostRange[0] + 1;
    // One container port may take its host port from a range (the engine picks one); otherwise sizes must match.
    if (hostCount !== count && count !== 1) fail('host and container port ranges differ in size');
  }

  const bindings: PortBinding[] = [];
  for (let i = 0; i < count; i++) {
    let hostPort = '';
    if (hostRange) hostPort = count === 1 ? host : String(hostRange[0] + i);
    bindings.push({ containerPort: `${container[0] + i}/${proto}`, hostIp: ip, hostPort });
  }
  return bindings;
}

function parseRange(raw: string, min: number): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(raw);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < min || end > 65535 || end < start) return undefined;
  return [start, end];
}

export interface EnginePorts {
  ExposedPorts: Record<string, Record<string, never>>;
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
}

/** The engine's two port fields for a list of operator port strings. */
export function toEnginePorts(ports: readonly string[]): EnginePorts {
  const out: EnginePorts = { ExposedPorts: {}, PortBindings: {} };
  ports.forEach((raw, i) => {
    for (const b of parsePortSpec(normalisePort(raw), `ports[${i}]`)) {
      out.ExposedPorts[b.containerPort] = {};
      (out.PortBindings[b.containerPort] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort });
    }
  });
  return out;
}
