/**
 * Networking values docker would otherwise reject at `docker run` time,
 * long after the apply said "ok": extra_hosts, network names, published
 * ports and the network mode.
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PORT_SPEC =
  /^(?:(?:\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(?:tcp|udp|sctp))?$/;

export const NETWORK_MODES = ['host', 'none'] as const;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  let text = s;
  let groupsFromV4 = 0;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    if (!isIPv4(text.slice(lastColon + 1))) return false;
    text = `${text.slice(0, lastColon + 1)}0`;
    groupsFromV4 = 1;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => g.every((x) => HEX_GROUP.test(x)))) return false;
  const count = groups.reduce((n, g) => n + g.length, 0) + groupsFromV4;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** `name:ip`, split at the first colon as docker does; the address may be IPv4, IPv6 or host-gateway. */
export function extraHostProblem(entry: string): string | undefined {
  const colon = entry.indexOf(':');
  const name = colon < 0 ? '' : entry.slice(0, colon);
  let ip = colon < 0 ? '' : entry.slice(colon + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const ok = HOST_NAME.test(name) && (ip === 'host-gateway' || isIPv4(ip) || isIPv6(ip));
  return ok
    ? undefined
    : `${JSON.stringify(entry)} is not name:ip; write e.g. "db.internal:10.0.0.5" (the address may be IPv4, IPv6 or host-gateway)`;
}

export function networkNameProblem(name: string): string | undefined {
  return NETWORK_NAME.test(name)
    ? undefined
    : `${JSON.stringify(name)} is not a docker network name; use letters, digits, '_', '.' or '-', starting with a letter or digit`;
}

/** docker's `-p` forms: `80`, `80/udp`, `3000:80`, `127.0.0.1:3000:80`, `[::1]:3000:80`, ranges `8000-8010`. */
export function portProblem(spec: string): string | undefined {
  // Server-side references (${asset…}) are resolved at reconcile; their text is not a port yet.
  if (spec.includes('${')) return undefined;
  const m = PORT_SPEC.exec(spec);
  const inRange = (part: string | undefined) =>
    part === undefined || part === '' || part.split('-').every((p) => Number(p) >= 1 && Number(p) <= 65535);
  if (m && inRange(m[1]) && inRange(m[2])) return undefined;
  return `${JSON.stringify(spec)} is not a port; use "80", "80/udp", "3000:80" or "127.0.0.1:3000:80" (ports 1-65535)`;
}

export function networkModeProblem(mode: string): string | undefined {
  return (NETWORK_MODES as readonly string[]).includes(mode)
    ? undefined
    : `${JSON.stringify(mode)} is not supported; use "host" or "none", or leave it out for the voodu0 bridge`;
}
