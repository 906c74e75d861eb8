// Types for size.js.
export function formatSize(bytes: number): string;
export function formatRate(bytes: number, seconds: number): string;
export function progressLine(p: { id: string; bytes: number; seconds: number; estimate?: number }): string;
