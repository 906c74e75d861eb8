/** Asking the operator before destructive work; never hangs a script. */
import { createInterface } from 'node:readline/promises';
import { CliError } from './client.js';

export function autoApproved(env: NodeJS.ProcessEnv, flag: unknown): boolean {
  return flag === true || /^(1|true|yes)$/i.test(env.VOODU_AUTO_APPROVE ?? '');
}

/**
 * y/N on a terminal. Without one, refuses with `refusal` (so a script has to
 * say -y out loud) rather than guessing.
 */
export async function confirm(question: string, refusal: string, stderr: NodeJS.WritableStream): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError(refusal);
  const rl = createInterface({ input: process.stdin, output: stderr });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
