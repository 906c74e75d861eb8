// Sizes and rates as the backup commands print them (1024-based, one
// decimal from KB up), and the progress line of a followed capture.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** `0 B`, `512 B`, `1.0 KB`, `245.3 MB`, `1.5 GB`, `2.0 TB`. */
export function formatSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 1024) return `${Number.isFinite(n) && n > 0 ? Math.floor(n) : 0} B`;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `38.2 MB/s` (MiB per second, like the sizes); `-` when no time passed. */
export function formatRate(bytes, seconds) {
  if (!(seconds > 0)) return '-';
  return `${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`;
}

/**
 * One progress line of a followed capture: what pg_dump has written so far,
 * against the database's size when known. pg_dump compresses, so the share
 * is only a rough guide; past 200 % it says nothing useful and is left out.
 * @param {{id: string, bytes: number, seconds: number, estimate?: number}} p
 */
export function progressLine({ id, bytes, seconds, estimate }) {
  const written = bytes > 0 ? `${formatSize(bytes)} written` : 'starting (nothing written yet)';
  let of = '';
  if (estimate > 0) {
    const pct = (bytes / estimate) * 100;
    of = pct <= 200 ? ` of a ${formatSize(estimate)} database (~${pct.toFixed(0)}%, compressed)` : ` (database ${formatSize(estimate)})`;
  }
  const rate = bytes > 0 && seconds > 0 ? `, ${formatRate(bytes, seconds)}` : '';
  return `backup ${id}: ${written}${of}${rate}, ${Math.round(seconds)} s`;
}
