// The sentinel pods' entrypoint (bash, for /dev/tcp). At every start it
// writes the failover hook, works out who the master is, rewrites the
// bootstrap part of sentinel.conf and keeps what sentinel learned before
// (peers, replicas, epochs, its own id), then runs redis-server --sentinel.
//
// The master is, in order: what the other sentinels of this resource say
// (after a failover they know better than anything this pod was started
// with), else REDIS_MASTER_ORDINAL of the monitored bucket (env_from), else 0.
//
// Each sentinel announces its own voodu0 name, so peers know it by a name
// that survives a recreated container with a new IP, and keeps its id, so a
// restart is the same sentinel coming back rather than a new one (stale
// entries would inflate the count a failover needs a majority of).
import { SENTINEL_MASTER_NAME, SENTINEL_PORT, dnsSuffix } from '../ref.js';
import { HOOK_PATH, renderHook } from './hook.js';

export const SENTINEL_ENTRYPOINT_PATH = '/usr/local/bin/voodu-sentinel-entrypoint';
export const SENTINEL_STATE_DIR = '/var/lib/sentinel';
export const SENTINEL_CONF = `${SENTINEL_STATE_DIR}/sentinel.conf`;

/** Lines of a previous sentinel.conf that sentinel wrote itself and that must survive a restart. */
export const PRESERVED_PATTERN = '^sentinel (myid|known-sentinel|known-replica|config-epoch|leader-epoch|master-config-epoch)|^current-epoch';

const M = SENTINEL_MASTER_NAME;

/**
 * @param {string} scope the sentinel resource's scope
 * @param {string} name the sentinel resource's name
 */
