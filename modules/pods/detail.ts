/**
 * One pod, looked up by container name, with what `docker inspect` adds to
 * the listing. The container must be voodu's: the controller does not
 * answer for (or act on) other containers on the host. Env values can hold
 * secrets, so only the keys are shown unless `show_env=true` asks for them.
 */
import { NotFoundError } from '../../lib/errors.js';
import type { ContainerDetails, Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { Pod } from './contract.js';
import { isVoodu } from './identity.js';
import { toPods } from './listing.js';

export interface PodDetail extends Pod {
  restart_count: number;
  exit_code: number;
  finished_at?: string;
  labels: Record<string, string>;
  networks: ContainerDetails['networks'];
  mounts: ContainerDetails['mounts'];
  ports: ContainerDetails['ports'];
  env_keys: string[];
  /** `KEY=VALUE` lines, only with `show_env=true`. */
  env?: string[];
}

/** The container behind a pod name; 404 when it is missing or not voodu's. */
export async function vooduContainer(runtime: Runtime, name: string): Promise<ContainerDetails> {
  const details = await runtime.inspect(name);
  if (!details || !isVoodu(details)) throw new NotFoundError(`no voodu pod named "${name}" (voodu pods carry the label createdby=voodu)`);
  return details;
}

export async function podDetail(runtime: Runtime, store: Store, name: string, showEnv: boolean): Promise<PodDetail> {
  const d = await vooduContainer(runtime, name);
  const [pod] = await toPods(store, [d]);
  return {
    ...pod!,
    restart_count: d.restartCount,
    exit_code: d.exitCode,
    ...(d.finishedAt && !d.finishedAt.startsWith('0001-') && { finished_at: d.finishedAt }),
    labels: d.labels,
    networks: d.networks,
    mounts: d.mounts,
    ports: d.ports,
    env_keys: d.env.map((line) => line.split('=', 1)[0]!).sort(),
    ...(showEnv && { env: d.env }),
  };
}
