/** statefulset. Parse defaults: logs 10m×3, build {context = "."} without an image. */
import type { At } from '../../lib/manifest/at.js';
import { record, type Shape } from '../../lib/manifest/decoders.js';
import * as f from '../../lib/manifest/fields.js';
import { inits } from '../../lib/manifest/inits.js';
import { probes } from '../../lib/manifest/probes.js';
import { volumeClaims } from '../../lib/manifest/volume-claims.js';
import { onProbe } from '../../lib/manifest/webhooks.js';
import { checkContainer, ordered, withBuildDefault } from '../../lib/manifest/container.js';
import type { ContainerSpec, InitSpec, OnProbeSpec, ProbesSpec, VolumeClaim } from '../../lib/manifest/types.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { documented } from '../../lib/manifest/field-docs.js';
import { CONTAINER_BLOCKS, INIT_BLOCKS, PROBE_BLOCKS, labeled } from '../../lib/manifest/hcl-rules.js';

export interface StatefulsetSpec extends ContainerSpec {
  replicas?: number;
  ports?: string[];
  restart?: string;
  health_check?: string;
  volume_claims?: VolumeClaim[];
  inits?: InitSpec[];
  probes?: ProbesSpec;
  on_probe?: OnProbeSpec;
}

const shape: Shape<StatefulsetSpec> = {
  image: f.image,
  replicas: f.replicas,
  command: f.command,
  env: f.env,
  ports: f.ports,
  volumes: f.volumes,
  network: f.network,
  networks: f.networks,
  network_mode: f.networkMode,
  restart: f.restart,
  health_check: f.healthCheck,
  build: f.build,
  extra_hosts: f.extraHosts,
  cap_add: f.capAdd,
  stop_grace_period: f.stopGracePeriod,
  stop_signal: f.stopSignal,
  dns_options: f.dnsOptions,
  env_file: f.envFile,
  ulimits: f.ulimits,
  docker_options: f.dockerOptions,
  env_from: f.envFrom,
  volume_claims: volumeClaims,
  depends_on: f.dependsOn,
  resources: f.resources,
  logs: f.logs,
  inits,
  probes,
  on_probe: onProbe,
};
const KEYS = Object.keys(shape);

export function validateStatefulset(raw: unknown, at: At): StatefulsetSpec {
  const spec = record<StatefulsetSpec>('a statefulset', shape, { serverKeys: true })(raw, at)!;
  checkContainer(spec, at);
  const out: StatefulsetSpec = { ...spec, logs: f.withLogDefaults(spec.logs) };
  withBuildDefault(out);
  return ordered(out, KEYS);
}

