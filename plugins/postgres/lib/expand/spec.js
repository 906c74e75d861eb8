// The block's own keys: read with their defaults, then checked.
// Every error names the field and says how to write it instead; index.js
// prefixes `postgres <scope>/<name>: `. Nothing here touches the bucket or
// the statefulset: a block that fails here emits nothing at all.
import { DEFAULT_DATABASE, DEFAULT_PORT, DEFAULT_REPLICATION_USER, DEFAULT_USER } from '../ref.js';

// A pinned major, not :latest — a new major cannot read the data directory an older one wrote,
// so an image that moves on by itself would leave a cluster unable to start after a re-pull.
export const DEFAULT_IMAGE = 'postgres:17';
export const DEFAULT_LOCALE = 'C.UTF-8';
export const DEFAULT_ENCODING = 'UTF8';

/** Keys the plugin consumes; they never reach the statefulset. */
export const PLUGIN_OWNED = Object.freeze(['database', 'user', 'password', 'port', 'initdb_locale', 'initdb_encoding', 'pg_config', 'extensions', 'replication_user']);

/** A PostgreSQL identifier the plugin can pass around unquoted: 1–63 chars, letter or `_` first. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/**
 * A postgresql.conf setting name: lowercase, digit not first; one dotted
 * qualifier is allowed for an extension's own settings (`pg_stat_statements.track`).
 */
export const PG_CONFIG_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How an error names a value's type: `string`, `number`, `bool`, `list`, `map`, `null`. */
export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

const expected = (field, want, v, example) => new Error(`${field}: expected ${want}, got ${typeName(v)}${v !== null && typeof v !== 'object' ? ` ${JSON.stringify(v)}` : ''}; write it as ${example}`);

function str(raw, field, fallback, example) {
  const v = raw[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw expected(field, 'a string', v, example);
  return v === '' ? fallback : v;
}

function whole(raw, field, fallback, example) {
  const v = raw[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw expected(field, 'a number', v, example);
  if (!Number.isInteger(v)) throw new Error(`${field} = ${v}: expected a whole number; write it as ${example}`);
  return v;
}

/**
 * The plugin-owned keys of a block with their defaults. A string key set
 * to "" keeps its default; types are checked, ranges and names are not
 * (validateSpec does that).
 * @param {unknown} raw the block's spec (null/undefined: an empty block)
 */
export function parseSpec(raw) {
  if (raw === undefined || raw === null) raw = {};
  if (!isObject(raw)) throw new Error(`the block must be a map of attributes, got ${typeName(raw)}`);
  const pgConfig = raw.pg_config;
  if (pgConfig !== undefined && pgConfig !== null && !isObject(pgConfig)) throw expected('pg_config', 'a map', pgConfig, 'pg_config = { max_connections = 200 }');
  const extensions = raw.extensions;
  if (extensions !== undefined && extensions !== null && !Array.isArray(extensions)) throw expected('extensions', 'a list of strings', extensions, 'extensions = ["pgcrypto"]');
  (extensions ?? []).forEach((e, i) => {
    if (typeof e !== 'string') throw expected(`extensions[${i}]`, 'a string', e, 'extensions = ["pgcrypto"]');
  });
  return {
    image: str(raw, 'image', DEFAULT_IMAGE, 'image = "postgres:16"'),
    replicas: whole(raw, 'replicas', 1, 'replicas = 2'),
    database: str(raw, 'database', DEFAULT_DATABASE, 'database = "app"'),
    user: str(raw, 'user', DEFAULT_USER, 'user = "app"'),
    password: str(raw, 'password', '', 'password = "…" (or leave it out: apply generates one)'),
    port: whole(raw, 'port', DEFAULT_PORT, 'port = 5432'),
    initdb_locale: str(raw, 'initdb_locale', DEFAULT_LOCALE, 'initdb_locale = "C.UTF-8"'),
    initdb_encoding: str(raw, 'initdb_encoding', DEFAULT_ENCODING, 'initdb_encoding = "UTF8"'),
    pg_config: { ...(pgConfig ?? {}) },
    extensions: [...(extensions ?? [])],
    replication_user: str(raw, 'replication_user', DEFAULT_REPLICATION_USER, 'replication_user = "replicator"'),
  };
}

const IDENT_FIX = "use 1–63 letters, digits and '_', not starting with a digit (e.g. app_user)";

function checkIdentifier(field, v) {
  if (!IDENTIFIER.test(v)) {
    const why = v.length > 63 ? `is ${v.length} characters (PostgreSQL keeps 63)` : 'is not a plain PostgreSQL identifier';
    throw new Error(`${field} ${JSON.stringify(v)}: ${why}; ${IDENT_FIX}`);
  }
}

/** What makes a pg_config value unsafe in postgresql.conf: a line break or NUL would end the line and start another. */
const BREAKS_LINE = /[\n\r\0]/;

/**
 * Ranges, names and the rules between keys, on a parsed spec.
 * @param {ReturnType<typeof parseSpec>} pg
 */
export function validateSpec(pg) {
  if (!pg || typeof pg !== 'object') throw new Error('no spec to validate');
  if (pg.replicas < 1) throw new Error(`replicas = ${pg.replicas}: must be at least 1 (pod 0 is the primary, every further pod a streaming standby)`);
  if (pg.port < 1 || pg.port > 65535) throw new Error(`port = ${pg.port}: must be between 1 and 65535 (the default is ${DEFAULT_PORT})`);
  checkIdentifier('database', pg.database);
  checkIdentifier('user', pg.user);
  checkIdentifier('replication_user', pg.replication_user);
  if (pg.replication_user === pg.user) {
    throw new Error(`replication_user ${JSON.stringify(pg.replication_user)}: must differ from user (the superuser); standbys connect as a role of their own — leave replication_user out for "${DEFAULT_REPLICATION_USER}"`);
  }
  pg.extensions.forEach((e, i) => checkIdentifier(`extensions[${i}]`, e));
  for (const [key, value] of Object.entries(pg.pg_config)) {
    if (!PG_CONFIG_KEY.test(key)) {
      throw new Error(`pg_config key ${JSON.stringify(key)}: not a postgresql.conf setting name; use lowercase letters, digits and '_' (e.g. max_connections, or shared_buffers)`);
    }
    if (key === 'port') throw new Error('pg_config.port: the server is started with -p <port>, which overrides postgresql.conf; set the block\'s port = N instead');
    if (typeof value === 'string' && BREAKS_LINE.test(value)) {
      throw new Error(`pg_config.${key}: the value contains a line break or NUL, which would add lines to postgresql.conf; give it on one line`);
    }
  }
  return pg;
}

/** The block's keys that go on to the statefulset: everything the plugin does not own (image and replicas come from parseSpec). */
export function stripPluginOwned(raw) {
  const out = { ...(isObject(raw) ? raw : {}) };
  for (const k of PLUGIN_OWNED) delete out[k];
  return out;
}
