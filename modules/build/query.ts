/**
 * `POST /builds?…` parameters, checked at the edge: every value that
 * reaches a path, an image name or the engine is validated here, and each
 * refusal names its parameter.
 */
import { ValidationError } from '../../lib/errors.js';
import { appId } from '../../lib/identity.js';
import { BUILD_ID, BUILD_TARGET, segmentProblem } from '../../lib/manifest/values.js';

export interface BuildRequest {
  scope: string;
  /** The workloads the one build is tagged for (a Procfile's processes); the first owns the upload. */
  names: string[];
  apps: string[];
  id: string;
  dockerfile?: string;
  target?: string;
  args: Record<string, string>;
  keep: number;
}

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`, { field });
}

export function parseBuildQuery(query: Record<string, string>, defaultKeep: number): BuildRequest {
  const scope = query.scope ?? '';
  if (scope && segmentProblem(scope)) fail('scope', segmentProblem(scope)!);
  const names = (query.names ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  if (!names.length) fail('names', 'name the workload(s) to build for, e.g. names=web');
  if (names.length > 64) fail('names', `${names.length} names; at most 64 workloads share one build`);
  for (const n of names) if (segmentProblem(n)) fail('names', segmentProblem(n)!);
  if (new Set(names).size !== names.length) fail('names', 'a name is given twice');
  const id = query.id ?? '';
  if (!BUILD_ID.test(id)) fail('id', `${JSON.stringify(id)} is not a build ID; it is the first 12 hex characters of the sha256 of the context's tar`);
  const out: BuildRequest = { scope, names, apps: names.map((n) => appId(scope, n)), id, args: {}, keep: defaultKeep };
  if (query.dockerfile) {
    const d = query.dockerfile;
    if (d.startsWith('/') || d.split('/').includes('..') || d.includes('\\') || d.length > 512) {
      fail('dockerfile', `${JSON.stringify(d)} must be a path inside the context, like "Dockerfile" or "docker/web.Dockerfile"`);
    }
    out.dockerfile = d;
  }
  if (query.target) {
    if (!BUILD_TARGET.test(query.target)) fail('target', `${JSON.stringify(query.target)} is not a stage name`);
    out.target = query.target;
  }
  if (query.args) {
    let args: unknown;
    try {
      args = JSON.parse(query.args);
    } catch {
      fail('args', 'must be a JSON object of strings, e.g. {"NODE_ENV":"production"}');
    }
    if (!args || typeof args !== 'object' || Array.isArray(args)) fail('args', 'must be a JSON object of strings');
    for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
      if (!ARG_NAME.test(k)) fail('args', `${JSON.stringify(k)} is not a build argument name`);
      if (typeof v !== 'string') fail('args', `${k} must be a string`);
      out.args[k] = v;
    }
  }
  if (query.keep !== undefined && query.keep !== '') {
    const keep = Number(query.keep);
    if (!Number.isInteger(keep) || keep < 0 || keep > 1000) fail('keep', `${JSON.stringify(query.keep)} must be a whole number of releases to keep (0 = the default ${defaultKeep})`);
    out.keep = keep === 0 ? defaultKeep : keep;
  }
  return out;
}