export const statefulsetKind: KindDefinition = {
  name: 'statefulset',
  scope: 'required',
  summary: 'Replicas with a stable identity (<name>-0, <name>-1, …), each with its own volumes, started and rolled in order.',
  fields: documented('statefulset', Object.keys(shape), {
    image: { type: 'string', doc: 'Image the pods run (e.g. `postgres:17`). Without it the statefulset is in build mode and runs `<scope>-<name>:latest` (see `build`); `image` and `build` are mutually exclusive.' },
    replicas: { type: 'number', doc: 'How many pods, `<scope>-<name>.0` to `.<n-1>` (a whole number ≥ 0); default 1, and 0 also means 1. Pods start in order, each waiting for the one before to be ready, and a scale-down removes the highest ordinals first.' },
    command: { type: 'list(string)', doc: 'The container\'s command as an argv list (`["redis-server", "--appendonly", "yes"]`), replacing the image\'s CMD; default the image\'s own. Items may use `${asset…}` paths.' },
    ports: { type: 'list(string)', doc: 'Published ports in docker `-p` form: `"5432"`, `"80/udp"`, `"3000:80"`, `"127.0.0.1:3000:80"`, ranges `"8000-8010"` (ports 1–65535). A port without an address is bound on 127.0.0.1 only.' },
    volumes: { type: 'list(string)', doc: 'Mounts in docker `-v` form: `"/host/path:/in/container[:ro]"`, `"volume-name:/data"`, or a lone `"/path"` for an anonymous volume; entries cannot be empty. Per-pod data belongs in `volume_claim`; an asset file is mounted with `"${asset.<scope>.<name>.<key>}:/etc/app.conf:ro"`.' },
    networks: { type: 'list(string)', doc: 'Docker networks to join besides `voodu0`, where pod n answers as `<name>-<n>.<scope>` and every pod as `<name>.<scope>`. Cannot be combined with `network_mode`.' },
    health_check: { type: 'string', doc: 'A path starting with `/`, accepted as on a deployment; nothing reads it for a statefulset, since ingresses route to deployments.' },
    build: {
      type: 'block',
      doc: 'Build mode, when there is no `image`: `build { context, dockerfile, target, args = { … } }`. `voodu apply` packs `context` (default `"."`, the manifest\'s directory; `.dockerignore` honoured), the host builds it, and the replicas run `<scope>-<name>:<buildId>` — the build ID is the content hash of the context, stamped as `build.id` (never set it yourself). An unchanged context is not rebuilt; a change of the context or of `args` rolls the replicas (docs/build.md).',
    },
    env_from: { type: 'list(string)', doc: 'Other apps whose env file the pods also read, as `"<scope>/<name>"` or `"<name>"` (same scope), before their own, so their own env wins. The CLI also reads those apps\' config buckets for `${VAR}` values.' },
    volume_claims: {
      type: 'labelled block (repeatable): `volume_claim "<name>" { … }`',
      doc: 'One docker volume per claim per pod, `voodu-<scope>-<name>-<claim>-<n>`, mounted at `mount_path` (an absolute path, required); `size` is informational. Claim names are 1–63 lowercase letters, digits, `-`, `_` or `.` and unique; the volumes survive restarts, rollouts and `delete`, and only `delete --prune` removes them.',
    },
    depends_on: { type: 'block', doc: '`depends_on { assets = ["<name>.<key>", "<scope>.<name>.<key>"] }`: assets the pods use without naming them in the spec, so a change of their content rolls the pods as a referenced asset would.' },
    inits: {
      type: 'labelled block (repeatable): `init "<name>" { … }`',
      doc: 'One-shot containers run in declared order before each pod starts, each of which must exit 0: `init "<name>" { image, command, timeout, retries, resources, ulimits, docker_options }`. `command` is required, `image` defaults to the pods\', `timeout` to `10m` and `retries` (0–5) to 0; names match `[a-z0-9][a-z0-9-]*` and are unique.',
    },
    probes: {
      type: 'block',
      doc: '`probes { liveness { … } readiness { … } startup { … } }`, each with exactly one of `http_get { path, port, scheme, http_headers }`, `tcp_socket { port }` or `exec { command }`, plus `initial_delay` (default 0), `period` (10s), `timeout` (1s), `failure_threshold` (3) and `success_threshold` (1). A failing liveness probe restarts the container; a pod counts as ready by its readiness (and startup) probe.',
    },
    on_probe: {
      type: 'block',
      doc: 'Webhooks on probe transitions: `on_probe { failure { … } recovery { … } }`, `failure` on a probe\'s unhealthy edge and `recovery` on the next healthy one; each slot is repeatable, each target has `url` (http(s), required), `method` (`POST` by default, `PUT`, `PATCH`, `DELETE`), `headers`, and `body` (an object) or `file` (a `${asset…}` JSON template).',
    },
  }),
  defaults: ['`logs { max_size = "10m", max_files = 3 }`, each where it is not set', '`build { context = "." }` when there is no `image`'],
  example: `statefulset "data" "pg" {
  image    = "postgres:17"
  replicas = 1
  env      = { POSTGRES_DB = "app", PGDATA = "/var/lib/postgresql/data/pgdata" }
  ports    = ["5432"]

  volume_claim "data" {
    mount_path = "/var/lib/postgresql/data"
  }
}
`,
  validate: validateStatefulset,
  roles: { workload: true, longRunning: true, envFile: true, prunable: true },
  hcl: { blocks: { ...CONTAINER_BLOCKS, volume_claim: labeled('volume_claims'), ...INIT_BLOCKS, ...PROBE_BLOCKS } },
};

export const kinds = [statefulsetKind];
