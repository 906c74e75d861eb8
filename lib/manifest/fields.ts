/**
 * Decoders for the fields several kinds share, so one rule (and one message)
 * covers every place a field appears.
 */
import { formatted, formattedList, int, record, str, strList, strMap, type Decoder } from './decoders.js';
import { durationProblem, parseDurationMs } from './durations.js';
import { extraHostProblem, networkModeProblem, networkNameProblem, portProblem } from './network.js';
import { cpuProblem, logSizeProblem, memoryProblem } from './quantities.js';
import type { BuildSpec, DependsOnSpec, LogsSpec, ReleaseSpec, ResourcesSpec } from './types.js';
import {
  BUILD_ID,
  BUILD_TARGET,
  assetRefProblem,
  capabilityProblem,
  envFromRefProblem,
  envKeyProblem,
  restartProblem,
  segmentProblem,
  ulimitNameProblem,
  ulimitValueProblem,
} from './values.js';

export const image = str;
export const command = strList;
export const duration = formatted(durationProblem);
export const stopGracePeriod = formatted((text) => durationProblem(text) ?? ((parseDurationMs(text) ?? 0) > 3_600_000 ? 'must be at most 1h' : undefined));
/** `max_surge`: a whole number ≥ 1, or a percentage such as "50%" (of the replicas, rounded up). */
export const maxSurge: Decoder<number | string> = (v, at) => {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v.trim()))) return int({ min: 1, max: 1000 })(v, at);
  if (typeof v === 'string' && /^(100|[1-9]\d?)%$/.test(v.trim())) return v.trim();
  return at.fail(`must be a number of replicas (1, 2, …) or a percentage of them ("25%", "100%"), got ${JSON.stringify(v)}`);
};
/** resolv.conf options as `--dns-opt` takes them: a word, or a word:number. */
export const dnsOptions = formattedList((text) =>
  /^[a-z][a-z0-9-]*(:[0-9]{1,3})?$/.test(text) ? undefined : `must be a resolv.conf option such as "timeout:1", "attempts:3" or "single-request" (got ${JSON.stringify(text)})`,
);
/** A signal name as docker takes it (`SIGTERM`, `TERM`, `SIGRTMIN+3`) or its number. */
export const stopSignal = formatted((text) =>
  /^(SIG)?[A-Z][A-Z0-9]*(\+[0-9]{1,2})?$/.test(text) || /^[1-9][0-9]?$/.test(text) ? undefined : `must be a signal name such as "SIGTERM", "SIGINT" or "SIGQUIT", or its number (got ${JSON.stringify(text)})`,
);
export const env = strMap({ key: envKeyProblem });
export const envFile = strList;
export const envFrom = formattedList(envFromRefProblem);
export const volumes = formattedList((v) => (v.trim() === '' ? 'must not be empty' : undefined));
export const network = formatted(networkNameProblem);
export const networks = formattedList(networkNameProblem);
export const networkMode = formatted(networkModeProblem);
export const extraHosts = formattedList(extraHostProblem);
export const capAdd = formattedList(capabilityProblem);
export const ulimits = strMap({ key: ulimitNameProblem, value: ulimitValueProblem });
export const dockerOptions = strList;
export const ports = formattedList(portProblem);
export const restart = formatted(restartProblem);
export const replicas = int({ min: 0 });
export const historyLimit = int({ min: 0 });
export const serviceName = formatted(segmentProblem);
/** The path caddy health-checks; a path, so it starts with '/'. */
export const healthCheck = formatted((p) => (p.startsWith('/') ? undefined : `must be a path starting with '/' (got ${JSON.stringify(p)})`));

export const build: Decoder<BuildSpec> = record('a build block', {
  context: str,
  dockerfile: str,
  target: formatted((t) => (BUILD_TARGET.test(t) ? undefined : `${JSON.stringify(t)} is not a build stage name`)),
  id: formatted((id) => (BUILD_ID.test(id) ? undefined : `${JSON.stringify(id)} is not a build ID (12 hex characters); leave it out: voodu apply sets it after building`)),
  path: str,
  args: strMap(),
  lang: record('a lang block', { name: str, version: str, entrypoint: str }),
});

export const resources: Decoder<ResourcesSpec> = record('a resources block', {
  limits: record('a limits block', { cpu: formatted(cpuProblem), memory: formatted(memoryProblem) }),
});

export const logs: Decoder<LogsSpec> = record('a logs block', {
  max_size: formatted(logSizeProblem),
  max_files: int({ min: 0 }),
});

export const dependsOn: Decoder<DependsOnSpec> = record('a depends_on block', {
  assets: formattedList(assetRefProblem),
});

export const release: Decoder<ReleaseSpec> = record('a release block', {
  command: strList,
  pre_command: strList,
  post_command: strList,
  timeout: duration,
});

/** Labels a plugin may add to job containers; the identity labels are the platform's. */
const RESERVED_LABELS = new Set([
  'createdby', 'voodu.kind', 'voodu.scope', 'voodu.name', 'voodu.replica_id',
  'voodu.manifest_hash', 'voodu.created_at', 'voodu.release_id', 'voodu.replica_ordinal',
]);
export const labels = strMap({
  key: (k) => (RESERVED_LABELS.has(k) ? 'is set by voodu itself and cannot be overridden' : k === '' ? 'label names cannot be empty' : undefined),
});

/** Platform default: a runaway container cannot fill the disk with logs. */
export function withLogDefaults(logs: LogsSpec | undefined): LogsSpec {
  return { max_size: logs?.max_size || '10m', max_files: logs?.max_files && logs.max_files > 0 ? logs.max_files : 3 };
}
