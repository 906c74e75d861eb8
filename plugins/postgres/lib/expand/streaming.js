// voodu-50-streaming.conf: what every pod needs for streaming replication,
// the same bytes for the primary and each standby (which pod is which is
// decided at boot by the entrypoint, and primary_conninfo lives in the
// pod's own voodu-runtime.conf) — so promoting a standby changes no asset.

/** The directives, in file order. */
export const STREAMING_SETTINGS = Object.freeze([
  // Standbys and clients reach the pod over voodu0; the published port stays on loopback unless exposed.
  ['listen_addresses', "'*'"],
  ['wal_level', 'replica'],
  ['max_wal_senders', '10'],
  // WAL kept for a standby that falls behind (or restarts) before it needs a fresh base backup.
  ['wal_keep_size', "'1GB'"],
  // A standby can serve reads.
  ['hot_standby', 'on'],
  // pg_rewind (pg:rejoin) refuses a data directory that ran without it; it takes effect from the first boot.
  ['wal_log_hints', 'on'],
]);

export function renderStreamingConf() {
  return `# Streaming replication settings of every pod of a voodu postgres resource.
# Written by the voodu postgres plugin; set a key in pg_config (voodu-99-overrides.conf) to change it.
${STREAMING_SETTINGS.map(([k, v]) => `${k} = ${v}`).join('\n')}
`;
}
