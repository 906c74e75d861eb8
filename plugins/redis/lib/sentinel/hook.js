// The sentinels' client-reconfig-script. Sentinel runs it when a failover
// starts (on the leader) and when it ends (on the others), with
//   <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>
// where to-ip is the new master's voodu0 name (the data pods announce their
// names). It tells the controller through the pod's own
// VOODU_CONTROLLER_URL (http://<voodu0 gateway>:<port>/pod/<token>): a POST
// of `redis:failover <scope>/<name> --replica <N> --no-restart`, which
// records REDIS_MASTER_ORDINAL and refreshes linked consumers' URLs without
// rolling the redis pods (the roles already moved inside Redis).
//
// bash for /dev/tcp (redis images ship no HTTP client); HTTP/1.0 so the
// answer ends with the connection; never exits non-zero, since sentinel
// would only re-run it and a failover is not undone by its failure.

export const HOOK_PATH = '/usr/local/bin/voodu-sentinel-failover-hook';

export function renderHook() {
  return `#!/bin/bash
# voodu redis sentinel failover hook (client-reconfig-script). Written by the
# voodu redis plugin's sentinel entrypoint at every start; edits are lost.
set -u

# Sentinel's children have no useful stderr: write to PID 1's, which docker logs shows.
LOG_TO="\${VOODU_SENTINEL_HOOK_LOG:-/proc/1/fd/2}"
log() {
    { echo "voodu-sentinel-hook: $*" >> "$LOG_TO"; } 2>/dev/null || echo "voodu-sentinel-hook: $*" >&2
}

MASTER_NAME="\${1:-?}" ROLE="\${2:-?}" STATE="\${3:-?}"
FROM_IP="\${4:-?}" FROM_PORT="\${5:-?}" TO_IP="\${6:-?}" TO_PORT="\${7:-?}"
log "master=$MASTER_NAME role=$ROLE state=$STATE from=$FROM_IP:$FROM_PORT to=$TO_IP:$TO_PORT"

# start: the leader picked the replica to promote; end: an observer saw the switch. Both name the new master.
case "$STATE" in start | end) ;; *) exit 0 ;; esac

if [ -z "\${VOODU_CONTROLLER_URL:-}" ]; then
    log "VOODU_CONTROLLER_URL is not set: the store will be stale (REDIS_MASTER_ORDINAL not updated) until \\\`voodu redis:failover\\\` is run"
    exit 0
fi

NEW_ORDINAL=$(printf '%s' "$TO_IP" | sed -nE 's/^[a-z0-9-]+-([0-9]+)\\..*/\\1/p')
if [ -z "$NEW_ORDINAL" ]; then
    log "no ordinal in to-ip=$TO_IP (expected <name>-<ordinal>.<scope>.voodu): store NOT updated"
    exit 0
fi

# POST URL BODY: 0 when the answer is 2xx.
http_post() {
    local rest=\${1#http://} body=$2 hostport path host port status
    hostport=\${rest%%/*}
    path=/\${rest#*/}
    [ "$hostport" = "$rest" ] && path=/
    host=\${hostport%%:*}
    port=\${hostport#*:}
    [ "$port" = "$hostport" ] && port=80
    # Braces: a bare exec would send the whole shell's stderr to /dev/null from here on.
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
    printf 'POST %s HTTP/1.0\\r\\nHost: %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n%s' "$path" "$host" "\${#body}" "$body" >&3
    status=""
    read -r -t 20 status <&3
    exec 3<&-
    log "answer: \${status%$'\\r'}"
    [[ $status =~ ^HTTP/1\\.[01]\\ 2[0-9][0-9] ]]
}

TARGET="\${VOODU_MONITOR_SCOPE}/\${VOODU_MONITOR_NAME}"
BODY=$(printf '{"args":["%s","--replica","%s","--no-restart"]}' "$TARGET" "$NEW_ORDINAL")
WAIT=1
for ATTEMPT in 1 2 3 4 5; do
    if http_post "\${VOODU_CONTROLLER_URL%/}/plugin/redis/failover" "$BODY"; then
        log "recorded master ordinal $NEW_ORDINAL for $TARGET"
        exit 0
    fi
    log "attempt $ATTEMPT of 5 failed; next in \${WAIT}s"
    sleep "$WAIT"
    WAIT=$((WAIT * 2))
done
log "gave up after 5 attempts: the store still has the old master ordinal for $TARGET (run \\\`voodu redis:failover $TARGET --replica $NEW_ORDINAL --no-restart\\\`)"
exit 0
`;
}
