/**
 * Documentation of the spec fields every container-running kind shares
 * (deployment, statefulset, job, a cronjob's job), written once, and
 * `documented`, which lays a kind's field docs out in its validator's key
 * order from its own docs and these.
 */
import type { FieldDoc } from './kind-registry.js';

export const CONTAINER_FIELD_DOCS: Record<string, FieldDoc> = {
  restart: {
    type: 'string',
    doc: 'Docker restart policy: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`; default `unless-stopped`.',
  },
  env: {
    type: 'map(string)',
    doc: 'Environment variables (`{ KEY = "value" }`; names cannot be empty or contain `=` or whitespace), written to the app\'s env file below the scope and app config buckets, so `voodu config set` wins over them. A value may embed `${ref.<kind>.<name>.<field>}` (another resource\'s published status data, e.g. a database URL; resolved when its containers are created, in the caller\'s scope for kinds that take a scope) and `${asset.<scope>.<name>.<key>}` (the path of an asset file).',
  },
  network: {
    type: 'string',
    doc: 'One more docker network to join besides `voodu0` (letters, digits, `_`, `.` or `-`); ignored when `networks` is set.',
  },
  network_mode: {
    type: 'string',
    doc: '`"host"` (share the host\'s network stack) or `"none"` (no network); default: the `voodu0` bridge. Cannot be combined with `network` or `networks`.',
  },
  extra_hosts: {
    type: 'list(string)',
    doc: 'Extra `/etc/hosts` entries as `"name:ip"`, the address IPv4, IPv6 or `host-gateway` (e.g. `"db.internal:10.0.0.5"`).',
  },
  cap_add: {
    type: 'list(string)',
    doc: 'Linux capabilities to add, by name (e.g. `NET_ADMIN`, `SYS_NICE`).',
  },
  stop_grace_period: {
    type: 'string',
    doc: 'How long a stop (delete, scale-down, a rollout retiring a replica, a liveness restart) waits for the process to exit after `stop_signal` before it is killed: a duration such as `"2s"` or `"1m"`, at most `1h`; default `10s`, as docker compose has it. `voodu delete … --grace 0s` overrides it for one command. Changing it replaces the replicas.',
  },
  dns_options: {
    type: 'list(string)',
    doc: 'Options for the container\'s `/etc/resolv.conf`, as `docker run --dns-opt` takes them: `["timeout:1", "attempts:3"]` makes a lookup that gets no answer give up after a second and retry, instead of stalling the process for 5 s. The bundled redis plugin sets exactly that on its pods: a sentinel resolving a dead master\'s name must never block long enough to lose its clock. Changing it replaces the replicas.',
  },
  stop_signal: {
    type: 'string',
    doc: 'The signal a stop sends first: a name such as `"SIGINT"` or `"SIGQUIT"` (nginx\'s graceful stop), or its number; default the image\'s `STOPSIGNAL`, else `SIGTERM`. Changing it replaces the replicas.',
  },
  ulimits: {
    type: 'map(string)',
    doc: 'Resource limits by name (`core`, `cpu`, `data`, `fsize`, `locks`, `memlock`, `msgqueue`, `nice`, `nofile`, `nproc`, `rss`, `rtprio`, `rttime`, `sigpending`, `stack`), each `"N"` or `"soft:hard"` (-1 for unlimited). Unless set here, `nofile` is 65536 and `nproc` 4096, clamped to the host\'s hard limits.',
  },
  docker_options: {
    type: 'list(string)',
    doc: 'Raw `docker run` flags: accepted, but not applied (the engine API has no spelling for them); the controller logs a warning once.',
  },
  env_file: {
    type: 'list(string)',
    doc: 'Read by the CLI and never sent: `.env` files (`KEY=value` lines, `#` comments, optional `export`), relative to the manifest\'s directory, merged into `env`; later files override earlier ones and `env` overrides them all.',
  },
  resources: {
    type: 'block',
    doc: '`resources { limits { cpu, memory } }`: `cpu` in cores (`"2"`, `"1.5"`) or millicores (`"500m"`), `memory` in bytes or with `Ki`, `Mi`, `Gi`, `Ti` (1024ⁿ) or `K`, `M`, `G`, `T` (1000ⁿ), e.g. `"512Mi"`. No limits by default.',
  },
  logs: {
    type: 'block',
    doc: 'Log rotation of docker\'s json-file driver: `logs { max_size, max_files }`; default `max_size = "10m"` (a number with an optional unit `k`, `m` or `g`) and `max_files = 3`.',
  },
};

/**
 * The docs of `keys` (a validator's accepted keys, in order): the kind's own
 * first, else the shared container docs. A key documented nowhere is an
 * error at load, so a new field cannot ship undocumented.
 */
export function documented(kind: string, keys: readonly string[], own: Record<string, FieldDoc>): Record<string, FieldDoc> {
  const out: Record<string, FieldDoc> = {};
  for (const key of keys) {
    const doc = own[key] ?? CONTAINER_FIELD_DOCS[key];
    if (!doc) throw new Error(`${kind}: field ${key} has no documentation; add it to the kind's fields`);
    out[key] = doc;
  }
  return out;
}
