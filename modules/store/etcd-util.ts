/** Small helpers the etcd store, watch and lease share. */

export const encode = (s: string) => Buffer.from(s, 'utf8');

/** etcd's range end for "every key starting with prefix". */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff (or empty): the range runs to the end of the keyspace.
  return Buffer.from([0]);
}
