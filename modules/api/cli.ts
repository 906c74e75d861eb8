/** CLI verbs of the api module. Imports nothing from the daemon side. */
import { CliError, failureOf } from '../../cli/client.js';
import { printJson } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';

/** Whether the CLI's token opens the API: `ok`, or the reason it does not. */
async function tokenState(client: Parameters<Verb['run']>[0]['client']): Promise<{ ok: boolean; detail: string }> {
  if (!client.hasToken && client.tokenProblem) return { ok: false, detail: client.tokenProblem };
  try {
    const me = await client.data<{ principal: string }>('GET', '/auth', { timeoutMs: 10_000 });
    return { ok: true, detail: me.principal };
  } catch (err) {
    if (err instanceof CliError) return { ok: false, detail: err.message };
    throw err;
  }
}

interface HealthAnswer {
  status?: string;
  version?: string;
  dependencies?: Record<string, { ok: boolean; since: string; error?: string }>;
}

export const health: Verb = {
  name: 'health',
  description: "Show the controller's health (ok, or degraded: which dependency fails and since when; exit 2), its version, and whether this CLI's API token is accepted",
  options: [outputOption],
  output: true,
  examples: ['health', 'health -o json', '--controller-url http://127.0.0.1:8686 health'],
  async run(ctx) {
    // 503 is an answer too: a degraded controller says which dependency fails and since when.
    const res = await ctx.client.fetch('GET', '/health', { timeoutMs: 10_000 });
    if (!res.ok && res.status !== 503) throw await failureOf(res);
    const body = (await res.json().catch(() => ({}))) as HealthAnswer;
    const token = await tokenState(ctx.client);
    if (ctx.output === 'json') printJson(ctx.stdout, { ...body, token });
    else {
      ctx.stdout.write(`${body.status}  voodu-controller ${body.version}  ${ctx.client.baseUrl}\n`);
      for (const [name, d] of Object.entries(body.dependencies ?? {})) {
        if (!d.ok) ctx.stdout.write(`  ${name}: failing since ${d.since}: ${d.error ?? 'no reason given'}\n`);
      }
      if (!token.ok) ctx.stderr.write(`voodu: API token: ${token.detail}\nvoodu: every command but health will be refused until the CLI has the token\n`);
    }
    if (!token.ok) return 1;
    return body.status === 'ok' ? 0 : 2;
  },
};

export const verbs: Verb[] = [health];
