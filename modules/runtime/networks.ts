/**
 * The bridge network voodu's containers share. The engine's duplicate-name
 * check is not atomic: two creates racing can both succeed and leave two
 * networks with one name, after which the name no longer resolves. So
 * creates are shared in-process, and across processes a creator that finds
 * a twin after its create steps back (removes its own) and looks again
 * after a random pause, until exactly one is left.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { ConflictError } from '../../lib/errors.js';
import type { NetworkInfo } from './contract.js';
import { statusOf } from './engine-errors.js';

const MAX_ATTEMPTS = 6;

export class Networks {
  readonly #docker: Docker;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(docker: Docker) {
    this.#docker = docker;
  }

  ensure(name: string): Promise<void> {
    let p = this.#inFlight.get(name);
    if (!p) {
      p = this.#ensure(name).finally(() => this.#inFlight.delete(name));
      this.#inFlight.set(name, p);
    }
    return p;
  }

  async #ensure(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if ((await this.#named(name)).length) return;
      let created: string;
      try {
        const net = await this.#docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { createdby: 'voodu' },
        });
        created = net.id;
      } catch (err) {
        if (statusOf(err) === 409) return; // someone else made it first: that is all we wanted
        throw err;
      }
      if ((await this.#named(name)).length < 2) return;
      // A twin appeared: step back. If the other creator stepped back too, the random pause breaks the tie.
      await this.#docker
        .getNetwork(created)
        .remove()
        .catch((err: unknown) => {
          if (statusOf(err) !== 404) throw err;
        });
      if (attempt >= MAX_ATTEMPTS) {
        throw new ConflictError(`network "${name}" kept being created concurrently by another process; try again`);
      }
      await sleep(10 + Math.random() * 50 * attempt);
    }
  }

  /** The host's IPv4 address on bridge `name` (its gateway) and the containers on it; undefined when it does not exist. */
  async inspect(name: string): Promise<NetworkInfo | undefined> {
    const [net] = await this.#named(name);
    if (!net) return undefined;
    const info = await this.#docker.getNetwork(net.Id).inspect();
    const configs = (info.IPAM?.Config ?? []) as Array<{ Gateway?: string }>;
    const gateway = configs.map((c) => c.Gateway).find((g): g is string => !!g && !g.includes(':'));
    const members = Object.values((info.Containers ?? {}) as Record<string, { Name?: string; IPv4Address?: string }>);
    return {
      ...(gateway ? { gateway } : {}),
      containers: members.map((c) => ({ name: c.Name ?? '', ipv4: (c.IPv4Address ?? '').split('/')[0]! })),
    };
  }

  /** Exact-name matches: the engine's `name` filter matches substrings. */
  async #named(name: string): Promise<Docker.NetworkInspectInfo[]> {
    const list = await this.#docker.listNetworks({ filters: { name: [name] } });
    return list.filter((n) => n.Name === name);
  }
}