export function renderSentinelEntrypoint(scope, name) {
  const ownPrefix = `${String(name).trim().toLowerCase()}-`;
  const ownSuffix = dnsSuffix(scope);
  return `#!/bin/bash
# voodu redis sentinel entrypoint for ${scope ? `${scope}/` : ''}${name}. Written by the voodu redis plugin on
# each apply; edits here are overwritten.
set -eu

log() { echo "voodu-sentinel: $*" >&2; }

# The hook must be executable, and asset files are mounted 0644: write it here.
cat > ${HOOK_PATH} <<'__VOODU_HOOK_END__'
${renderHook()}__VOODU_HOOK_END__
chmod +x ${HOOK_PATH}

: "\${VOODU_MONITOR_SCOPE:?missing VOODU_MONITOR_SCOPE (set by the plugin from sentinel.monitor)}"
: "\${VOODU_MONITOR_NAME:?missing VOODU_MONITOR_NAME (set by the plugin from sentinel.monitor)}"
: "\${VOODU_REDIS_REPLICAS:?missing VOODU_REDIS_REPLICAS (set by the plugin from replicas)}"

ORDINAL="\${VOODU_REPLICA_ORDINAL:-0}"
MASTER_ORDINAL="\${REDIS_MASTER_ORDINAL:-0}"
QUORUM=$(( VOODU_REDIS_REPLICAS / 2 + 1 ))
ANNOUNCE_HOST=${ownPrefix}\${ORDINAL}${ownSuffix}
if [ -z "$VOODU_MONITOR_SCOPE" ]; then
    MONITOR_PREFIX="\${VOODU_MONITOR_NAME}-" MONITOR_SUFFIX=".voodu"
else
    MONITOR_PREFIX="\${VOODU_MONITOR_NAME}-" MONITOR_SUFFIX=".\${VOODU_MONITOR_SCOPE}.voodu"
fi

# GET URL: 0 when the answer is 2xx (bash /dev/tcp, HTTP/1.0: redis images ship no HTTP client).
http_get() {
    local rest=\${1#http://} hostport path host port status
    hostport=\${rest%%/*}
    path=/\${rest#*/}
    [ "$hostport" = "$rest" ] && path=/
    host=\${hostport%%:*}
    port=\${hostport#*:}
    [ "$port" = "$hostport" ] && port=80
    # Braces: a bare exec would send the whole shell's stderr to /dev/null from here on.
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' "$path" "$host" >&3
    status=""
    read -r -t 5 status <&3 || true
    exec 3<&-
    [[ $status =~ ^HTTP/1\\.[01]\\ 2[0-9][0-9] ]]
}

# A typo in sentinel.monitor shows here at once, instead of as endless "master down" lines. Never fatal:
# the data redis may simply not be stored yet.
if [ -n "\${VOODU_CONTROLLER_URL:-}" ]; then
    if http_get "\${VOODU_CONTROLLER_URL%/}/describe?kind=statefulset&scope=\${VOODU_MONITOR_SCOPE}&name=\${VOODU_MONITOR_NAME}"; then
        log "preflight OK — monitor target \${VOODU_MONITOR_SCOPE}/\${VOODU_MONITOR_NAME} exists in the voodu store"
    else
        log "WARNING — monitor target \${VOODU_MONITOR_SCOPE}/\${VOODU_MONITOR_NAME} not found in the voodu store, or the controller is unreachable; check sentinel.monitor"
    fi
fi

# The master the other sentinels of this resource know, when any answers within 2 s.
ask_peer() {
    if command -v timeout >/dev/null 2>&1; then
        timeout 2 redis-cli -h "$1" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${M} 2>/dev/null | head -n 1
    else
        redis-cli -h "$1" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${M} 2>/dev/null | head -n 1
    fi
}
PEER_ORDINAL=""
for ((i = 0; i < VOODU_REDIS_REPLICAS; i++)); do
    [ "$i" = "$ORDINAL" ] && continue
    addr=$(ask_peer "${ownPrefix}\${i}${ownSuffix}" || true)
    case "$addr" in
        "$MONITOR_PREFIX"*"$MONITOR_SUFFIX")
            ord=\${addr#"$MONITOR_PREFIX"}
            ord=\${ord%"$MONITOR_SUFFIX"}
            if [[ $ord =~ ^[0-9]+$ ]]; then PEER_ORDINAL=$ord; break; fi
            ;;
    esac
done
if [ -n "$PEER_ORDINAL" ]; then
    [ "$PEER_ORDINAL" = "$MASTER_ORDINAL" ] || log "peer sentinels name ordinal $PEER_ORDINAL as master (REDIS_MASTER_ORDINAL=$MASTER_ORDINAL); following them"
    MASTER_ORDINAL=$PEER_ORDINAL
fi
MASTER_HOST="\${MONITOR_PREFIX}\${MASTER_ORDINAL}\${MONITOR_SUFFIX}"

CONF=${SENTINEL_CONF}
mkdir -p ${SENTINEL_STATE_DIR} /etc/sentinel/conf.d

# Rewrite the bootstrap lines at every start (a new plugin version takes effect without wiping the
# volume) and keep what sentinel discovered: a sentinel that starts while the master is down can
# still reach a quorum with the peers it knew.
PRESERVED=""
if [ -s "$CONF" ]; then
    PRESERVED=$(grep -E "${PRESERVED_PATTERN}" "$CONF" 2>/dev/null || true)
fi

cat > "$CONF" <<EOF
port ${SENTINEL_PORT}
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $ANNOUNCE_HOST
sentinel monitor ${M} $MASTER_HOST 6379 $QUORUM
sentinel down-after-milliseconds ${M} 5000
sentinel failover-timeout ${M} 30000
sentinel parallel-syncs ${M} 1
sentinel client-reconfig-script ${M} ${HOOK_PATH}
include /etc/sentinel/conf.d/*.conf
EOF

# The data redis's password, from its bucket through env_from.
if [ -n "\${REDIS_PASSWORD:-}" ]; then
    echo "sentinel auth-pass ${M} $REDIS_PASSWORD" >> "$CONF"
fi

if [ -n "$PRESERVED" ]; then
    echo "$PRESERVED" >> "$CONF"
    log "kept $(echo "$PRESERVED" | wc -l) lines of discovered state"
fi

log "monitoring \${VOODU_MONITOR_SCOPE}/\${VOODU_MONITOR_NAME}: master=$MASTER_HOST:6379 quorum=$QUORUM (sentinels=$VOODU_REDIS_REPLICAS, announce=$ANNOUNCE_HOST)"
# redis-server --sentinel: the redis-sentinel name is a symlink some images lack.
exec redis-server "$CONF" --sentinel
`;
}
