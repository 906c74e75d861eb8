/**
 * deployment (and the deployment half of `app`). Parse defaults, applied
 * here on both sides (CLI and /apply): health_check "/", logs 10m×3,
 * build {context = "."} without an image, replicas seeded from autoscale.min
 * (and clamped into [min, max] when the wire carries a count).
 */
import type { At } from '../../lib/manifest/at.js';
import { autoscale } from '../../lib/manifest/autoscale.js';
import { int, record, strList, type Shape } from '../../lib/manifest/decoders.js';
import * as f from '../../lib/manifest/fields.js';
import { inits } from '../../lib/manifest/inits.js';
import { probes } from '../../lib/manifest/probes.js';
import { onDeploy, onProbe } from '../../lib/manifest/webhooks.js';
import { checkContainer, ordered, withBuildDefault } from '../../lib/manifest/container.js';
import type { AutoscaleSpec, ContainerSpec, InitSpec, OnDeploySpec, OnProbeSpec, ProbesSpec, ReleaseSpec } from '../../lib/manifest/types.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { documented } from '../../lib/manifest/field-docs.js';
import { CONTAINER_BLOCKS, INIT_BLOCKS, PROBE_BLOCKS, list, single } from '../../lib/manifest/hcl-rules.js';

export interface DeploymentSpec extends ContainerSpec {
  replicas?: number;
  ports?: string[];
  restart?: string;
  health_check?: string;
  post_deploy?: string[];
  keep_releases?: number;
  max_surge?: number | string;
  release?: ReleaseSpec;
  autoscale?: AutoscaleSpec;
  on_deploy?: OnDeploySpec;
  on_probe?: OnProbeSpec;
  probes?: ProbesSpec;
  inits?: InitSpec[];
}

export const deploymentShape: Shape<DeploymentSpec> = {
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
  post_deploy: strList,
  keep_releases: int({ min: 0 }),
  max_surge: f.maxSurge,
  build: f.build,
  extra_hosts: f.extraHosts,
  cap_add: f.capAdd,
  stop_grace_period: f.stopGracePeriod,
  stop_signal: f.stopSignal,
  dns_options: f.dnsOptions,
  ulimits: f.ulimits,
  docker_options: f.dockerOptions,
  env_file: f.envFile,
  env_from: f.envFrom,
  release: f.release,
  depends_on: f.dependsOn,
  resources: f.resources,
  autoscale,
  on_deploy: onDeploy,
  on_probe: onProbe,
  logs: f.logs,
  probes,
  inits,
};

export const DEPLOYMENT_KEYS = Object.keys(deploymentShape);

/** Cross-field rules of a deployment; `spec` is already decoded. */
export function checkDeployment(spec: DeploymentSpec, at: At): void {
  checkContainer(spec, at);
  // On the HCL surface a count next to autoscale is a contradiction; on the
  // wire it is the seeded (or autoscaler-chosen) count, so it is allowed there.
  if (at.origin.hcl && spec.autoscale && (spec.replicas ?? 0) > 0) {
    at.key('replicas').fail('replicas and autoscale are mutually exclusive — use min/max instead');
  }
}

export function deploymentDefaults(spec: DeploymentSpec): DeploymentSpec {
  const out: DeploymentSpec = { ...spec, health_check: spec.health_check || '/', logs: f.withLogDefaults(spec.logs) };
  const as = spec.autoscale;
  if (as?.min) {
    const max = as.max ?? as.min;
    out.replicas = spec.replicas ? Math.min(Math.max(spec.replicas, as.min), max) : as.min;
  }
  withBuildDefault(out);
  return ordered(out, DEPLOYMENT_KEYS);
}

export function validateDeployment(raw: unknown, at: At): DeploymentSpec {
  const spec = record<DeploymentSpec>('a deployment', deploymentShape, { serverKeys: true })(raw, at)!;
  checkDeployment(spec, at);
  return deploymentDefaults(spec);
}

export const deploymentBlocks = {
  ...CONTAINER_BLOCKS,
  release: single(),
  autoscale: single(),
  on_deploy: single({ success: list(), failure: list() }),
  ...PROBE_BLOCKS,
  ...INIT_BLOCKS,
};

