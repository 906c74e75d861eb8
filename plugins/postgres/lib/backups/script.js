// The bash script a backup container runs, and the job / cronjob that run
// it. Both run on the cluster's own image (it has pg_dump, psql and bash),
// on voodu0, with the cluster's host backups directory at /backups.
//
// The password never sits in a stored manifest: the container's env comes
// from `env_from = ["<name>"]`, which is the env file voodu writes for the
// postgres statefulset itself (manifest env < scope bucket < app bucket).
// That file carries POSTGRES_PASSWORD — from the bucket, or the HCL block's
// password baked into the spec env — and PG_PRIMARY_ORDINAL, BACKUP_KEEP,
// BACKUP_MAX_AGE, PG_PORT, POSTGRES_USER, POSTGRES_DB, as the pods see them
// now. The script exports PGPASSWORD from it, so the secret is in neither
// argv nor the manifest.
//
// What the script does: pick the id (capture: given; schedule: the next
// after every file in /backups), pick the source (capture: given; schedule:
// PG_PRIMARY_ORDINAL at run time, checked with pg_is_in_recovery, else
// every pod in turn — so it follows a promote), pg_dump -F c -Z 6 into
// `.<file>.partial`, rename it into place only when pg_dump succeeded (a
// failed dump leaves nothing), then apply retention to the files.
import { BACKUPS_MOUNT, dnsSuffix, formatRef } from '../ref.js';
import { BACKUP_ID_LABEL, BACKUP_LABEL, cronjobName, formatId, jobName, parseFilename } from './names.js';

/** `'…'` for bash: nothing inside is expanded. */
export const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * @typedef {object} ScriptOptions
 * @property {string} ref                 scope/name, for messages
 * @property {string} name                the cluster's name (env_from, messages)
 * @property {string} hostPrefix          `<name>-` lowercased: pod N is `<hostPrefix>N<suffix>`
 * @property {string} suffix              `.<scope>.voodu`
 * @property {number} replicas            pods to try when the recorded primary is not one
 * @property {string} user
 * @property {string} db
 * @property {number} port
 * @property {string} [filename]          fixed file (capture); absent: the next id at run time (schedule)
 * @property {number} [ordinal]           fixed source pod; absent: the primary at run time
 * @property {number | null} keep         baked count (0 = none), or null: BACKUP_KEEP at run time
 * @property {number | null} maxAgeS      baked seconds (0 = none), or null: BACKUP_MAX_AGE at run time
 * @property {boolean} [envOverrides]     PG_PORT / POSTGRES_USER / POSTGRES_DB of the env win over the baked ones (schedule)
 * @property {string} [dir]               default /backups
 */

