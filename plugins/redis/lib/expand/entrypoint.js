// The data pods' entrypoint: a POSIX sh script (it runs on Alpine's busybox
// as well as Debian's dash) that picks master or replica at every start.
//
// Before choosing, it asks the live cluster who the master is, because the
// env it was started with may be old (Docker restarts a crashed pod in
// place, with the env of its creation):
// 1. the sentinels watching this redis, when there are any — found without
//    any configuration, as the `sentinel-…` clients connected to the other
//    pods (CLIENT LIST); their majority answer is the truth after a failover;
// 2. else the other pods themselves: the one that reports role:master, or
//    the one the replicas follow (the pod they wait for may be this one);
// 3. else REDIS_MASTER_ORDINAL of the bucket (what `redis:failover` and the
//    sentinels' hook record), default 0.
// So an old master that comes back after a failover starts as a replica of
// the current master, never as a second master.
//
// The pod announces its voodu0 name (<name>-<ordinal>.<scope>.voodu) so
// sentinels record names, not bridge IPs, and their hook can read the new
// master's ordinal from the name.
import { SENTINEL_MASTER_NAME, SENTINEL_PORT, dnsSuffix } from '../ref.js';

/** Ordinals probed for peers stop after this many names in a row that do not resolve (a frozen pod leaves one gap). */
export const PEER_MISSES = 2;

const bre = (s) => s.replace(/[.[\]*^$\\/]/g, (c) => `\\${c}`);

/**
 * @param {string} scope
 * @param {string} name
 * @returns {string} the script; the same bytes for the same (scope, name)
 */
