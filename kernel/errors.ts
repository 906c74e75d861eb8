/**
 * What the kernel itself throws: a module config that cannot boot. The
 * errors modules share (validation, not found, …) live in lib/errors.ts;
 * the kernel knows none of them.
 */
export class KernelError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable code: `kernel_error`, `module_start_failed`, `missing_service`. */
    readonly code = 'kernel_error',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
