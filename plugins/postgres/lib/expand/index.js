// expand: one `postgres "scope" "name" { … }` block (or `pg`) → an asset
// (the entrypoint, the conf files, the init scripts) and a statefulset,
// plus the bucket writes of a first apply. Everything is checked
// before anything is built: a block that fails emits nothing, and main.js
// turns the error into the envelope (exit 1), so apply stores nothing.
import { PROVIDER_KEYS, formatRef } from '../ref.js';
import { readOrdinal } from '../resource.js';
import { parseExpandRequest } from '../sdk/expand-request.js';
import { composeDefaults } from './defaults.js';
import { renderEntrypoint } from './entrypoint.js';
import { renderInitInclude } from './init-include.js';
import { renderInitReplication } from './init-replication.js';
import { mergeSpec } from './merge.js';
import { bucketActions, resolvePasswords } from './password.js';
import { renderPgConfig } from './pg-config.js';
import { PLUGIN_OWNED, parseSpec, stripPluginOwned, validateSpec } from './spec.js';
import { renderStreamingConf } from './streaming.js';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request on stdin: `{kind, scope, name, spec, config}` (sdk/expand-request.js).
 * @param {string} text
 */
export const parseRequest = (text) => parseExpandRequest(text, 'postgres', { defaultKind: 'postgres' });

/**
 * Rules between the block and the bucket: a scale-down may not remove the
 * primary, and an exposed port can be published by one pod only.
 * @param {{scope: string, name: string, config: Record<string, string>}} req
 * @param {{replicas: number}} pg
 */
export function checkTopology(req, pg) {
  const ref = formatRef(req.scope, req.name);
  const primary = readOrdinal(req.config[PROVIDER_KEYS.primaryOrdinal]);
  if (primary !== undefined && primary >= pg.replicas) {
    throw new Error(
      `replicas = ${pg.replicas} would remove the primary (PG_PRIMARY_ORDINAL = ${primary}) and leave its standbys nothing to stream from; ` +
        `move the primary to a pod that stays first (\`voodu pg:promote ${ref} --replica 0\`), then apply again`,
    );
  }
  if (req.config[PROVIDER_KEYS.exposePublic] === 'true' && pg.replicas > 1) {
    throw new Error(`replicas = ${pg.replicas}: the port is exposed on 0.0.0.0 (PG_EXPOSE_PUBLIC=true), which one pod only can publish; run \`voodu pg:unexpose ${ref}\` first, or keep replicas = 1`);
  }
}

/**
 * @param {{scope: string, name: string, spec: Record<string, any>, config: Record<string, string>}} req
 * @param {{env?: Record<string, string | undefined>}} [opts] env: where VOODU_POSTGRES_BACKUP_ROOT is read (default process.env)
 */
export function expandRequest(req, opts = {}) {
  const ref = formatRef(req.scope, req.name);
  let pg;
  try {
    pg = validateSpec(parseSpec(req.spec));
    checkTopology(req, pg);
  } catch (err) {
    throw new Error(`postgres ${ref}: ${err.message}`);
  }
  // image and replicas are read (and defaulted) by parseSpec: the parsed values go in, not the raw ones.
  const { image: _image, replicas: _replicas, ...passthrough } = stripPluginOwned(req.spec);
  const pw = resolvePasswords(pg, req.config, isObject(passthrough.env) ? passthrough.env : {});
  const exposed = req.config[PROVIDER_KEYS.exposePublic] === 'true';
  const defaults = composeDefaults({ scope: req.scope, name: req.name, pg, password: pw.passwordFromHcl ? pg.password : '', exposed, env: opts.env });

  const asset = {
    kind: 'asset',
    scope: req.scope,
    name: req.name,
    spec: {
      files: {
        entrypoint: renderEntrypoint(req.scope, req.name),
        pg_overrides_conf: renderPgConfig(pg.pg_config),
        streaming_conf: renderStreamingConf(),
        init_replication_sh: renderInitReplication(),
        init_include_sh: renderInitInclude(),
      },
    },
  };
  const statefulset = { kind: 'statefulset', scope: req.scope, name: req.name, spec: mergeSpec(defaults, passthrough) };
  return { manifests: [asset, statefulset], actions: bucketActions(req, pw) };
}

/** stdin text → the envelope's data. */
export async function expand(text, opts) {
  return expandRequest(parseRequest(text), opts);
}

/** `voodu-postgres defaults`: the block's keys with their defaults, and which keys the plugin owns. */
export function defaults() {
  const { password: _p, ...spec } = parseSpec({});
  return { spec, plugin_owned: [...PLUGIN_OWNED] };
}
