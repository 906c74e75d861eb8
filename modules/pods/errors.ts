/** Errors of the pods endpoints that the kernel has no class for. */
import { VooduError } from '../../lib/errors.js';

/** The thing existed and is gone for good (a pod's manifest was deleted). → 410 */
export class GoneError extends VooduError {
  override readonly status = 410;
  override readonly code = 'gone';
}