/** @param {ScriptOptions} o */
export function dumpScript(o) {
  const dir = o.dir ?? BACKUPS_MOUNT;
  const L = [];
  L.push(
    '# voodu-postgres backup: pg_dump -F c -Z 6 into a partial file, renamed when whole; then retention.',
    'set -uo pipefail',
    'shopt -s nullglob',
    `dir=${shq(dir)}`,
    'say() { echo "voodu-postgres: $*"; }',
    'die() { echo "voodu-postgres: $1" >&2; exit "$2"; }',
  );
  if (o.filename) {
    L.push(`file=${shq(o.filename)}`, 'id=${file%%-*}');
  } else {
    L.push(
      '# The next id after every backup here (a partial one too): ids are never reused.',
      'max=0',
      'for f in "$dir"/b*.dump "$dir"/.b*.dump.partial; do',
      '  n=${f##*/}; n=${n#.}; n=${n%%-*}; n=${n#b}',
      '  if [[ $n =~ ^[0-9]+$ ]] && (( 10#$n > max )); then max=$((10#$n)); fi',
      'done',
      "printf -v id 'b%03d' $((max + 1))",
      'file="$id-$(date -u +%Y%m%dT%H%M%SZ).dump"',
    );
  }
  L.push(`say "backup $id of ${o.ref} -> $dir/$file"`);
  L.push(
    '[ -n "${POSTGRES_PASSWORD:-}" ] || die ' +
      shq(`no POSTGRES_PASSWORD in this container's env: it comes from the env file of ${o.ref} (env_from "${o.name}"); apply the postgres block so the statefulset writes it, or set it with voodu config set`) +
      ' 2',
    'export PGPASSWORD="$POSTGRES_PASSWORD"',
  );
  if (o.envOverrides) {
    L.push(`port=\${PG_PORT:-${o.port}}`, `user=\${POSTGRES_USER:-${shq(o.user)}}`, `db=\${POSTGRES_DB:-${shq(o.db)}}`);
  } else {
    L.push(`port=${o.port}`, `user=${shq(o.user)}`, `db=${shq(o.db)}`);
  }
  if (o.ordinal !== undefined) {
    L.push(`host=${shq(`${o.hostPrefix}${o.ordinal}${o.suffix}`)}`);
  } else {
    L.push(
      '# The primary as of now: PG_PRIMARY_ORDINAL (so a promote is followed), checked; else every pod in turn.',
      'primary=${PG_PRIMARY_ORDINAL:-0}',
      'candidates=("$primary")',
      `for ((o = 0; o < ${o.replicas}; o++)); do [ "$o" = "$primary" ] || candidates+=("$o"); done`,
      'host=',
      'for o in "${candidates[@]}"; do',
      `  h=${shq(o.hostPrefix)}"$o"${shq(o.suffix)}`,
      "  r=$(psql -h \"$h\" -p \"$port\" -U \"$user\" -d \"$db\" -XAtq -c 'SELECT pg_is_in_recovery()' 2>/dev/null) || continue",
      '  if [ "$r" = f ]; then host=$h; break; fi',
      'done',
      `[ -n "$host" ] || die "no pod of ${o.ref} answers as a primary (tried ordinals \${candidates[*]}); see voodu pg:info ${o.ref}" 3`,
    );
  }
  L.push(
    'partial="$dir/.$file.partial"',
    'start=$(date +%s)',
    'say "pg_dump of $db from $host:$port as $user"',
    'pg_dump -h "$host" -p "$port" -U "$user" -d "$db" -F c -Z 6 -f "$partial" || { rc=$?; rm -f "$partial"; die "pg_dump failed (exit $rc); no file kept" "$rc"; }',
    'mv -f "$partial" "$dir/$file" || { rc=$?; rm -f "$partial"; die "could not rename the dump into $dir/$file" "$rc"; }',
    'size=$(wc -c < "$dir/$file")',
    'say "backup $id complete: $file, $size bytes in $(( $(date +%s) - start )) s"',
  );
  // Retention: baked numbers, or the env's BACKUP_KEEP / BACKUP_MAX_AGE read like lib/backups/retention.js reads them.
  if (o.keep === null) {
    L.push('keep=${BACKUP_KEEP:-0}', 'if ! [[ $keep =~ ^[0-9]+$ ]]; then say "BACKUP_KEEP=$keep is not a count; that axis is ignored"; keep=0; fi');
  } else {
    L.push(`keep=${Number(o.keep) || 0}`);
  }
  if (o.maxAgeS === null) {
    L.push(
      'seconds_of() {',
      '  local s=$1 total=0 n',
      '  [ "$s" = 0 ] && { echo 0; return 0; }',
      '  [ -n "$s" ] || return 1',
      '  while [ -n "$s" ]; do',
      '    [[ $s =~ ^([0-9]+)([smhdw])(.*)$ ]] || return 1',
      '    n=$((10#${BASH_REMATCH[1]}))',
      '    case ${BASH_REMATCH[2]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; d) n=$((n * 86400)) ;; w) n=$((n * 604800)) ;; esac',
      '    total=$((total + n)); s=${BASH_REMATCH[3]}',
      '  done',
      '  echo "$total"',
      '}',
      'max_age=0',
      'if [ -n "${BACKUP_MAX_AGE:-}" ]; then max_age=$(seconds_of "$BACKUP_MAX_AGE") || { say "BACKUP_MAX_AGE=$BACKUP_MAX_AGE is not a duration (e.g. 7d, 2w, 36h); that axis is ignored"; max_age=0; }; fi',
    );
  } else {
    L.push(`max_age=${Number(o.maxAgeS) || 0}`);
  }
  L.push(
    '# Newest first by the time in the name (then the number); a file goes when its rank passes keep or it is older than max_age.',
    'if [ "$keep" -gt 0 ] || [ "$max_age" -gt 0 ]; then',
    '  cutoff=',
    '  [ "$max_age" -gt 0 ] && cutoff=$(date -u -d "@$(( $(date +%s) - max_age ))" +%Y%m%dT%H%M%SZ)',
    '  rank=0',
    '  while read -r ts num f; do',
    '    rank=$((rank + 1))',
    '    if { [ "$keep" -gt 0 ] && [ "$rank" -gt "$keep" ]; } || { [ -n "$cutoff" ] && [[ $ts < $cutoff ]]; }; then',
    '      rm -f -- "$dir/$f" && say "retention: removed $f"',
    '    fi',
    '  done < <(for f in "$dir"/b*.dump; do f=${f##*/}; [[ $f =~ ^b([0-9]+)-([0-9]{8}T[0-9]{6}Z)\\.dump$ ]] && printf \'%s %010d %s\\n\' "${BASH_REMATCH[2]}" "$((10#${BASH_REMATCH[1]}))" "$f"; done | sort -r)',
    'fi',
    'exit 0',
  );
  return `${L.join('\n')}\n`;
}

/** voodu names are at most 63 characters; the job and cronjob names add to the cluster's. */
function checkName(what, name, ref) {
  if (name.length > 63) throw new Error(`postgres ${ref}: the ${what} name ${name} is ${name.length} characters, over voodu's 63; give the cluster a shorter name to back it up with these commands`);
  return name;
}

