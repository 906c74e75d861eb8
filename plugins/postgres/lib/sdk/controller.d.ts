// Types for controller.js.
export const TIMEOUT_MS: number;
export class ControllerError extends Error {
  status?: number;
  constructor(message: string, status?: number);
}
export interface ControllerClient {
  get(route: string): Promise<any>;
  post(route: string, body?: unknown): Promise<any>;
  delete(route: string): Promise<any>;
  fetchSpec(kind: string, scope: string, name: string): Promise<Record<string, any>>;
  fetchConfig(scope: string, name: string, opts?: { merge?: boolean }): Promise<Record<string, string>>;
}
export function createClient(baseUrl: string | undefined, opts?: { timeoutMs?: number; fetch?: typeof fetch }): ControllerClient;
