/**
 * CPU and memory limits in the Kubernetes-like notation the reference
 * accepts (its k8svalues package), and docker's log sizes. The reference
 * parses the first two only at reconcile; we check them at the edge (the
 * CLI and /apply refuse a bad value before anything is stored) and export
 * the parsers for the runtime.
 */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const MILLI = /^\d+m$/;
const MEMORY = /^((?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|K|M|G|T)$/;
const MEMORY_UNITS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
/** docker's units.RAMInBytes, which the json-file log driver uses for max-size. */
const LOG_SIZE = /^\d+(?:\.\d+)?\s?[kKmMgGtTpP]?[iI]?[bB]?$/;

/** `--cpus` value: "2" and "1.5" as written, "500m" → "0.5"; "" → ""; undefined when invalid. */
export function parseCpu(text: string): string | undefined {
  const s = text.trim();
  if (s === '') return '';
  if (MILLI.test(s)) return String(Number(s.slice(0, -1)) / 1000);
  return DECIMAL.test(s) ? s : undefined;
}

/** Bytes for `--memory`; "" → 0; undefined when invalid. Fractions of a byte are truncated, as Go does. */
export function parseMemoryBytes(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return 0;
  if (/^\d+$/.test(s)) return Number(s);
  const m = MEMORY.exec(s);
  return m ? Math.trunc(Number(m[1]) * MEMORY_UNITS[m[2]!]!) : undefined;
}

export function cpuProblem(text: string): string | undefined {
  return parseCpu(text) === undefined
    ? `${JSON.stringify(text)} is not a CPU amount; use a decimal number of cores (2, 1.5) or millicores (500m)`
    : undefined;
}

export function memoryProblem(text: string): string | undefined {
  return parseMemoryBytes(text) === undefined
    ? `${JSON.stringify(text)} is not a size; use bytes or a number with Ki, Mi, Gi, Ti, K, M, G or T`
    : undefined;
}

export function logSizeProblem(text: string): string | undefined {
  return LOG_SIZE.test(text) ? undefined : `${JSON.stringify(text)} is not a size; use a number with an optional unit k, m or g (e.g. 10m)`;
}