/** What every backup container shares: the cluster's image, its env, voodu0, /backups. */
function containerSpec(cluster, hostDir, script, labels) {
  if (!cluster.image) throw new Error(`postgres ${cluster.ref}: its statefulset has no image; re-apply the postgres block`);
  return {
    image: cluster.image,
    command: ['bash', '-c', script],
    env_from: [cluster.name],
    volumes: [`${hostDir}:${BACKUPS_MOUNT}:rw`],
    labels,
  };
}

const common = (cluster) => ({
  ref: cluster.ref,
  name: cluster.name,
  hostPrefix: `${String(cluster.name).toLowerCase()}-`,
  suffix: dnsSuffix(cluster.scope),
  replicas: cluster.replicas,
  user: cluster.user,
  db: cluster.db,
  port: cluster.port,
});

/**
 * The job one capture runs: `<name>.bk.bNNN`, labelled voodu.role=backup.
 * @param {import('../resource.js').Cluster} cluster
 * @param {{filename: string, ordinal: number, policy: {keep: number, maxAgeMs: number}, hostDir: string}} o
 */
export function captureJob(cluster, o) {
  const parsed = parseFilename(o.filename);
  if (!parsed) throw new Error(`backup file name ${o.filename}: not bNNN-YYYYMMDDTHHMMSSZ.dump`);
  const script = dumpScript({ ...common(cluster), filename: o.filename, ordinal: o.ordinal, keep: o.policy.keep, maxAgeS: Math.floor(o.policy.maxAgeMs / 1000) });
  return {
    kind: 'job',
    scope: cluster.scope,
    name: checkName('job', jobName(cluster.name, parsed.number), cluster.ref),
    spec: {
      ...containerSpec(cluster, o.hostDir, script, { 'voodu.role': 'backup', [BACKUP_LABEL]: formatRef(cluster.scope, cluster.name), [BACKUP_ID_LABEL]: formatId(parsed.number) }),
      successful_history_limit: 1,
      failed_history_limit: 1,
    },
  };
}

/**
 * The cronjob `backups:schedule` makes: `<name>-backup`, Forbid (a slow dump
 * is never doubled). Retention axes not given as flags are read from the
 * env at run time (BACKUP_KEEP, BACKUP_MAX_AGE of the bucket).
 * Its runs keep voodu.role = cronjob, so the cronjob's history limits clean them up.
 * @param {import('../resource.js').Cluster} cluster
 * @param {{schedule: string, ordinal?: number, keep?: number, maxAgeMs?: number, hostDir: string}} o
 */
export function scheduleCronjob(cluster, o) {
  const script = dumpScript({
    ...common(cluster),
    ...(o.ordinal !== undefined ? { ordinal: o.ordinal } : {}),
    keep: o.keep ?? null,
    maxAgeS: o.maxAgeMs !== undefined ? Math.floor(o.maxAgeMs / 1000) : null,
    envOverrides: true,
  });
  return {
    kind: 'cronjob',
    scope: cluster.scope,
    name: checkName('cronjob', cronjobName(cluster.name), cluster.ref),
    spec: {
      schedule: o.schedule,
      concurrency_policy: 'Forbid',
      job: containerSpec(cluster, o.hostDir, script, { [BACKUP_LABEL]: formatRef(cluster.scope, cluster.name) }),
    },
  };
}

/** `"…"` for HCL: backslash, quote and the two template openers escaped. */
export function hclString(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{')}"`;
}

/** A heredoc body line: only the template openers need escaping there. */
const heredocLine = (s) => s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');

/**
 * The cronjob as an HCL block (the job's fields next to `schedule`, as a
 * voodu file writes them); `voodu apply -f` of it stores what --apply does.
 */
export function cronjobHcl(manifest, comment = []) {
  const { schedule, concurrency_policy: policy, job } = manifest.spec;
  const [cmd0, cmd1, script] = job.command;
  const lines = [
    ...comment.map((c) => `# ${c}`),
    `cronjob ${hclString(manifest.scope)} ${hclString(manifest.name)} {`,
    `  schedule           = ${hclString(schedule)}`,
    `  concurrency_policy = ${hclString(policy)}`,
    `  image              = ${hclString(job.image)}`,
    `  env_from           = [${job.env_from.map(hclString).join(', ')}]`,
    `  volumes            = [${job.volumes.map(hclString).join(', ')}]`,
    `  labels             = { ${Object.entries(job.labels).map(([k, v]) => `${hclString(k)} = ${hclString(v)}`).join(', ')} }`,
    `  command = [${hclString(cmd0)}, ${hclString(cmd1)}, <<-EOT`,
    ...String(script).replace(/\n$/, '').split('\n').map((l) => (l ? `    ${heredocLine(l)}` : '')),
    '    EOT',
    '  ]',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
