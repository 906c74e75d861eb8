/**
 * Shapes of the smaller values: env keys, references to other resources,
 * ulimits, capabilities, restart policies, URLs and host names. Each
 * function answers the problem in words, or undefined when the value is fine.
 */
const SEGMENT = /^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$/;
const ASSET_REF = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*){1,2}$/;
const INIT_NAME = /^[a-z0-9][a-z0-9-]*$/;
const CAPABILITY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ULIMIT_VALUE = /^-?\d+(?::-?\d+)?$/;
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const INGRESS_HOST = new RegExp(`^(?:\\*\\.)?(?:${HOST_LABEL}\\.)*${HOST_LABEL}$`);
const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** docker's ulimit names (go-units); anything else fails `docker run`. */
export const ULIMIT_NAMES = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice',
  'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;

export const RESTART_POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'] as const;

export function envKeyProblem(key: string): string | undefined {
  return key !== '' && !/[=\s\0]/.test(key) ? undefined : 'is not a variable name; names cannot be empty or contain "=" or whitespace';
}

export function segmentProblem(value: string): string | undefined {
  return SEGMENT.test(value) && !value.includes('..')
    ? undefined
    : `${JSON.stringify(value)} is not a valid name; use 1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}

/** `scope/name` or a bare `name`, naming another resource's env (or a config bucket). */
export function envFromRefProblem(ref: string): string | undefined {
  const parts = ref.split('/');
  const ok = parts.length <= 2 && parts.every((p) => SEGMENT.test(p));
  return ok ? undefined : `${JSON.stringify(ref)} is not a reference; write "<scope>/<name>" or "<name>"`;
}

/** `name.key` (unscoped asset) or `scope.name.key`. */
export function assetRefProblem(ref: string): string | undefined {
  return ASSET_REF.test(ref) ? undefined : `${JSON.stringify(ref)} is not an asset reference; write "<name>.<key>" or "<scope>.<name>.<key>"`;
}

export function initNameProblem(name: string): string | undefined {
  return INIT_NAME.test(name) ? undefined : `${JSON.stringify(name)} is not a valid init name (must match [a-z0-9][a-z0-9-]*)`;
}

export function ulimitNameProblem(name: string): string | undefined {
  return (ULIMIT_NAMES as readonly string[]).includes(name) ? undefined : `is not a ulimit; use one of ${ULIMIT_NAMES.join(', ')}`;
}

export function ulimitValueProblem(value: string): string | undefined {
  return ULIMIT_VALUE.test(value) ? undefined : `${JSON.stringify(value)} is not a ulimit value; use "N" or "soft:hard" (-1 for unlimited)`;
}

export function capabilityProblem(cap: string): string | undefined {
  return CAPABILITY.test(cap) ? undefined : `${JSON.stringify(cap)} is not a capability name (e.g. NET_ADMIN, SYS_NICE)`;
}

export function restartProblem(policy: string): string | undefined {
  if ((RESTART_POLICIES as readonly string[]).includes(policy) || /^on-failure:\d+$/.test(policy)) return undefined;
  return `${JSON.stringify(policy)} is not a restart policy; use no, always, unless-stopped, on-failure or on-failure:N`;
}

export function httpUrlProblem(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
  } catch {
    // fall through to the message
  }
  // The URL is not echoed: webhook URLs often carry their secret in the path.
  return 'is not an http(s) URL';
}

export function ingressHostProblem(host: string): string | undefined {
  return INGRESS_HOST.test(host)
    ? undefined
    : `${JSON.stringify(host)} is not a host name; write the bare name, e.g. app.example.com or *.example.com (no scheme, port or path)`;
}

export function emailProblem(email: string): string | undefined {
  return EMAIL.test(email) ? undefined : `${JSON.stringify(email)} is not an email address`;
}

export function locationPathProblem(path: string): string | undefined {
  return path.startsWith('/') && !/\s/.test(path) ? undefined : `${JSON.stringify(path)} must start with '/' and contain no spaces`;
}

/** A build ID: the first 12 hex characters of the sha256 of a build context's tar (build mode). */
export const BUILD_ID = /^[0-9a-f]{12}$/;
/** A multi-stage build's stage name, as the engine takes it. */
export const BUILD_TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
