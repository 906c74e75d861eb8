/**
 * One test per validation rule of the manifest kinds (and the edge checks
 * the CLI and /apply share): each asserts the message names the file, the block and the
 * field, and that `field` points at the wire path.
 */
import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { kinds } from '../helpers/kinds.js';

interface Case {
  rule: string;
  kind?: string;
  scope?: string;
  name?: string;
  spec: Record<string, unknown>;
  hcl?: boolean;
  /** Wire path of the offending field. */
  field: string;
  /** The part of the message after `voodu.hcl: <block>: `. */
  message: string | RegExp;
}

const D = { kind: 'deployment', scope: 'prod', name: 'api' };
const hook = (extra: Record<string, unknown> = {}) => ({ url: 'https://hooks.example.com/x', ...extra });

const cases: Case[] = [
  // shared workload fields
  { rule: 'unknown field suggests the closest name', spec: { replica: 2 }, field: 'spec.replica', message: 'replica: unknown field in a deployment; did you mean "replicas"?' },
  { rule: 'unknown field lists what is accepted', spec: { zzz: 1 }, field: 'spec.zzz', message: /^zzz: unknown field; a deployment accepts image, replicas, command, env, ports/ },
  { rule: 'wrong type names the field and what it got', spec: { ports: '80' }, field: 'spec.ports', message: 'ports: must be a list, got the string "80"' },
  { rule: 'image and build are mutually exclusive', spec: { image: 'x', build: { context: '.' } }, field: 'spec', message: /`image` and `build {}` are mutually exclusive/ },
  { rule: 'statefulset: image and build are mutually exclusive', kind: 'statefulset', spec: { image: 'x', build: {} }, field: 'spec', message: /mutually exclusive/ },
  { rule: 'job: image and build are mutually exclusive', kind: 'job', spec: { image: 'x', build: {} }, field: 'spec', message: /mutually exclusive/ },
  { rule: 'replicas and autoscale are mutually exclusive in HCL', hcl: true, spec: { image: 'x', replicas: 3, autoscale: { min: 1, max: 2, cpu_target: 50 } }, field: 'spec.replicas', message: 'replicas: replicas and autoscale are mutually exclusive — use min/max instead' },
  { rule: 'autoscale.min must be >= 1', spec: { autoscale: { min: 0, max: 2, cpu_target: 50 } }, field: 'spec.autoscale.min', message: 'autoscale.min: must be >= 1 (got 0)' },
  { rule: 'autoscale.max must be >= min', spec: { autoscale: { min: 3, max: 2, cpu_target: 50 } }, field: 'spec.autoscale.max', message: 'autoscale.max: must be >= autoscale.min (3), got 2' },
  { rule: 'autoscale.cpu_target must be in (0, 100]', spec: { autoscale: { min: 1, max: 2, cpu_target: 150 } }, field: 'spec.autoscale.cpu_target', message: 'autoscale.cpu_target: must be in (0, 100], got 150' },
  { rule: 'autoscale cooldowns are durations', spec: { autoscale: { min: 1, max: 2, cpu_target: 50, cooldown_down: '5 minutes' } }, field: 'spec.autoscale.cooldown_down', message: /autoscale.cooldown_down: "5 minutes" is not a duration; use a number with a unit/ },
  { rule: 'a probe needs an action', spec: { probes: { liveness: { period: '5s' } } }, field: 'spec.probes.liveness', message: 'probes.liveness: requires exactly one of http_get / tcp_socket / exec' },
  { rule: 'a probe has only one action', spec: { probes: { readiness: { exec: { command: ['x'] }, tcp_socket: { port: 1 } } } }, field: 'spec.probes.readiness', message: 'probes.readiness: only one of http_get / tcp_socket / exec may be declared' },
  { rule: "http_get.path must start with '/'", spec: { probes: { readiness: { http_get: { path: 'up', port: 80 } } } }, field: 'spec.probes.readiness.http_get.path', message: `probes.readiness.http_get.path: must start with '/' (got "up")` },
  { rule: 'http_get.path is required', spec: { probes: { startup: { http_get: { port: 80 } } } }, field: 'spec.probes.startup.http_get.path', message: 'probes.startup.http_get.path: is required' },
  { rule: 'http_get.port is required', spec: { probes: { liveness: { http_get: { path: '/' } } } }, field: 'spec.probes.liveness.http_get.port', message: 'probes.liveness.http_get.port: is required (got 0)' },
  { rule: 'tcp_socket.port is required', spec: { probes: { liveness: { tcp_socket: { port: 0 } } } }, field: 'spec.probes.liveness.tcp_socket.port', message: 'probes.liveness.tcp_socket.port: is required (got 0)' },
  { rule: 'exec.command must be non-empty', spec: { probes: { liveness: { exec: { command: [] } } } }, field: 'spec.probes.liveness.exec.command', message: 'probes.liveness.exec.command: must be non-empty' },
  { rule: 'probe timings are durations', spec: { probes: { liveness: { exec: { command: ['x'] }, period: '10' } } }, field: 'spec.probes.liveness.period', message: /probes.liveness.period: "10" is not a duration/ },
  { rule: 'init needs a name', spec: { inits: [{ command: ['x'] }] }, field: 'spec.inits[0]', message: /^init\[0\]: missing name/ },
  { rule: 'init names are [a-z0-9][a-z0-9-]*', spec: { inits: [{ name: 'Migrate', command: ['x'] }] }, field: 'spec.inits[0]', message: 'init "Migrate": "Migrate" is not a valid init name (must match [a-z0-9][a-z0-9-]*)' },
  { rule: 'init names are unique', spec: { inits: [{ name: 'a', command: ['x'] }, { name: 'a', command: ['y'] }] }, field: 'spec.inits[1]', message: 'init "a": duplicate init name; each init needs its own name' },
  { rule: 'init needs a command', spec: { inits: [{ name: 'migrate' }] }, field: 'spec.inits[0].command', message: /^init "migrate".command: is required/ },
  { rule: 'init retries are 0..5', spec: { inits: [{ name: 'm', command: ['x'], retries: 6 }] }, field: 'spec.inits[0].retries', message: 'init "m".retries: must be between 0 and 5 (got 6)' },
  { rule: 'init timeout is a duration', spec: { inits: [{ name: 'm', command: ['x'], timeout: 'soon' }] }, field: 'spec.inits[0].timeout', message: /init "m".timeout: "soon" is not a duration/ },
  { rule: 'on_deploy target needs a url', spec: { on_deploy: { success: [{ method: 'POST' }] } }, field: 'spec.on_deploy.success[0].url', message: 'on_deploy.success.url: is required' },
  { rule: 'on_deploy url is http(s), not echoed', spec: { on_deploy: { failure: [{ url: 'hooks.slack.com/services/SECRET' }] } }, field: 'spec.on_deploy.failure[0].url', message: 'on_deploy.failure.url: is not an http(s) URL' },
  { rule: 'on_deploy method is POST/PUT/PATCH/DELETE', spec: { on_deploy: { success: [hook({ method: 'GET' })] } }, field: 'spec.on_deploy.success[0].method', message: 'on_deploy.success.method: must be one of POST/PUT/PATCH/DELETE (got "GET")' },
  { rule: 'on_deploy body and file are exclusive', spec: { on_deploy: { success: [hook({ body: { a: 1 }, file: '${asset.a.b.c}' })] } }, field: 'spec.on_deploy.success[0]', message: 'on_deploy.success: body and file are mutually exclusive' },
  { rule: 'on_deploy file is an asset reference', spec: { on_deploy: { failure: [hook({ file: '/etc/body.json' })] } }, field: 'spec.on_deploy.failure[0].file', message: /on_deploy.failure.file: must be an asset reference/ },
  { rule: 'a slot with several targets names the index', spec: { on_deploy: { success: [hook(), hook({ method: 'GET' })] } }, field: 'spec.on_deploy.success[1].method', message: /^on_deploy.success\[1\].method: must be one of/ },
  { rule: 'on_probe targets follow the same rules', kind: 'statefulset', spec: { image: 'x', on_probe: { recovery: [{ url: '' }] } }, field: 'spec.on_probe.recovery[0].url', message: 'on_probe.recovery.url: is required' },
  { rule: 'resources cpu is decimal or millicores', spec: { resources: { limits: { cpu: 'two' } } }, field: 'spec.resources.limits.cpu', message: 'resources.limits.cpu: "two" is not a CPU amount; use a decimal number of cores (2, 1.5) or millicores (500m)' },
  { rule: 'resources memory is a size', spec: { resources: { limits: { memory: '12XB' } } }, field: 'spec.resources.limits.memory', message: 'resources.limits.memory: "12XB" is not a size; use bytes or a number with Ki, Mi, Gi, Ti, K, M, G or T' },
  { rule: 'resources has no requests block', spec: { resources: { requests: { cpu: '1' } } }, field: 'spec.resources.requests', message: 'resources.requests: unknown field; a resources block accepts limits' },
  { rule: 'init resources are checked too', spec: { inits: [{ name: 'm', command: ['x'], resources: { limits: { memory: '-1Gi' } } }] }, field: 'spec.inits[0].resources.limits.memory', message: /init "m".resources.limits.memory: "-1Gi" is not a size/ },
  { rule: 'logs.max_size is a docker size', spec: { logs: { max_size: 'ten megs' } }, field: 'spec.logs.max_size', message: 'logs.max_size: "ten megs" is not a size; use a number with an optional unit k, m or g (e.g. 10m)' },
  { rule: 'logs.max_files is not negative', spec: { logs: { max_files: -1 } }, field: 'spec.logs.max_files', message: 'logs.max_files: must be >= 0 (got -1)' },
  { rule: 'network_mode is host or none', spec: { network_mode: 'bridge' }, field: 'spec.network_mode', message: /network_mode: "bridge" is not supported; use "host" or "none"/ },
  { rule: 'network_mode host excludes networks', spec: { network_mode: 'host', networks: ['backend'] }, field: 'spec.network_mode', message: /network_mode: "host" cannot be combined with network\/networks/ },
  { rule: 'network_mode none excludes network', kind: 'job', spec: { network_mode: 'none', network: 'backend' }, field: 'spec.network_mode', message: /network_mode: "none" cannot be combined/ },
  { rule: 'network names are docker names', spec: { networks: ['bad name'] }, field: 'spec.networks[0]', message: /networks\[0\]: "bad name" is not a docker network name/ },
  { rule: 'extra_hosts are name:ip', spec: { extra_hosts: ['db.internal'] }, field: 'spec.extra_hosts[0]', message: /extra_hosts\[0\]: "db.internal" is not name:ip/ },
  { rule: 'extra_hosts addresses are IPs', kind: 'statefulset', spec: { image: 'x', extra_hosts: ['db:10.0.0.300'] }, field: 'spec.extra_hosts[0]', message: /"db:10.0.0.300" is not name:ip/ },
  { rule: 'ports are docker port specs', spec: { ports: ['80', 'http'] }, field: 'spec.ports[1]', message: /ports\[1\]: "http" is not a port/ },
  { rule: 'ports are 1-65535', spec: { ports: ['70000'] }, field: 'spec.ports[0]', message: /"70000" is not a port/ },
  { rule: 'restart is a docker policy', spec: { restart: 'sometimes' }, field: 'spec.restart', message: /restart: "sometimes" is not a restart policy/ },
  { rule: 'health_check is a path', spec: { health_check: 'healthz' }, field: 'spec.health_check', message: `health_check: must be a path starting with '/' (got "healthz")` },
  { rule: 'env keys are variable names', spec: { env: { 'A B': 'x' } }, field: 'spec.env.A B', message: /env.A B: is not a variable name/ },
  { rule: 'env_from entries are scope/name references', spec: { env_from: ['a/b/c'] }, field: 'spec.env_from[0]', message: 'env_from[0]: "a/b/c" is not a reference; write "<scope>/<name>" or "<name>"' },
  { rule: 'depends_on.assets entries are asset references', spec: { depends_on: { assets: ['just-a-name'] } }, field: 'spec.depends_on.assets[0]', message: /depends_on.assets\[0\]: "just-a-name" is not an asset reference/ },
  { rule: 'ulimit names are docker ulimits', spec: { ulimits: { files: '10' } }, field: 'spec.ulimits.files', message: /ulimits.files: is not a ulimit; use one of core, cpu/ },
  { rule: 'ulimit values are N or soft:hard', spec: { ulimits: { nofile: 'lots' } }, field: 'spec.ulimits.nofile', message: /ulimits.nofile: "lots" is not a ulimit value/ },
  { rule: 'cap_add entries are capability names', spec: { cap_add: ['NET ADMIN'] }, field: 'spec.cap_add[0]', message: /cap_add\[0\]: "NET ADMIN" is not a capability name/ },
  { rule: 'release timeout is a duration', spec: { release: { command: ['x'], timeout: '10 min' } }, field: 'spec.release.timeout', message: /release.timeout: "10 min" is not a duration/ },
  { rule: 'HCL input may not set server-stamped keys', hcl: true, spec: { _asset_digests: {} }, field: 'spec._asset_digests', message: '_asset_digests: names starting with "_" are stamped by the server; remove it' },
  // statefulset
  { rule: 'volume_claim names are valid', kind: 'statefulset', spec: { image: 'x', volume_claims: [{ name: 'Data', mount_path: '/d' }] }, field: 'spec.volume_claims[0]', message: /volume_claim "Data": "Data" is not a valid name/ },
  { rule: 'volume_claim names are unique', kind: 'statefulset', spec: { image: 'x', volume_claims: [{ name: 'data', mount_path: '/a' }, { name: 'data', mount_path: '/b' }] }, field: 'spec.volume_claims[1]', message: 'volume_claim "data": duplicate volume_claim name; each claim needs its own name' },
  { rule: 'volume_claim needs a mount_path', kind: 'statefulset', spec: { image: 'x', volume_claims: [{ name: 'data' }] }, field: 'spec.volume_claims[0].mount_path', message: 'volume_claim "data".mount_path: is required' },
  { rule: 'volume_claim mount_path is absolute', kind: 'statefulset', spec: { image: 'x', volume_claims: [{ name: 'data', mount_path: 'data' }] }, field: 'spec.volume_claims[0].mount_path', message: /must be an absolute path/ },
  { rule: 'statefulset has no autoscale', kind: 'statefulset', spec: { autoscale: {} }, field: 'spec.autoscale', message: /^autoscale: unknown field; a statefulset accepts/ },
  // job / cronjob
  { rule: 'job timeout is a duration', kind: 'job', spec: { timeout: '1 hour' }, field: 'spec.timeout', message: /timeout: "1 hour" is not a duration/ },
  { rule: 'job labels may not override identity labels', kind: 'job', spec: { labels: { 'voodu.kind': 'x' } }, field: 'spec.labels.voodu.kind', message: 'labels.voodu.kind: is set by voodu itself and cannot be overridden' },
  { rule: 'job has no replicas', kind: 'job', spec: { replicas: 2 }, field: 'spec.replicas', message: /^replicas: unknown field/ },
  { rule: 'cronjob needs a schedule', kind: 'cronjob', spec: { job: { image: 'x' } }, field: 'spec.schedule', message: 'schedule: is required (e.g. "0 3 * * *" or "@daily")' },
  { rule: 'cronjob schedule has five fields', kind: 'cronjob', spec: { schedule: '* * *' }, field: 'spec.schedule', message: /schedule: "\* \* \*" is not a cron schedule; use five fields/ },
  { rule: 'cronjob schedule values are in range', kind: 'cronjob', spec: { schedule: '61 * * * *' }, field: 'spec.schedule', message: /schedule: "61 \* \* \* \*": minute field "61" is not valid \(0-59\)/ },
  { rule: 'cronjob month names are not supported', kind: 'cronjob', spec: { schedule: '0 0 1 jan *' }, field: 'spec.schedule', message: /month field "jan" is not valid/ },
  { rule: 'cronjob Replace policy gets a clear refusal', kind: 'cronjob', spec: { schedule: '@daily', concurrency_policy: 'Replace' }, field: 'spec.concurrency_policy', message: 'concurrency_policy: "Replace" is not supported (a running job is never killed for the next one); use "Allow" or "Forbid"' },
  { rule: 'cronjob policy is case-sensitive', kind: 'cronjob', spec: { schedule: '@daily', concurrency_policy: 'forbid' }, field: 'spec.concurrency_policy', message: 'concurrency_policy: "forbid" is not accepted; use "Allow" (the default) or "Forbid" (case-sensitive)' },
  { rule: 'cronjob timezone is an IANA name', kind: 'cronjob', spec: { schedule: '@daily', timezone: 'Mars/Olympus' }, field: 'spec.timezone', message: /timezone: "Mars\/Olympus" is not a time zone/ },
  { rule: 'cronjob job fields are checked, named flat in HCL', kind: 'cronjob', hcl: true, spec: { schedule: '@daily', job: { timeout: 'x' } }, field: 'spec.job.timeout', message: /^timeout: "x" is not a duration/ },
  { rule: 'cronjob job fields are named under job on the wire', kind: 'cronjob', spec: { schedule: '@daily', job: { imag: 'x' } }, field: 'spec.job.imag', message: `job.imag: unknown field in a cronjob's job; did you mean "image"?` },
  // ingress
  { rule: 'ingress needs a host', kind: 'ingress', spec: { port: 80 }, field: 'spec.host', message: /^host: is required/ },
  { rule: 'ingress host is a bare name', kind: 'ingress', spec: { host: 'https://app.example.com/' }, field: 'spec.host', message: /host: "https:\/\/app.example.com\/" is not a host name; write the bare name/ },
  { rule: 'ingress service is a resource name', kind: 'ingress', spec: { host: 'a.io', service: 'Web App' }, field: 'spec.service', message: /service: "Web App" is not a valid name/ },
  { rule: 'ingress port is 0..65535', kind: 'ingress', spec: { host: 'a.io', port: 70000 }, field: 'spec.port', message: 'port: must be between 0 and 65535 (got 70000)' },
  { rule: "location path starts with '/'", kind: 'ingress', spec: { host: 'a.io', locations: [{ path: '/ok' }, { path: 'api' }] }, field: 'spec.locations[1].path', message: `locations[1].path: "api" must start with '/' and contain no spaces` },
  { rule: 'location needs a path', kind: 'ingress', spec: { host: 'a.io', locations: [{ strip: true }] }, field: 'spec.locations[0].path', message: /locations\[0\].path: is required/ },
  { rule: 'lb.policy is a caddy policy', kind: 'ingress', spec: { host: 'a.io', lb: { policy: 'fastest' } }, field: 'spec.lb.policy', message: /lb.policy: "fastest" is not accepted; use "round_robin"/ },
  { rule: 'lb.interval is a duration', kind: 'ingress', spec: { host: 'a.io', lb: { interval: 'often' } }, field: 'spec.lb.interval', message: /lb.interval: "often" is not a duration/ },
  { rule: 'tls on_demand needs ask', kind: 'ingress', spec: { host: '*.a.io', tls: { on_demand: true } }, field: 'spec.tls.ask', message: /tls.ask: is required when on_demand = true/ },
  { rule: 'tls email is an address', kind: 'ingress', spec: { host: 'a.io', tls: { email: 'ops' } }, field: 'spec.tls.email', message: 'tls.email: "ops" is not an email address' },
  // asset
  { rule: 'asset keys are [A-Za-z0-9_-]+', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { 'redis.conf': 'x' } }, field: 'spec.files.redis.conf', message: /files.redis.conf: is not a valid asset key; use letters, digits, '_' or '-'/ },
  { rule: 'asset values are strings, file() or url()', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { n: 42 } }, field: 'spec.files.n', message: 'files.n: must be a string, file("path") or url("https://…"), got the number 42' },
  { rule: 'asset url() needs an http(s) URL', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { a: { _source: 'url', url: 'ftp://x' } } }, field: 'spec.files.a.url', message: 'files.a.url: is not an http(s) URL' },
  { rule: 'asset url() on_failure is error, stale or skip', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { a: { _source: 'url', url: 'https://x.io', on_failure: 'retry' } } }, field: 'spec.files.a.on_failure', message: /files.a.on_failure: "retry" is not accepted/ },
  { rule: 'asset url() timeout is a duration', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { a: { _source: 'url', url: 'https://x.io', timeout: '5' } } }, field: 'spec.files.a.timeout', message: /files.a.timeout: "5" is not a duration/ },
  { rule: 'asset file() content is base64', kind: 'asset', scope: 'data', name: 'cfg', spec: { files: { a: { _source: 'file', content: 'not base64!', filename: 'a' } } }, field: 'spec.files.a.content', message: "files.a.content: must be the file's bytes in base64" },
  { rule: 'asset has only files', kind: 'asset', scope: 'data', name: 'cfg', spec: { file: {} }, field: 'spec.file', message: 'file: unknown field in an asset; did you mean "files"?' },
  // registry
  { rule: 'registry needs a url', kind: 'registry', scope: '', name: 'ghcr', spec: { username: 'u', token: 't' }, field: 'spec.url', message: 'url: is required (the registry host, e.g. ghcr.io)' },
  { rule: 'registry helper excludes username/token', kind: 'registry', scope: '', name: 'ecr', spec: { url: 'x', helper: 'ecr-login', username: 'u' }, field: 'spec.helper', message: /helper: `helper` and `username`\/`token` are mutually exclusive/ },
  { rule: 'registry helper ecr suggests ecr-login', kind: 'registry', scope: '', name: 'ecr', spec: { url: 'x', helper: 'ecr' }, field: 'spec.helper', message: /helper: unknown credential helper "ecr" — did you mean "ecr-login"\?/ },
  { rule: 'registry needs a username without a helper', kind: 'registry', scope: '', name: 'ghcr', spec: { url: 'ghcr.io', token: 't' }, field: 'spec.username', message: 'username: is required (or use `helper` for a credential helper)' },
  { rule: 'registry needs a token without a helper', kind: 'registry', scope: '', name: 'ghcr', spec: { url: 'ghcr.io', username: 'u' }, field: 'spec.token', message: /^token: is required \(`password` is accepted too/ },
];

