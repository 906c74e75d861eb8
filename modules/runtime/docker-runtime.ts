/**
 * The `runtime` service on dockerode. Every engine call goes through the
 * unix socket; engine failures leave here as the kernel's typed errors.
 */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { ConflictError, TransientError, VooduError, messageOf } from '../../lib/errors.js';
import { planContainer, labelsOf, restartPolicy } from './container-spec.js';
import {
  VOODU_NETWORK,
  type NetworkInfo,
  type ContainerDetails,
  type ContainerSpec,
  type ContainerStats,
  type ContainerSummary,
  type ExecOptions,
  type ExecResult,
  type ExecSession,
  type ImageBuildOptions,
  type LogOptions,
  type LogStream,
  type Runtime,
  type RuntimeEvent,
  type Subscription,
  type VolumeInfo,
  type WaitOptions,
} from './contract.js';
import { detailsOf, summaryOf, volumeOf } from './details.js';
import { mapEngineError, statusOf, unreachableError, engineReason } from './engine-errors.js';
import { LineSplitter, toRuntimeEvent } from './events.js';
import { collectExec, createExec, sessionOf, startExec } from './exec.js';
import { buildImage } from './build.js';
import { Images } from './images.js';
import { dialLogs, splitLogs } from './logs.js';
import { Networks } from './networks.js';
import { toContainerStats } from './stats.js';

/** How long the engine may take to answer an events subscription before it is given up and retried. */
const EVENTS_ANSWER_MS = 5_000;

export interface DockerRuntimeOptions {
  /** Engine socket; default from `DOCKER_HOST=unix://…`, else /var/run/docker.sock. */
  socketPath?: string;
  /** The bridge network every container joins; default voodu0. */
  network?: string;
  /** Pull deadlines (images.ts): no progress for `pullStallMs`, or `pullTimeoutMs` in all. */
  pullStallMs?: number;
  pullTimeoutMs?: number;
}

const PING_TIMEOUT_MS = 5000;

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env['DOCKER_HOST'];
  if (host?.startsWith('unix://') && host.length > 'unix://'.length) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** `{a: 'b', c: true}` → the engine's label filter `['a=b', 'c']`. */
function labelFilter(labels: Record<string, string | true>): string[] {
  return Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
}

export class DockerRuntime implements Runtime {
  readonly socketPath: string;
  readonly network: string;
  readonly #docker: Docker;
  readonly #images: Images;
  readonly #networks: Networks;
  /** The host's address on voodu0, learnt by `ensureNetwork`: what `host.docker.internal` resolves to in a pod. */
  #hostAddress: string | undefined;
  /** Streams that outlive a call (events, followed logs): closed on `close()`. */
  readonly #open = new Set<{ close(): void }>();

