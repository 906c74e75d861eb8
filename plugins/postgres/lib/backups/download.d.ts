// Types for download.js.
export function isHttpUrl(text: unknown): boolean;
export function safeUrl(text: string): string;
export function downloadToFile(url: string, dest: string, opts?: { fetch?: typeof fetch; timeoutMs?: number }): Promise<number>;
export function tempDir(prefix?: string): Promise<{ dir: string; cleanup: () => Promise<void> }>;
