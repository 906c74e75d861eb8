// 01_voodu_include_conf.sh: run once by docker-entrypoint.sh when it
// initialises a new cluster, after initdb wrote postgresql.conf and before
// the real server starts. It adds the include lines there, so pg_config,
// the streaming settings (wal_log_hints, listen_addresses) and the runtime
// file apply from the very first start — the entrypoint alone could only
// add them on the next boot, the file not existing yet when it runs.
// Sourced like every non-executable init script: hence the subshell.
import { includeConfFunction } from './conf-include.js';

export function renderInitInclude() {
  return `#!/usr/bin/env bash
# voodu postgres: postgresql.conf reads the plugin's settings from the first start.
# Written by the voodu postgres plugin; edits here are overwritten.
(
    set -euo pipefail
${indent(includeConfFunction(), 4)}
    voodu_include_conf "\${PGDATA:?PGDATA is not set}/postgresql.conf"
    echo "voodu-postgres: postgresql.conf includes the plugin's settings" >&2
)
`;
}

const indent = (text, n) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');