for (const c of cases) {
  test(`rule: ${c.rule}`, (t) => {
    const m = { kind: c.kind ?? D.kind, scope: c.scope ?? D.scope, name: c.name ?? D.name, spec: c.spec };
    const block = c.scope === '' ? `${m.kind}/${m.name}` : `${m.kind}/${m.scope}/${m.name}`;
    const err = t.throws(() => validateManifest(m, kinds, { source: 'voodu.hcl', hcl: c.hcl ?? false }), { instanceOf: ValidationError });
    if (!err) return;
    const prefix = `voodu.hcl: ${block}: `;
    t.true(err.message.startsWith(prefix), err.message);
    const rest = err.message.slice(prefix.length);
    if (typeof c.message === 'string') t.is(rest, c.message);
    else t.regex(rest, c.message);
    t.is(err.field, c.field);
  });
}

// Identity rules.
const identityCases: { rule: string; m: unknown; field: string; message: string | RegExp }[] = [
  { rule: 'a manifest is an object', m: [], field: 'manifest', message: 'voodu.hcl: a manifest must be an object {kind, scope, name, spec}, got a list' },
  { rule: 'kind is required', m: { name: 'x', spec: {} }, field: 'kind', message: /^voodu.hcl: kind: required/ },
  { rule: 'name is required', m: { kind: 'deployment', scope: 'p', spec: {} }, field: 'name', message: 'voodu.hcl: deployment: name is required' },
  { rule: 'names are lowercase segments', m: { kind: 'deployment', scope: 'p', name: 'API', spec: {} }, field: 'name', message: /^voodu.hcl: deployment\/p\/API: name: "API" is not a valid name/ },
  { rule: 'scopes are segments too', m: { kind: 'job', scope: 'a b', name: 'x', spec: {} }, field: 'scope', message: /^voodu.hcl: job\/a b\/x: scope: "a b" is not a valid name/ },
  { rule: 'plugin kinds are segments', m: { kind: 'my plugin', name: 'x', spec: {} }, field: 'kind', message: /kind: "my plugin" is not a valid name/ },
  { rule: 'scoped kinds need a scope', m: { kind: 'statefulset', name: 'pg', spec: {} }, field: 'scope', message: 'voodu.hcl: statefulset/pg: scope is required; write statefulset "<scope>" "pg" { … }' },
  { rule: 'app needs a scope', m: { kind: 'app', name: 'web', spec: {} }, field: 'scope', message: /app\/web: scope is required/ },
  { rule: 'registry takes no scope', m: { kind: 'registry', scope: 'prod', name: 'ghcr', spec: {} }, field: 'scope', message: 'voodu.hcl: registry/prod/ghcr: a registry is host-wide and takes no scope; write registry "ghcr" { … }' },
  { rule: 'asset names have no dots', m: { kind: 'asset', scope: 'data', name: 'pg.conf', spec: {} }, field: 'name', message: /asset\/data\/pg.conf: asset scope and name cannot contain '.'/ },
  { rule: 'a plural kind is refused', m: { kind: 'deployments', scope: 'p', name: 'x', spec: {} }, field: 'kind', message: 'voodu.hcl: deployments/p/x: kind "deployments" is a plural; use "deployment"' },
  { rule: 'unknown manifest fields are refused', m: { kind: 'job', scope: 'p', name: 'x', specs: {} }, field: 'specs', message: 'voodu.hcl: specs: unknown manifest field; a manifest has kind, scope, name, spec and metadata' },
  { rule: 'spec is an object', m: { kind: 'job', scope: 'p', name: 'x', spec: [] }, field: 'spec', message: 'voodu.hcl: job/p/x: spec must be an object, got a list' },
];

for (const c of identityCases) {
  test(`identity: ${c.rule}`, (t) => {
    const err = t.throws(() => validateManifest(c.m, kinds, { source: 'voodu.hcl' }), { instanceOf: ValidationError });
    if (!err) return;
    if (typeof c.message === 'string') t.is(err.message, c.message);
    else t.regex(err.message, c.message);
    t.is(err.field, c.field);
  });
}

test('valid edge values pass: IPv6 and bracketed extra_hosts, port ranges, millicores, decimal memory', (t) => {
  t.notThrows(() =>
    validateManifest({
      ...D,
      spec: {
        extra_hosts: ['a:::1', 'b:[fe80::1]', 'c:::ffff:10.0.0.1', 'd:host-gateway'],
        ports: ['8000-8010:8000-8010', '[::1]:5432:5432', '10.0.0.1:80:80/tcp'],
        resources: { limits: { cpu: '250m', memory: '1.5Gi' } },
        logs: { max_size: '100MB', max_files: 0 },
      },
    }, kinds),
  );
});
