// The superuser and replication passwords. A generated one lives only in
// the config bucket (POSTGRES_PASSWORD, POSTGRES_REPLICATION_PASSWORD): it
// is made on the first apply, reused by every later one, and reaches the
// pods through their env file (which wins over the statefulset's env), so
// it is never written into a manifest. A password the block gives wins,
// goes into the statefulset's env and is never copied into the bucket.
import { randomBytes } from 'node:crypto';
import { PROVIDER_KEYS } from '../ref.js';

/** 32 random bytes as 64 lowercase hex characters: nothing a URL, a shell or a conninfo string needs escaped. */
export const generatePassword = () => randomBytes(32).toString('hex');

const nonEmpty = (v) => typeof v === 'string' && v !== '';

/**
 * @param {{password: string}} pg the parsed block
 * @param {Record<string, string>} config the bucket as expand received it
 * @param {Record<string, unknown>} [operatorEnv] the block's own `env`
 * @returns {{password: string, passwordIsNew: boolean, passwordFromHcl: boolean, replicationPassword: string, replicationIsNew: boolean}}
 */
export function resolvePasswords(pg, config, operatorEnv = {}) {
  const env = operatorEnv && typeof operatorEnv === 'object' ? operatorEnv : {};
  const bucket = config ?? {};

  // The block's `password`, else a POSTGRES_PASSWORD its env sets by hand: either is the operator's, not ours to store.
  const hcl = nonEmpty(pg.password) ? pg.password : nonEmpty(env.POSTGRES_PASSWORD) ? String(env.POSTGRES_PASSWORD) : '';
  let password = hcl;
  let passwordIsNew = false;
  if (!password) {
    password = nonEmpty(bucket[PROVIDER_KEYS.password]) ? bucket[PROVIDER_KEYS.password] : '';
    if (!password) {
      password = generatePassword();
      passwordIsNew = true;
    }
  }

  // PG_REPLICATION_PASSWORD in the block's env is read before the bucket's name by the pods; no bucket copy then.
  let replicationPassword = nonEmpty(env.PG_REPLICATION_PASSWORD) ? String(env.PG_REPLICATION_PASSWORD) : '';
  let replicationIsNew = false;
  if (!replicationPassword) {
    replicationPassword = nonEmpty(bucket[PROVIDER_KEYS.replicationPassword]) ? bucket[PROVIDER_KEYS.replicationPassword] : '';
    if (!replicationPassword) {
      replicationPassword = generatePassword();
      replicationIsNew = true;
    }
  }
  return { password, passwordIsNew, passwordFromHcl: nonEmpty(pg.password), replicationPassword, replicationIsNew };
}

/**
 * The bucket writes of one expansion, in order, each only when it applies:
 * new passwords, PG_PRIMARY_ORDINAL = "0" when unset (no restart: nothing
 * runs yet that would read it differently), BACKUP_KEEP = "30" on a new
 * cluster.
 * @param {{scope: string, name: string, config: Record<string, string>}} req
 * @param {ReturnType<typeof resolvePasswords>} pw
 */
export function bucketActions(req, pw) {
  const { scope, name } = req;
  const config = req.config ?? {};
  const set = (kv, extra = {}) => ({ type: 'config_set', scope, name, kv, ...extra });
  const actions = [];
  if (pw.passwordIsNew) actions.push(set({ [PROVIDER_KEYS.password]: pw.password }));
  if (pw.replicationIsNew) actions.push(set({ [PROVIDER_KEYS.replicationPassword]: pw.replicationPassword }));
  if (!nonEmpty(config[PROVIDER_KEYS.primaryOrdinal])) actions.push(set({ [PROVIDER_KEYS.primaryOrdinal]: '0' }, { skip_restart: true }));
  if (pw.passwordIsNew && !nonEmpty(config[PROVIDER_KEYS.backupKeep])) actions.push(set({ [PROVIDER_KEYS.backupKeep]: '30' }));
  return actions;
}
