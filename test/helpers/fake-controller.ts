/**
 * Stand-ins for what a bundled plugin's commands reach, for unit tests that
 * run them as shipped: the controller's HTTP API at a capability URL with a
 * path (so every call must go through `controller_url + "/…"`), answered
 * from in-memory state the test sets up, and a fake `docker`
 * ($VOODU_DOCKER) whose calls the test records and answers.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ---------------------------------------------------------------- the controller

/** The capability part of the URL: a request outside it is refused (403) and not recorded. */
const PREFIX = '/cap/tok';

export interface ControllerRequest {
  method: string;
  /** The path after the capability prefix, e.g. `/config`. */
  route: string;
  query: URLSearchParams;
  /** `<scope>/<name>` from the query. */
  key: string;
  body: string;
  /** As `requests` records it: `METHOD /route?query`, then ` body` when there is one. */
  line: string;
}

/** An answer in the API's envelope: `{status: 'error', error}` when `error` is set, else `{status: 'ok', data}`. */
export interface Reply {
  status?: number;
  data?: unknown;
  error?: string;
}

/** Answers a request (a Reply, or by writing `res` itself), or returns nothing to leave it to the default. */
export type Hook = (req: ControllerRequest, res: ServerResponse) => Reply | void | Promise<Reply | void>;

export interface Manifest {
  kind: string;
  scope: string;
  name: string;
  spec?: any;
  [key: string]: unknown;
}

export interface FakeController {
  /** The controller_url to hand a plugin, `http://127.0.0.1:<port>/cap/tok`. */
  url: string;
  /** Statefulset specs by `<scope>/<name>`: GET /describe, and GET /apply?kind=statefulset lists them. */
  specs: Record<string, Record<string, unknown>>;
  /** Config buckets by `<scope>/<name>` (`<scope>/` is the scope's own): GET /config (merged unless merge=false), POST /config merges in. */
  buckets: Record<string, Record<string, string>>;
  /** Other stored manifests: GET /apply?kind=… lists them, POST /apply appends, POST /jobs/run finds its job here (404 if not). */
  manifests: Manifest[];
  /** Every call under the prefix, in order, as ControllerRequest.line. */
  requests: string[];
  /** Overrides the answer of `METHOD /route` (`*`: every request, before its route's hook); `undefined` drops the hook. */
  on(route: string, hook: Hook | undefined): void;
  /** Empty state, no hooks. */
  reset(): void;
  close(): Promise<void>;
}

/** What the controller answers when no hook did. */
function defaultReply(fake: FakeController, r: ControllerRequest): Reply {
  const scope = r.query.get('scope') ?? '';
  const name = r.query.get('name') ?? '';
  switch (`${r.method} ${r.route}`) {
    case 'GET /describe': {
      const spec = fake.specs[r.key];
      return spec ? { data: { manifest: { kind: 'statefulset', scope, name, spec } } } : { status: 404, error: `statefulset/${r.key} not found` };
    }
    case 'GET /config': {
      const own = fake.buckets[r.key] ?? {};
      return { data: { vars: r.query.get('merge') === 'false' ? own : { ...(fake.buckets[`${scope}/`] ?? {}), ...own } } };
    }
    case 'POST /config': {
      const vars = { ...(fake.buckets[r.key] ?? {}), ...JSON.parse(r.body) };
      fake.buckets[r.key] = vars;
      return { data: { vars, restarted: [] } };
    }
    case 'GET /apply': {
      const statefulsets = Object.entries(fake.specs).map(([k, spec]) => ({ kind: 'statefulset', scope: k.split('/')[0]!, name: k.split('/')[1]!, spec }));
      const kind = r.query.get('kind');
      return { data: [...statefulsets, ...fake.manifests].filter((m) => !kind || m.kind === kind) };
    }
    case 'POST /apply': {
      const list = JSON.parse(r.body) as Manifest[];
      fake.manifests.push(...list);
      return { data: { applied: list.map((m) => `${m.kind}/${m.scope}/${m.name}`) } };
    }
    case 'POST /jobs/run': {
      const job = fake.manifests.find((m) => m.kind === 'job' && m.scope === scope && m.name === name);
      return job ? { data: { run: { status: 'succeeded', exit_code: 0 } } } : { status: 404, error: `job/${r.key} not found — apply it first` };
    }
  }
  if (r.method === 'DELETE') return { data: {} };
  return { status: 403, error: 'not open to plugins' };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status ?? (reply.error === undefined ? 200 : 400), { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply.error === undefined ? { status: 'ok', data: reply.data } : { status: 'error', error: reply.error }));
}