export function renderEntrypoint(scope, name) {
  const prefix = `${String(name).trim().toLowerCase()}-`;
  const suffix = dnsSuffix(scope);
  const ordOf = `sed -n 's/^${bre(prefix)}\\([0-9][0-9]*\\)${bre(suffix)}$/\\1/p'`;
  return `#!/bin/sh
# voodu redis entrypoint for ${scope ? `${scope}/` : ''}${name}: master or replica, chosen at every start.
# Written by the voodu redis plugin on each apply; edits here are overwritten.
set -eu

ORDINAL="\${VOODU_REPLICA_ORDINAL:-0}"
MASTER_ORDINAL="\${REDIS_MASTER_ORDINAL:-0}"
CONF=/etc/redis/redis.conf
ANNOUNCE_HOST=${prefix}\${ORDINAL}${suffix}

log() { echo "voodu-redis: $*" >&2; }

# The password the pods share, as redis.conf gives it to replicas.
AUTH=$(sed -n 's/^masterauth //p' "$CONF" 2>/dev/null | tail -n 1)

# with_timeout SECONDS CMD…: CMD, killed after SECONDS when the image has timeout(1).
with_timeout() {
    if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}
# redis-cli to another pod, authenticated (only when there is a password: an empty one would be sent as AUTH "").
peer_cli() (
    if [ -n "$AUTH" ]; then
        REDISCLI_AUTH=$AUTH
        export REDISCLI_AUTH
    fi
    with_timeout 1 redis-cli --no-auth-warning -h "$@" 2>&1
)

# The ordinal in a pod name of this resource (<name>-<ordinal>${suffix}); nothing for any other name.
ordinal_of() { printf '%s\\n' "$1" | ${ordOf}; }

# most WORDS…: the word that occurs most often (the first of a tie).
most() {
    best="" best_n=0
    for o in "$@"; do
        n=0
        for p in "$@"; do
            if [ "$p" = "$o" ]; then n=$((n + 1)); fi
        done
        if [ "$n" -gt "$best_n" ]; then best=$o best_n=$n; fi
    done
    echo "$best"
}

# Walks the other pods: MASTERS (ordinals reporting role:master), FOLLOWED (the ordinal each replica
# follows), SENTINEL_IPS (sentinel clients connected to them). Stops after ${PEER_MISSES} names in a row that do not resolve.
MASTERS="" FOLLOWED="" SENTINEL_IPS=""
survey_peers() {
    i=0 misses=0
    while [ "$misses" -lt ${PEER_MISSES} ] && [ "$i" -lt 64 ]; do
        if [ "$i" != "$ORDINAL" ]; then
            host=${prefix}\${i}${suffix}
            out=$(peer_cli "$host" info replication || true)
            case "$out" in
                *"not known"* | *"resolution"* | *"nodename nor servname"*) misses=$((misses + 1)) ;;
                *role:master*)
                    misses=0
                    MASTERS="$MASTERS $i"
                    ;;
                *role:slave*)
                    misses=0
                    m=$(ordinal_of "$(printf '%s\\n' "$out" | sed -n 's/^master_host:\\([^[:space:]]*\\).*/\\1/p')")
                    if [ -n "$m" ]; then FOLLOWED="$FOLLOWED $m"; fi
                    ;;
                *) misses=0 ;;
            esac
            case "$out" in
                *role:*)
                    for ip in $(peer_cli "$host" client list | sed -n 's/.* addr=\\([0-9.]*\\):[0-9]* .*name=sentinel-.*/\\1/p'); do
                        case " $SENTINEL_IPS " in *" $ip "*) ;; *) SENTINEL_IPS="$SENTINEL_IPS $ip" ;; esac
                    done
                    ;;
            esac
        fi
        i=$((i + 1))
    done
}

# The ordinal most answering sentinels name as master of ${SENTINEL_MASTER_NAME}; nothing when none answers.
sentinels_say() {
    said=""
    for ip in $SENTINEL_IPS; do
        addr=$(with_timeout 1 redis-cli -h "$ip" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${SENTINEL_MASTER_NAME} 2>/dev/null | head -n 1 || true)
        o=$(ordinal_of "$addr")
        if [ -n "$o" ]; then said="$said $o"; fi
    done
    if [ -n "$said" ]; then
        # shellcheck disable=SC2086
        o=$(most $said)
        log "sentinels name ordinal $o as master ($(echo $said | wc -w) of $(echo $SENTINEL_IPS | wc -w) answering)"
        echo "$o"
    fi
}

survey_peers
FROM="REDIS_MASTER_ORDINAL"
found=$(sentinels_say)
if [ -n "$found" ]; then
    FROM="the sentinels"
elif [ -n "$MASTERS" ]; then
    # Several masters (one came back on its own): the one most replicas follow wins; the bucket's breaks a tie.
    votes=""
    for f in $FOLLOWED; do
        case " $MASTERS " in *" $f "*) votes="$votes $f $f" ;; esac
    done
    case " $MASTERS " in *" $MASTER_ORDINAL "*) votes="$votes $MASTER_ORDINAL" ;; esac
    # shellcheck disable=SC2086
    found=$(most $MASTERS $votes)
    FROM="the pod that is master"
elif [ -n "$FOLLOWED" ]; then
    # shellcheck disable=SC2086
    found=$(most $FOLLOWED)
    FROM="the master the replicas follow"
fi
if [ -n "$found" ]; then
    if [ "$found" != "$MASTER_ORDINAL" ]; then log "master is ordinal $found by $FROM (REDIS_MASTER_ORDINAL=$MASTER_ORDINAL is behind)"; fi
    MASTER_ORDINAL=$found
fi

if [ "$ORDINAL" = "$MASTER_ORDINAL" ]; then
    log "starting as MASTER (ordinal=$ORDINAL, announce=$ANNOUNCE_HOST, by $FROM)"
    exec redis-server "$CONF" --replica-announce-ip "$ANNOUNCE_HOST"
fi

# The password reaches the master through masterauth in redis.conf, never the command line.
MASTER_HOST=${prefix}\${MASTER_ORDINAL}${suffix}
log "starting as REPLICA (ordinal=$ORDINAL, announce=$ANNOUNCE_HOST) of $MASTER_HOST:6379, by $FROM"
exec redis-server "$CONF" --replicaof "$MASTER_HOST" 6379 --replica-announce-ip "$ANNOUNCE_HOST"
`;
}
