/**
 * `voodu status [-o json]`: one screen — the controller, etcd, Docker, the
 * installed plugins, and per scope every resource with desired/running/
 * ready and its last error (`GET /overview` and `GET /plugins`).
 */
import { parseOutput, printJson, table } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';
import { OVERVIEW_PATH, type Dependency, type Overview } from './contract.js';

interface PluginLine {
  name: string;
  version?: string;
}

const dep = (name: string, d: Dependency | undefined) =>
  !d ? `${name}: not used (module disabled)` : d.ok ? `${name}: ok (${d.latency_ms} ms${d.revision !== undefined ? `, revision ${d.revision}` : ''})` : `${name}: DOWN — ${d.error}`;

const uptime = (s: number) => (s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`);

export const status: Verb = {
  name: 'status',
  description: 'One screen: controller, etcd, Docker, plugins, and every resource with desired/running/ready and its last error',
  options: [outputOption],
  output: true,
  examples: ['status', 'status -o json'],
  async run(ctx, _args, opts) {
    const [overview, plugins] = await Promise.all([
      ctx.client.data<Overview>('GET', OVERVIEW_PATH),
      ctx.client.data<{ plugins?: PluginLine[]; errors?: string[] }>('GET', '/plugins').catch(() => undefined),
    ]);
    const listed = (plugins?.plugins ?? []).map((p) => ({ name: p.name, ...(p.version ? { version: p.version } : {}) }));
    if (parseOutput(opts.output ?? opts.o ?? ctx.output) === 'json') {
      printJson(ctx.stdout, { ...overview, plugins: listed });
      return overview.etcd.ok && overview.docker?.ok !== false ? 0 : 1;
    }
    const c = overview.controller;
    const out: string[] = [
      `controller: ${c.version}, pid ${c.pid}, up ${uptime(c.uptime_s)}`,
      dep('etcd', overview.etcd),
      dep('docker', overview.docker),
      `plugins: ${plugins ? (listed.length ? listed.map((p) => `${p.name}${p.version ? ` ${p.version}` : ''}`).join(', ') : 'none installed') : 'not available (plugins module disabled)'}`,
    ];
    ctx.stdout.write(`${out.join('\n')}\n`);
    if (!overview.scopes.length) ctx.stdout.write(`\nNo resources${overview.etcd.ok ? '' : ' (etcd is down: resources unknown)'}.\n`);
    for (const { scope, resources } of overview.scopes) {
      const rows = [['KIND', 'NAME', 'READY', 'RUNNING', 'LAST ERROR']];
      for (const r of resources) {
        rows.push([r.kind, r.name, r.desired === undefined ? '-' : `${r.ready}/${r.desired}`, r.running === undefined ? '-' : String(r.running), r.error ? r.error.slice(0, 120) : '-']);
      }
      ctx.stdout.write(`\n${scope}:\n${table(rows).replace(/^(?=.)/gm, '  ')}`);
    }
    return overview.etcd.ok && overview.docker?.ok !== false ? 0 : 1;
  },
};

export const verbs: Verb[] = [status];
