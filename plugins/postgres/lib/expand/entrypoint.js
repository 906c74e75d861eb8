// The pods' entrypoint: a bash wrapper around the image's
// docker-entrypoint.sh that decides, at every boot, whether this pod is the
// primary or a standby. Pod PG_PRIMARY_ORDINAL (from the bucket, default 0)
// is the primary; every other pod streams from it:
// - a standby with no data takes a base backup of the primary
//   (pg_basebackup -X stream; a sentinel next to PGDATA marks a copy in
//   progress, so a copy cut short is wiped and redone, never started);
// - a standby whose data has no standby.signal was a primary (or was
//   promoted): starting it would make a second primary, so it refuses and
//   says how to rejoin it;
// - every boot rewrites $PGDATA/voodu-runtime.conf (primary_conninfo on a
//   standby, a stub on the primary), because who the primary is can change
//   between boots and the password may have been rotated.
// Passwords come from the environment (the bucket's env file) and go to
// files and PGPASSWORD, never to a command line.
import { containerName, formatRef, volumeName } from '../ref.js';
import { includeConfFunction } from './conf-include.js';
import { CONF_DIR, RUNTIME_CONF } from './paths.js';

/**
 * @param {string} scope
 * @param {string} name
 * @returns {string} the script; the same bytes for the same (scope, name)
 */
