// pg:new-password <scope>/<name> [--replication] [--no-restart]: a real
// rotation. PostgreSQL reads POSTGRES_PASSWORD only at initdb, so writing a
// new one into the bucket alone changes nothing in the database (the Go
// plugin's bug): the role's password is changed FIRST, with ALTER ROLE on
// the current primary (the standbys replay it), and only then are the
// bucket and every linked consumer's URLs rewritten. If the ALTER fails,
// nothing is written — the old password keeps working everywhere.
import { randomBytes } from 'node:crypto';
import { consumerActions, linkedConsumers } from '../consumers.js';
import { progress } from '../progress.js';
import { runSql, sqlIdent, sqlString } from '../psql.js';
import { PROVIDER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster, requirePassword } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:new-password <scope>/<name> [--replication] [--no-restart]';

export const help = `Usage: ${USAGE}

Rotates the password of the cluster's user (POSTGRES_PASSWORD):

  1. ALTER ROLE "<user>" WITH PASSWORD '…' on the current primary
     (SQL on psql's stdin, never on a command line; the standbys replay it);
  2. the new password into the postgres's config bucket;
  3. DATABASE_URL (and DATABASE_READ_URL for consumers linked with --reads)
     of every linked consumer rewritten; the consumers restart.

Connections already open stay open; new ones need the new password.

  --replication  also rotate the replication user's password
                 (POSTGRES_REPLICATION_PASSWORD): the pods restart so the
                 standbys reconnect with it.
  --no-restart   with --replication, do not restart the pods now; the
                 standbys keep their current replication connection and
                 take the new password at their next restart (until then a
                 standby that loses its connection cannot reconnect).

A password written in the HCL block (\`password = "…"\`) is not rotated here:
the next apply would put the HCL one back. Remove it from the block, apply,
then run this command.

Examples:
  voodu pg:new-password prod/db
  voodu pg:new-password prod/db --replication
`;

/** 32 random bytes as 64 hex characters: URL-safe, shell-safe, SQL-literal-safe. */
export function generatePassword() {
  return randomBytes(32).toString('hex');
}

/**
 * The rotation script: one transaction, so both roles change or neither.
 * The server is told not to log these statements (a log_statement = 'ddl'
 * or 'all' setting would otherwise write the new password into its log);
 * both settings are superuser-only, which the cluster's user is.
 * @param {{role: string, password: string}[]} changes
 */
export function rotationSql(changes) {
  const lines = ['BEGIN;', "SET LOCAL log_statement = 'none';", 'SET LOCAL log_min_duration_statement = -1;'];
  for (const c of changes) lines.push(`ALTER ROLE ${sqlIdent(c.role)} WITH PASSWORD ${sqlString(c.password)};`);
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}

/**
 * @param {string[]} args
 * @param {{controller: any}} ctx
 */
export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--replication', '--no-restart'] });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const replication = p.flags['--replication'] === true;
  const noRestart = p.flags['--no-restart'] === true;
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const cluster = await loadCluster(ctx, scope, name);

  if (cluster.passwordFromHcl) {
    throw new Error(
      `postgres ${ref}: its password is written in the HCL block (\`password = …\`), which every apply puts back, so it cannot be rotated here; ` +
        `remove \`password\` from the postgres "${scope}" "${name}" block and run \`voodu apply\` first, then \`voodu pg:new-password ${ref}\` ` +
        '(PostgreSQL keeps the password it was initialised with until this command changes it)',
    );
  }
  requirePassword(cluster);
  const replicationFromHcl = replication && !cluster.config[PROVIDER_KEYS.replicationPassword] && Boolean(cluster.replicationPassword);
  if (replicationFromHcl) {
    throw new Error(
      `--replication: the replication password of postgres ${ref} is written in its statefulset env (PG_REPLICATION_PASSWORD), which every apply puts back; ` +
        `remove it from the block and run \`voodu apply\` first, or rotate without --replication`,
    );
  }

  const password = generatePassword();
  const replicationPassword = replication ? generatePassword() : undefined;
  const changes = [{ role: cluster.user, password }];
  if (replicationPassword) changes.push({ role: cluster.replicationUser, password: replicationPassword });

  const primary = cluster.primaryOrdinal;
  const container = cluster.container(primary);
  progress(`postgres ${ref}: ALTER ROLE ${changes.map((c) => c.role).join(', ')} on the primary (${container})`);
  try {
    await runSql(cluster, primary, rotationSql(changes), { db: 'postgres', what: `ALTER ROLE on ${container}` });
  } catch (err) {
    throw new Error(
      `postgres ${ref}: the password was not rotated — ${err instanceof Error ? err.message : String(err)}; nothing was written (the old password still works). ` +
        `Check that the primary pod ${container} runs (\`voodu get pods -s ${scope} -n ${name}\`; \`voodu start ${ref}.${primary}\`) and try again`,
    );
  }

  const kv = { [PROVIDER_KEYS.password]: password };
  if (replicationPassword) kv[PROVIDER_KEYS.replicationPassword] = replicationPassword;
  // The user's password is in effect already; a restart would only cost an outage. The standbys need one to
  // reconnect with a new replication password (primary_conninfo is written from the env at boot).
  const skipRestart = !replication || noRestart;
  const actions = [{ type: 'config_set', scope, name, kv, skip_restart: skipRestart }, ...consumerActions(cluster, { password })];

  const n = linkedConsumers(cluster.own).length;
  let message = `rotated password for ${ref} — refreshed ${n} linked consumer(s)`;
  if (replication) {
    message += noRestart
      ? `; rotated the replication password too (${cluster.replicationUser}); pod restart suppressed via --no-restart — the standbys take it at their next restart`
      : `; rotated the replication password too (${cluster.replicationUser}); the pods restart so the standbys reconnect with it`;
  } else if (noRestart) {
    message += ' (--no-restart: nothing to restart, the database took the new password without one)';
  }
  return { message, actions };
}