export const deploymentKind: KindDefinition = {
  name: 'deployment',
  scope: 'required',
  summary: 'Stateless replicas of one container, rolled out with zero downtime on every change.',
  fields: documented('deployment', DEPLOYMENT_KEYS, {
    image: { type: 'string', doc: 'Image the replicas run (e.g. `nginx:1.27`, `ghcr.io/acme/api:1.4`). Without it the deployment is in build mode and runs `<scope>-<name>:latest` (see `build`); `image` and `build` are mutually exclusive.' },
    replicas: { type: 'number', doc: 'How many replicas to keep running (a whole number ≥ 0); default 1, and 0 also means 1. With `autoscale` the count starts at `autoscale.min` and is the autoscaler\'s, so HCL refuses `replicas` next to it.' },
    command: { type: 'list(string)', doc: 'The container\'s command as an argv list (`["bin/server", "--port", "8080"]`), replacing the image\'s CMD; default the image\'s own. Items may use `${asset…}` paths.' },
    ports: { type: 'list(string)', doc: 'Published ports in docker `-p` form: `"80"`, `"80/udp"`, `"3000:80"`, `"127.0.0.1:3000:80"`, ranges `"8000-8010"` (ports 1–65535). A port without an address is bound on 127.0.0.1 only; an ingress without a `port` routes to the first entry\'s container port.' },
    volumes: { type: 'list(string)', doc: 'Mounts in docker `-v` form: `"/host/path:/in/container[:ro]"`, `"volume-name:/data"`, or a lone `"/path"` for an anonymous volume; entries cannot be empty. An asset file is mounted with `"${asset.<scope>.<name>.<key>}:/etc/app.conf:ro"`.' },
    networks: { type: 'list(string)', doc: 'Docker networks to join besides `voodu0`, which every replica is on and where the replicas answer as `<name>.<scope>`. Cannot be combined with `network_mode`.' },
    health_check: { type: 'string', doc: 'Path (starting with `/`) handed to the ingress plugin as the replicas\' health-check path; default `/`, and a readiness probe\'s `http_get.path` takes precedence. Changing it rolls no replica.' },
    post_deploy: {
      type: 'list(string)',
      doc: 'Build mode only: commands run on the host, each as `bash -c <entry>` in the build\'s release dir, once the replicas serve a new build (`VOODU_APP`, `VOODU_BUILD_ID`, `VOODU_RELEASE_DIR` set); a failure is a warning. For a command in the app\'s own container use `release { post_command = [...] }`.',
    },
    keep_releases: { type: 'number', doc: 'Build mode: how many builds (release dirs and their images) the host keeps, default 5 (0 means the default); the current one and the one just built always stay. The status keeps the newest 10 release records for `voodu rollback` either way.' },
    max_surge: { type: 'number or string', doc: 'How many successors a rollout starts at once: a number (default 1) or a percentage of `replicas` rounded up (`"50%"`). Each is readiness-gated, and an old replica is retired only once its successor is ready — in the background, draining for its `stop_grace_period` while the next successors start — so the ready count never drops below `replicas`. A deployment with a fixed host port rolls one at a time in place whatever it says. Changing it rolls no replica.' },
    build: {
      type: 'block',
      doc: 'Build mode, when there is no `image`: `build { context, dockerfile, target, args = { … } }`. `voodu apply` packs `context` (default `"."`, the manifest\'s directory; `.dockerignore` honoured), the host builds it, and the replicas run `<scope>-<name>:<buildId>` — the build ID is the content hash of the context, stamped as `build.id` (never set it yourself). An unchanged context is not rebuilt; a change of the context or of `args` rolls the replicas (docs/build.md).',
    },
    env_from: { type: 'list(string)', doc: 'Other apps whose env file the replicas also read, as `"<scope>/<name>"` or `"<name>"` (same scope), before their own, so their own env wins. The CLI also reads those apps\' config buckets for `${VAR}` values.' },
    release: {
      type: 'block',
      doc: 'Commands around each rollout, each in a one-shot container of the new image: `release { pre_command, command, post_command, timeout }` (argv lists; `timeout` a duration, default `10m`). `voodu apply` runs them, and a changed spec is not rolled out until its release has run.',
    },
    depends_on: { type: 'block', doc: '`depends_on { assets = ["<name>.<key>", "<scope>.<name>.<key>"] }`: assets the replicas use without naming them in the spec, so a change of their content rolls the replicas as a referenced asset would.' },
    autoscale: {
      type: 'block',
      doc: 'CPU autoscaling: `autoscale { min, max, cpu_target, cooldown_up, cooldown_down }`, with `min` ≥ 1, `max` ≥ `min` and `cpu_target` 1–100 (percent of one core, the replicas\' mean) required, and the cooldowns durations (default `30s` up, `5m` down). The count starts at `min`; `replicas` cannot be written next to it in HCL.',
    },
    on_deploy: {
      type: 'block',
      doc: 'Webhooks: `on_deploy { success { … } failure { … } }`, `success` after a reconcile that created or replaced replicas and `failure` on a failed one; each slot is repeatable, each target has `url` (http(s), required), `method` (`POST` by default, `PUT`, `PATCH`, `DELETE`), `headers`, and `body` (an object) or `file` (a `${asset…}` JSON template). Changing it rolls no replica.',
    },
    on_probe: {
      type: 'block',
      doc: 'Webhooks on probe transitions: `on_probe { failure { … } recovery { … } }`, `failure` on a probe\'s unhealthy edge and `recovery` on the next healthy one, with targets as in `on_deploy` (`url`, `method`, `headers`, `body` or `file`).',
    },
    probes: {
      type: 'block',
      doc: '`probes { liveness { … } readiness { … } startup { … } }`, each with exactly one of `http_get { path, port, scheme, http_headers }`, `tcp_socket { port }` or `exec { command }`, plus `initial_delay` (default 0), `period` (10s), `timeout` (1s), `failure_threshold` (3) and `success_threshold` (1). A failing liveness probe restarts the container; a rollout waits for the new replica\'s readiness (and startup) probe.',
    },
    inits: {
      type: 'labelled block (repeatable): `init "<name>" { … }`',
      doc: 'One-shot containers run in declared order before each replica starts, each of which must exit 0: `init "<name>" { image, command, timeout, retries, resources, ulimits, docker_options }`. `command` is required, `image` defaults to the replicas\', `timeout` to `10m` and `retries` (0–5) to 0; names match `[a-z0-9][a-z0-9-]*` and are unique.',
    },
  }),
  defaults: [
    '`health_check = "/"` when it is not set',
    '`logs { max_size = "10m", max_files = 3 }`, each where it is not set',
    '`build { context = "." }` when there is no `image`',
    '`replicas = autoscale.min` with `autoscale`; a count the wire carries (the autoscaler\'s) is clamped into `[min, max]`',
  ],
  example: `deployment "prod" "web" {
  image    = "nginx:1.27"
  replicas = 2
  ports    = ["80"]
  env      = { GREETING = "hello" }

  probes {
    readiness {
      http_get {
        path = "/"
        port = 80
      }
    }
  }
}
`,
  validate: validateDeployment,
  roles: { workload: true, longRunning: true, envFile: true, prunable: true },
  hcl: { blocks: deploymentBlocks },
};

export const kinds = [deploymentKind];
