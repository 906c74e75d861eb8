/**
 * The CLI's side of `POST /releases/run` (its protocol is described in
 * modules/release/contract.ts): which applied manifests `voodu apply`
 * releases, and how a release stream is copied to the terminal and read for
 * its outcome. `voodu apply` and `voodu release run` both use it.
 */
import { BANNER } from '../modules/release/contract.js';

/** A last banner that means the release is done and fine: it succeeded, or it had already. */
const TERMINAL_OK = /^Release (skipped:|\S+ succeeded)/;

/** Whether `voodu apply` runs `/releases/run` for an applied manifest: a deployment whose release {} has a command. */
export function wantsRelease(m: { kind: string; spec?: Record<string, unknown> | undefined }): boolean {
  if (m.kind !== 'deployment') return false;
  const release = m.spec?.release as Record<string, unknown> | undefined;
  return ['pre_command', 'command', 'post_command'].some((k) => Array.isArray(release?.[k]) && (release![k] as unknown[]).length > 0);
}

/**
 * Copies a `/releases/run` body to `write` as it arrives; `ok` when the last
 * banner says the release succeeded or was skipped. A stream that ends
 * without such a banner (controller gone mid-release) is not ok.
 */
export async function followReleaseStream(body: AsyncIterable<Uint8Array> | null, write: (text: string) => void): Promise<{ ok: boolean; last?: string }> {
  let last: string | undefined;
  let partial = '';
  const decoder = new TextDecoder();
  const scan = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith(BANNER)) last = line;
  };
  for await (const chunk of body ?? []) {
    const text = decoder.decode(chunk, { stream: true });
    write(text);
    scan(text);
  }
  const rest = decoder.decode();
  if (rest) write(rest);
  scan(rest + '\n');
  return { ok: last !== undefined && TERMINAL_OK.test(last.slice(BANNER.length)), ...(last !== undefined ? { last } : {}) };
}