  constructor(options: DockerRuntimeOptions = {}) {
    this.socketPath = options.socketPath ?? defaultSocketPath();
    this.network = options.network ?? VOODU_NETWORK;
    this.#docker = new Docker({ socketPath: this.socketPath });
    this.#images = new Images(this.#docker, this.socketPath, {
      ...(options.pullStallMs !== undefined && { stallMs: options.pullStallMs }),
      ...(options.pullTimeoutMs !== undefined && { timeoutMs: options.pullTimeoutMs }),
    });
    this.#networks = new Networks(this.#docker);
  }

  /** Closes every events subscription and log stream still open. */
  close(): void {
    for (const s of [...this.#open]) s.close();
  }

  #fail(err: unknown, what: string): Error {
    return mapEngineError(err, what, this.socketPath);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#docker.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      throw unreachableError(this.socketPath, statusOf(err) ? new Error(engineReason(err)) : err);
    } finally {
      clearTimeout(timer);
    }
  }

  async ensureNetwork(name: string = this.network): Promise<void> {
    try {
      await this.#networks.ensure(name);
      if (name === this.network) this.#hostAddress = (await this.#networks.inspect(name))?.gateway;
    } catch (err) {
      throw this.#fail(err, `ensure network "${name}"`);
    }
  }

  async inspectNetwork(name: string = this.network): Promise<NetworkInfo | undefined> {
    try {
      return await this.#networks.inspect(name);
    } catch (err) {
      throw this.#fail(err, `inspect network "${name}"`);
    }
  }

  async ensureImage(image: string): Promise<{ id: string; pulled: boolean }> {
    try {
      return await this.#images.ensure(image);
    } catch (err) {
      throw this.#fail(err, `ensure image "${image}"`);
    }
  }

  async buildImage(context: Readable, options: ImageBuildOptions, onLine: (line: string) => void): Promise<{ imageId: string }> {
    try {
      return await buildImage(this.#docker, context, options, onLine);
    } catch (err) {
      if (err instanceof VooduError) throw err;
      throw this.#fail(err, `build image "${options.tags[0]}"`);
    }
  }

  async imageTags(repo: string): Promise<{ tag: string; id: string }[]> {
    try {
      const images = await this.#docker.listImages({ filters: { reference: [repo] } });
      return images.flatMap((img) =>
        (img.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`)).map((t) => ({ tag: t.slice(repo.length + 1), id: img.Id })),
      );
    } catch (err) {
      throw this.#fail(err, `list the images of "${repo}"`);
    }
  }

  async untagImage(image: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.#docker.getImage(image).remove({ noprune: false, force: Boolean(options.force) });
    } catch (err) {
      if (statusOf(err) === 404) return;
      // A container still runs (or holds) it: it stays, and the next collection tries again.
      if (statusOf(err) === 409) return;
      throw this.#fail(err, `remove image "${image}"`);
    }
  }

  async imageId(image: string): Promise<string | undefined> {
    try {
      return await this.#images.id(image);
    } catch (err) {
      throw this.#fail(err, `inspect image "${image}"`);
    }
  }

  async run(spec: ContainerSpec): Promise<ContainerDetails> {
    const plan = await planContainer(spec, this.network, this.#hostAddress);
    await this.ensureImage(spec.image);
    let container: Docker.Container;
    try {
      container = await this.#docker.createContainer(plan.options);
    } catch (err) {
      throw this.#createError(err, spec.name);
    }
    try {
      for (const net of plan.extraNetworks) {
        await this.#docker
          .getNetwork(net)
          .connect({ Container: container.id, EndpointConfig: plan.aliases.length ? { Aliases: plan.aliases } : {} })
          .catch((err: unknown) => {
            throw this.#fail(err, `connect container "${spec.name}" to network "${net}"`);
          });
      }
      if (!spec.noStart) {
        await container.start().catch((err: unknown) => {
          throw this.#fail(err, `start container "${spec.name}"`);
        });
      }
      return detailsOf(await container.inspect());
    } catch (err) {
      // Half-made containers would be found by label later and mistaken for real replicas.
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw this.#fail(err, `run container "${spec.name}"`);
    }
  }

  #createError(err: unknown, name: string): Error {
    if (statusOf(err) === 409) {
      const reason = engineReason(err);
      const by = /by container "?([0-9a-f]{12,64})"?/.exec(reason)?.[1];
      return new ConflictError(
        `container name "${name}" is already in use${by ? ` by container ${by.slice(0, 12)}` : ''}; remove or rename "${name}" first`,
        { cause: err },
      );
    }
    return this.#fail(err, `create container "${name}"`);
  }

  async list(labels: Record<string, string | true>, options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    try {
      const items = await this.#docker.listContainers({ all: options.all ?? true, filters: { label: labelFilter(labels) } });
      return items.map(summaryOf);
    } catch (err) {
      throw this.#fail(err, 'list containers');
    }
  }

  async inspect(idOrName: string): Promise<ContainerDetails | undefined> {
    try {
      return detailsOf(await this.#docker.getContainer(idOrName).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.#fail(err, `inspect container "${idOrName}"`);
    }
  }

  async start(idOrName: string): Promise<void> {
    try {
      await this.#docker.getContainer(idOrName).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      throw this.#fail(err, `start container "${idOrName}"`);
    }
  }

  async stop(idOrName: string, options: { timeoutSec?: number } = {}): Promise<void> {
    try {
      await this.#docker.getContainer(idOrName).stop(options.timeoutSec === undefined ? {} : { t: options.timeoutSec });
    } catch (err) {
      if (statusOf(err) === 304) return; // already stopped
      throw this.#fail(err, `stop container "${idOrName}"`);
    }
  }

  async remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.#docker.getContainer(idOrName).remove({ force: Boolean(options.force), v: Boolean(options.volumes) });
    } catch (err) {
      if (statusOf(err) === 404) return;
      // Someone else is already removing it: the outcome we asked for is on its way.
      if (statusOf(err) === 409 && /already in progress/i.test(engineReason(err))) return;
      throw this.#fail(err, `remove container "${idOrName}"`);
    }
  }

  async wait(idOrName: string, options: WaitOptions = {}): Promise<number> {
    try {
      const res = (await this.#docker.getContainer(idOrName).wait({ condition: options.condition ?? 'not-running' })) as {
        StatusCode: number;
      };
      return res.StatusCode;
    } catch (err) {
      throw this.#fail(err, `wait for container "${idOrName}"`);
    }
  }

  async disconnect(idOrName: string, network?: string): Promise<void> {
    const details = await this.inspect(idOrName);
    if (!details) return;
    const nets = network ? [network] : Object.keys(details.networks);
    for (const net of nets) {
      if (!details.networks[net]) continue;
      try {
        await this.#docker.getNetwork(net).disconnect({ Container: details.id, Force: true });
      } catch (err) {
        // Gone meanwhile, or already off that network: what was asked for holds.
        if (statusOf(err) === 404 || /is not connected/i.test(engineReason(err))) continue;
        throw this.#fail(err, `disconnect container "${idOrName}" from network "${net}"`);
      }
    }
  }

  async updateRestartPolicy(idOrName: string, restart: NonNullable<ContainerSpec['restart']>): Promise<void> {
    const policy = restartPolicy(restart);
    try {
      await this.#docker.getContainer(idOrName).update({ RestartPolicy: policy });
    } catch (err) {
      throw this.#fail(err, `update restart policy of container "${idOrName}"`);
    }
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<VolumeInfo> {
    try {
      const volume = await this.#docker.createVolume({ Name: name, Labels: labelsOf(labels) });
      return volumeOf(await volume.inspect());
    } catch (err) {
      throw this.#fail(err, `create volume "${name}"`);
    }
  }

  async listVolumes(labels: Record<string, string | true>): Promise<VolumeInfo[]> {
    try {
      const res = await this.#docker.listVolumes({ filters: { label: labelFilter(labels) } });
      return (res.Volumes ?? []).map(volumeOf);
    } catch (err) {
      throw this.#fail(err, 'list volumes');
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.#docker.getVolume(name).remove();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw this.#fail(err, `remove volume "${name}"`);
    }
  }

  async logs(idOrName: string, options: LogOptions = {}): Promise<LogStream> {
    let tty: boolean;
    let id: string;
    try {
      const info = await this.#docker.getContainer(idOrName).inspect();
      tty = Boolean(info.Config.Tty);
      id = info.Id;
    } catch (err) {
      throw this.#fail(err, `logs of container "${idOrName}"`);
    }
    let source: Readable;
    try {
      source = await dialLogs(this.#docker, id, options);
    } catch (err) {
      throw this.#fail(err, `logs of container "${idOrName}"`);
    }
    const logs = splitLogs(source, tty);
    const entry = { close: () => logs.close() };
    this.#open.add(entry);
    void logs.done.then(() => this.#open.delete(entry));
    return logs;
  }

  async exec(idOrName: string, options: ExecOptions): Promise<ExecResult> {
    const container = this.#docker.getContainer(idOrName);
    try {
      const exec = await createExec(container, options, options.stdin !== undefined);
      return await collectExec(this.#docker, exec, options);
    } catch (err) {
      throw this.#fail(err, `exec ${JSON.stringify(options.cmd[0] ?? '')} in container "${idOrName}"`);
    }
  }

  async execSession(
    idOrName: string,
    options: Omit<ExecOptions, 'stdin'> & { stdin?: boolean },
  ): Promise<ExecSession> {
    const stdin = options.stdin ?? true;
    const container = this.#docker.getContainer(idOrName);
    try {
      const exec = await createExec(container, options, stdin);
      return sessionOf(exec, await startExec(exec, stdin, Boolean(options.tty)));
    } catch (err) {
      throw this.#fail(err, `exec ${JSON.stringify(options.cmd[0] ?? '')} in container "${idOrName}"`);
    }
  }

  async stats(idOrName: string): Promise<ContainerStats> {
    try {
      return toContainerStats(await this.#docker.getContainer(idOrName).stats({ stream: false }));
    } catch (err) {
      throw this.#fail(err, `stats of container "${idOrName}"`);
    }
  }

  async events(onEvent: (event: RuntimeEvent) => void, onError?: (err: Error) => void): Promise<Subscription> {
    let stream: Readable;
    // The request must be answered (headers) in time: one made while dockerd restarts can be accepted and
    // then never answered, and a subscription that neither fails nor starts is never retried.
    const answer = new AbortController();
    const deadline = setTimeout(() => answer.abort(), EVENTS_ANSWER_MS);
    try {
      stream = (await this.#docker.getEvents({
        filters: { type: ['container'], label: ['createdby=voodu'] },
        abortSignal: answer.signal,
      })) as unknown as Readable;
    } catch (err) {
      if (answer.signal.aborted) throw new TransientError(`subscribe to engine events: no answer from ${this.socketPath} within ${EVENTS_ANSWER_MS / 1000} s; subscribe again`);
      throw this.#fail(err, 'subscribe to engine events');
    } finally {
      clearTimeout(deadline);
    }
    let closed = false;
    const report = (err: Error) => {
      if (onError) onError(err);
    };
    const lines = new LineSplitter((line) => {
      let event: RuntimeEvent | undefined;
      try {
        event = toRuntimeEvent(JSON.parse(line));
      } catch (err) {
        report(new VooduError(`unreadable engine event ${JSON.stringify(line.slice(0, 200))}: ${messageOf(err)}`));
        return;
      }
      if (!event) return;
      // A throwing handler must not kill the socket reader (and with it the process).
      try {
        onEvent(event);
      } catch (err) {
        report(err instanceof Error ? err : new Error(messageOf(err)));
      }
    });
    const subscription: Subscription = {
      close: () => {
        if (closed) return;
        closed = true;
        this.#open.delete(subscription);
        stream.destroy();
      },
    };
    const ended = (err?: unknown) => {
      if (closed) return;
      lines.end();
      subscription.close();
      report(
        err
          ? this.#fail(err, 'engine events stream')
          : new TransientError('engine events stream ended (dockerd restarted?); subscribe again'),
      );
    };
    stream.on('data', (chunk: Buffer) => lines.push(chunk));
    stream.once('end', () => ended());
    stream.once('close', () => ended());
    stream.on('error', (err) => ended(err));
    this.#open.add(subscription);
    return subscription;
  }
}
