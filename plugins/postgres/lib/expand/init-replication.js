// 00_create_replication.sh: run once by docker-entrypoint.sh when it
// initialises a new cluster (the primary's first boot), inside its
// temporary server. Creates the role standbys stream as and lets it in
// for replication. The password comes from the environment — the block's
// PG_REPLICATION_PASSWORD, else the bucket's POSTGRES_REPLICATION_PASSWORD
// — and reaches psql on stdin, never in its argv.
//
// docker-entrypoint.sh sources a non-executable *.sh (asset files are
// mounted 0644), so the body runs in a subshell: its `set -u` and `exit`
// stay inside, and a failure still fails the initialisation.

export function renderInitReplication() {
  return `#!/usr/bin/env bash
# voodu postgres: the replication role, created once when the cluster is initialised.
# Written by the voodu postgres plugin; edits here are overwritten.
(
    set -euo pipefail
    REPL_USER="\${PG_REPLICATION_USER:-replicator}"
    REPL_PASS="\${PG_REPLICATION_PASSWORD:-\${POSTGRES_REPLICATION_PASSWORD:-}}"
    if [ -z "$REPL_PASS" ]; then
        echo "voodu-postgres: no replication password: POSTGRES_REPLICATION_PASSWORD is missing from the config bucket (voodu apply generates it)" >&2
        exit 1
    fi
    # SQL literals: " doubled in the role name, ' doubled in the password (standard_conforming_strings is on).
    DQ='"' SQ="'"
    role_sql=\${REPL_USER//"$DQ"/"$DQ$DQ"}
    pass_sql=\${REPL_PASS//"$SQ"/"$SQ$SQ"}
    psql -v ON_ERROR_STOP=1 -q --username "\${POSTGRES_USER:-postgres}" --dbname postgres <<SQL
SET password_encryption = 'scram-sha-256';
CREATE ROLE "$role_sql" WITH LOGIN REPLICATION PASSWORD '$pass_sql';
SQL
    printf '\\n# Added by voodu: standbys stream as this role, with its password.\\nhost replication "%s" all scram-sha-256\\n' "$REPL_USER" >>"\${PGDATA:?PGDATA is not set}/pg_hba.conf"
    echo "voodu-postgres: created replication role $REPL_USER" >&2
)
`;
}