/** A fake controller on 127.0.0.1, empty; close it after the tests. */
export async function startFakeController(): Promise<FakeController> {
  const hooks = new Map<string, Hook>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!url.pathname.startsWith(`${PREFIX}/`)) return send(res, { status: 403, error: 'no capability' });
      const route = url.pathname.slice(PREFIX.length);
      const method = req.method ?? 'GET';
      const line = `${method} ${route}${url.search}${body ? ` ${body}` : ''}`;
      const r: ControllerRequest = { method, route, query: url.searchParams, key: `${url.searchParams.get('scope')}/${url.searchParams.get('name')}`, body, line };
      fake.requests.push(line);
      try {
        for (const hook of [hooks.get('*'), hooks.get(`${method} ${route}`)]) {
          const reply = await hook?.(r, res);
          if (res.headersSent) return;
          if (reply) return send(res, reply);
        }
        send(res, defaultReply(fake, r));
      } catch (err) {
        if (res.headersSent) res.end();
        else send(res, { status: 500, error: `fake controller: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const fake: FakeController = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}${PREFIX}`,
    specs: {},
    buckets: {},
    manifests: [],
    requests: [],
    on(route, hook) {
      if (hook) hooks.set(route, hook);
      else hooks.delete(route);
    },
    reset() {
      fake.specs = {};
      fake.buckets = {};
      fake.manifests = [];
      fake.requests = [];
      hooks.clear();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return fake;
}

// ---------------------------------------------------------------- docker

export interface DockerCall {
  argv: string[];
  /** What it read on stdin: only when its last argument is `-` (as `psql -f -`), else ''. */
  stdin: string;
  /** The values of the variables `-e NAME` hands on to the container (a secret rides there, never in argv). */
  env: Record<string, string>;
}

export interface DockerAnswer {
  code?: number;
  stdout?: string;
  stderr?: string;
}

export interface FakeDocker {
  /** The script, an executable; $VOODU_DOCKER until close. */
  bin: string;
  /** Every call, in order; assign [] to forget them. */
  calls: DockerCall[];
  close(): Promise<void>;
}

const script = (url: string) => `#!/usr/bin/env node
import { readFileSync } from 'node:fs';
const argv = process.argv.slice(2);
const stdin = argv[argv.length - 1] === '-' ? readFileSync(0, 'utf8') : '';
const env = {};
argv.forEach((a, i) => {
  const v = argv[i + 1];
  if ((a === '-e' || a === '--env') && v && !v.includes('=') && process.env[v] !== undefined) env[v] = process.env[v];
});
const res = await fetch(${JSON.stringify(url)}, { method: 'POST', body: JSON.stringify({ argv, stdin, env }) });
const a = await res.json();
if (a.stdout) process.stdout.write(a.stdout);
if (a.stderr) process.stderr.write(a.stderr);
process.exitCode = a.code ?? 0;
`;

/**
 * Writes a `docker` script into a temp dir and points $VOODU_DOCKER at it;
 * each of its runs is recorded in `calls` and answered by `answer` (in this
 * process, so the test's state is at hand). No answer: exit 1, "Error: No
 * such object: <last argument>".
 */
export async function startFakeDocker(answer: (call: DockerCall) => DockerAnswer | undefined): Promise<FakeDocker> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let out: DockerAnswer;
      try {
        const call = JSON.parse(body) as DockerCall;
        fake.calls.push(call);
        out = answer(call) ?? { code: 1, stderr: `Error: No such object: ${call.argv[call.argv.length - 1]}\n` };
      } catch (err) {
        out = { code: 2, stderr: `fake docker: ${err instanceof Error ? err.message : String(err)}\n` };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dir = await mkdtemp(join(tmpdir(), 'voodu-fake-docker-'));
  const bin = join(dir, 'docker.mjs');
  await writeFile(bin, script(`http://127.0.0.1:${(server.address() as { port: number }).port}/`));
  await chmod(bin, 0o755);
  const before = process.env.VOODU_DOCKER;
  process.env.VOODU_DOCKER = bin;
  const fake: FakeDocker = {
    bin,
    calls: [],
    async close() {
      if (before === undefined) delete process.env.VOODU_DOCKER;
      else process.env.VOODU_DOCKER = before;
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fake;
}
