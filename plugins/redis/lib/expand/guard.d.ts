// Types for guard.js.
export function checkScaleDown(req: { scope?: string; name: string; config?: Record<string, string> }, merged: Record<string, unknown>): void;
