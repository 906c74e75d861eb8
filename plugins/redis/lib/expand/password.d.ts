// Types for password.js.
export function generatePassword(): string;
export function resolvePassword(config: Record<string, string> | undefined): { password: string; isNew: boolean };
