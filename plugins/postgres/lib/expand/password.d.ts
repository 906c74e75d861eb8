// Types for password.js.
import type { PgSpec } from './spec.js';
export interface Passwords {
  password: string;
  passwordIsNew: boolean;
  passwordFromHcl: boolean;
  replicationPassword: string;
  replicationIsNew: boolean;
}
export function generatePassword(): string;
export function resolvePasswords(pg: Pick<PgSpec, 'password'>, config: Record<string, string> | undefined, operatorEnv?: Record<string, unknown>): Passwords;
export function bucketActions(req: { scope: string; name: string; config: Record<string, string> }, pw: Passwords): Record<string, any>[];
