// The lines that make a data directory's postgresql.conf read the plugin's
// files: `include_dir` of /etc/postgresql/conf.d (streaming settings, then
// pg_config) and `include_if_exists` of the pod's voodu-runtime.conf, in
// that order, each added once. One bash function, used both by the initdb
// script (so a new cluster has them before its first real start) and by
// the entrypoint on every boot (data directories made some other way).
import { CONF_DIR, RUNTIME_CONF } from './paths.js';

export const INCLUDE_DIR_LINE = `include_dir = '${CONF_DIR}'`;
export const INCLUDE_RUNTIME_LINE = `include_if_exists = '${RUNTIME_CONF}'`;

/**
 * `voodu_include_conf FILE` in bash. The file is rewritten in place (cat
 * into it, never a rename), so its owner and mode stay postgres's even when
 * root runs this.
 */
export function includeConfFunction() {
  return `# voodu_include_conf FILE: FILE reads ${CONF_DIR} and then ${RUNTIME_CONF}; idempotent.
voodu_include_conf() {
    local conf=$1
    # An older layout's relative include_dir = 'conf.d' is commented out: the absolute one below replaces it.
    if grep -Eq "^[[:space:]]*include_dir[[:space:]]*=[[:space:]]*'conf\\.d'" "$conf"; then
        sed -E "s/^([[:space:]]*include_dir[[:space:]]*=[[:space:]]*'conf\\.d'.*)$/# \\1  # voodu: replaced by ${CONF_DIR.replace(/\//g, '\\/')}/" "$conf" >"$conf.voodu-tmp"
        cat "$conf.voodu-tmp" >"$conf"
        rm -f "$conf.voodu-tmp"
    fi
    if ! grep -Fqx "${INCLUDE_DIR_LINE}" "$conf"; then
        printf '\\n# Added by voodu: the plugin settings and pg_config, then this pod runtime settings.\\n%s\\n' "${INCLUDE_DIR_LINE}" >>"$conf"
    fi
    if ! grep -Fqx "${INCLUDE_RUNTIME_LINE}" "$conf"; then
        printf '%s\\n' "${INCLUDE_RUNTIME_LINE}" >>"$conf"
    fi
}`;
}
