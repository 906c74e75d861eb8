/**
 * One plugin invocation's view of the controller: the env it runs with and
 * a capability URL (`controller_url`, `VOODU_CONTROLLER_URL`) minted for
 * this run alone. The URL dies when the run ends or its deadline passes; the
 * API token itself never reaches a plugin. See docs/security.md.
 */
import type { Api } from '../api/contract.js';

export interface PluginSession {
  env: Record<string, string>;
  /** `http://127.0.0.1:<port>/cap/<token>`; absent before the API listens. */
  controllerUrl?: string;
  /** Revokes the capability; call when the subprocess is gone. */
  close(): void;
}

/** Opens a session for `plugin` (its canonical name) that lives at most `timeoutMs` (plus a grace for the kill). */
export type OpenSession = (plugin: string, timeoutMs: number) => PluginSession;

/** After a timeout the runner still needs a moment to kill the process group. */
const KILL_GRACE_MS = 5_000;

export function sessionOpener(api: Api, baseEnv: () => Record<string, string>): OpenSession {
  return (plugin, timeoutMs) => {
    let cap: ReturnType<Api['mintPluginCapability']> | undefined;
    try {
      cap = api.mintPluginCapability(plugin, timeoutMs + KILL_GRACE_MS);
    } catch {
      cap = undefined; // not listening yet (an expansion during boot): no callback possible
    }
    return {
      env: { ...baseEnv(), ...(cap ? { VOODU_CONTROLLER_URL: cap.url } : {}) },
      ...(cap ? { controllerUrl: cap.url } : {}),
      close: () => cap?.revoke(),
    };
  };
}