export function renderEntrypoint(scope, name) {
  const ref = formatRef(scope, name);
  return `#!/usr/bin/env bash
# voodu postgres entrypoint for ${ref}: primary or streaming standby, chosen at every boot.
# Written by the voodu postgres plugin on each apply; edits here are overwritten.
set -euo pipefail

PGDATA="\${PGDATA:-/var/lib/postgresql/data/pgdata}"
export PGDATA
PG_PORT="\${PG_PORT:-5432}"
ORDINAL="\${VOODU_REPLICA_ORDINAL:-0}"
PRIMARY_ORDINAL="\${PG_PRIMARY_ORDINAL:-0}"
REPL_USER="\${PG_REPLICATION_USER:-replicator}"
# The block's PG_REPLICATION_PASSWORD, else the bucket's POSTGRES_REPLICATION_PASSWORD.
REPL_PASS="\${PG_REPLICATION_PASSWORD:-\${POSTGRES_REPLICATION_PASSWORD:-}}"
SENTINEL="$(dirname "$PGDATA")/.voodu-bootstrap-incomplete"
RUNTIME_CONF="$PGDATA/${RUNTIME_CONF}"

log() { echo "voodu-postgres: $*" >&2; }

# own PATH…: files this script (root, in the official image) makes belong to postgres, as the server needs.
own() {
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres:postgres "$@" 2>/dev/null || log "warning: could not chown $* to postgres"
    fi
}

${includeConfFunction()}

# Quoting through variables: a quoted pattern and replacement are literal in every bash version.
BS='\\' SQ="'"
# A postgresql.conf string: backslashes and single quotes doubled.
conf_quote() {
    local v=\${1//"$BS"/"$BS$BS"}
    printf "'%s'" "\${v//"$SQ"/"$SQ$SQ"}"
}
# A libpq conninfo value: backslashes and single quotes backslash-escaped.
conninfo_quote() {
    local v=\${1//"$BS"/"$BS$BS"}
    printf "'%s'" "\${v//"$SQ"/"$BS$SQ"}"
}

if [ "$ORDINAL" != "$PRIMARY_ORDINAL" ]; then
    PRIMARY_HOST="\${PG_NAME:?PG_NAME is not set (the voodu postgres plugin sets it)}-\${PRIMARY_ORDINAL}\${PG_SCOPE_SUFFIX:-.voodu}"

    if [ -e "$SENTINEL" ]; then
        log "a base backup of an earlier boot did not finish; clearing $PGDATA to take it again"
        # Everything inside, dotfiles too, the directory itself kept (its owner and mode); no GNU find needed.
        if [ -d "$PGDATA" ]; then (shopt -s dotglob nullglob; rm -rf -- "$PGDATA"/*); fi
        rm -f "$SENTINEL"
    fi

    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        : "\${PG_REPLICATION_USER:?PG_REPLICATION_USER is not set (the voodu postgres plugin sets it)}"
        if [ -z "$REPL_PASS" ]; then
            log "no replication password: POSTGRES_REPLICATION_PASSWORD is missing from the config bucket of ${ref} (voodu apply generates it)"
            exit 1
        fi
        log "standby (ordinal $ORDINAL): waiting for the primary $PRIMARY_HOST:$PG_PORT"
        attempt=0
        until pg_isready -q -h "$PRIMARY_HOST" -p "$PG_PORT" -t 5; do
            attempt=$((attempt + 1))
            if [ "$attempt" -ge 60 ]; then
                log "the primary $PRIMARY_HOST:$PG_PORT did not accept connections after 60 attempts; exiting (the pod is restarted)"
                exit 1
            fi
            sleep 5
        done
        log "standby (ordinal $ORDINAL): base backup from $PRIMARY_HOST:$PG_PORT as $REPL_USER"
        mkdir -p "$PGDATA"
        chmod 700 "$PGDATA"
        own "$PGDATA"
        touch "$SENTINEL"
        if ! PGPASSWORD="$REPL_PASS" pg_basebackup -h "$PRIMARY_HOST" -p "$PG_PORT" -U "$REPL_USER" -D "$PGDATA" -X stream -c fast -P; then
            log "pg_basebackup from $PRIMARY_HOST failed; the next boot starts over"
            exit 1
        fi
        touch "$PGDATA/standby.signal"
        own "$PGDATA"
        rm -f "$SENTINEL"
        log "standby (ordinal $ORDINAL): base backup done"
    elif [ ! -e "$PGDATA/standby.signal" ]; then
        log "pod $ORDINAL has a data directory but no standby.signal while the primary is pod $PRIMARY_ORDINAL."
        log "Starting it would make a second primary (split brain), so it stays down. To make it a standby again:"
        log "    voodu pg:rejoin ${ref} --replica $ORDINAL        (pg_rewind, else a fresh base backup)"
        log "or throw its data away and let it copy the primary afresh:"
        log "    docker rm -f ${containerName(scope, name, '$ORDINAL')} && docker volume rm ${volumeName(scope, name, '$ORDINAL')} && voodu apply"
        log "(to remove the whole resource with its volumes, use voodu delete --prune)"
        exit 1
    else
        log "standby (ordinal $ORDINAL): resuming, primary $PRIMARY_HOST:$PG_PORT"
    fi

    {
        echo "# Written by the voodu postgres entrypoint at every boot: this pod streams from the primary."
        echo "primary_conninfo = $(conf_quote "host=$PRIMARY_HOST port=$PG_PORT user=$(conninfo_quote "$REPL_USER") password=$(conninfo_quote "$REPL_PASS") application_name=$(conninfo_quote "\${PG_NAME}-\${ORDINAL}")")"
    } >"$RUNTIME_CONF"
    chmod 600 "$RUNTIME_CONF"
    own "$RUNTIME_CONF"
else
    if [ -e "$SENTINEL" ]; then
        log "pod $ORDINAL is the primary (PG_PRIMARY_ORDINAL=$PRIMARY_ORDINAL) but its data directory is an unfinished base backup;"
        log "it cannot serve as primary. Promote a complete standby (voodu pg:promote ${ref} --replica N), or rebuild this pod."
        exit 1
    fi
    if [ -s "$PGDATA/PG_VERSION" ]; then
        log "primary (ordinal $ORDINAL)"
        if [ -e "$PGDATA/standby.signal" ]; then
            log "warning: standby.signal is present, so this pod starts in recovery; make it the primary with voodu pg:promote ${ref} --replica $ORDINAL"
        fi
        echo "# Written by the voodu postgres entrypoint at every boot: this pod is the primary; nothing to add." >"$RUNTIME_CONF"
        own "$RUNTIME_CONF"
    else
        log "primary (ordinal $ORDINAL): new cluster, initdb runs now"
    fi
fi

if [ -f "$PGDATA/postgresql.conf" ]; then
    voodu_include_conf "$PGDATA/postgresql.conf"
    # An older layout kept a conf.d inside PGDATA; the mounted ${CONF_DIR} replaces it.
    if [ -d "$PGDATA/conf.d" ]; then rm -rf "$PGDATA/conf.d"; fi
fi

if [ -d /backups ]; then
    chown postgres:postgres /backups 2>/dev/null || log "warning: could not chown /backups to postgres (backups may fail to write)"
fi

exec docker-entrypoint.sh postgres -p "$PG_PORT"
`;
}
