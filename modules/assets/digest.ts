/** The one digest assets use everywhere: file digests, stamped digests, cache names. */
import { createHash } from 'node:crypto';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
