/**
 * Pod references on the command line:
 * `<scope>-<name>.<replica>` (a container name), `<scope>/<name>.<replica>`
 * (the replica is what follows the last '.'), `<scope>/<name>` and
 * `<scope>`. CLI side only: imports nothing from the daemon.
 */
import { CliError, type ControllerClient } from '../../cli/client.js';
import type { Pod } from './contract.js';

export type PodRef = { pod: string } | { scope: string; name?: string };

/** The pod record the controller answers (JSON of the pods contract's `Pod`). */
export type WirePod = Pod;

export function parsePodRef(ref: string | undefined): PodRef {
  const text = ref ?? '';
  const bad = () =>
    new CliError(`"${text}" is not a pod reference; use <scope>, <scope>/<name>, <scope>/<name>.<replica> or a container name (prod-api.a1b2)`);
  if (!text || /\s/.test(text) || text.startsWith('.')) throw bad();
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw bad();
  if (parts.length === 1) return text.includes('.') ? { pod: text } : { scope: text };
  const [scope, rest] = parts as [string, string];
  const dot = rest.lastIndexOf('.');
  if (dot < 0) return { scope, name: rest };
  if (dot === 0 || dot === rest.length - 1) throw bad();
  return { pod: `${scope}-${rest.slice(0, dot)}.${rest.slice(dot + 1)}` };
}

export const describeRef = (r: PodRef) => ('pod' in r ? r.pod : r.name ? `${r.scope}/${r.name}` : r.scope);

export function listPods(client: ControllerClient, filter: { kind?: string; scope?: string; name?: string }): Promise<WirePod[]> {
  return client.data<WirePod[]>('GET', '/pods', { query: filter });
}

/**
 * The pods a verb acts on: the one named, or every pod of the resource.
 * Only a resource's own replicas, not its init or release containers.
 */
export async function targetPods(client: ControllerClient, ref: PodRef): Promise<string[]> {
  if ('pod' in ref) return [ref.pod];
  const pods = (await listPods(client, ref)).filter((p) => p.role === p.kind);
  if (pods.length === 0) throw new CliError(`no pods match "${describeRef(ref)}"`);
  return pods.map((p) => p.name);
}
