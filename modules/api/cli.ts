/** CLI verbs of the api module. Imports nothing from the daemon side. */
import { CliError } from '../../cli/client.js';
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

export const health: Verb = {
  name: 'health',
  description: "Show the controller's health and version, and whether this CLI's API token is accepted",
  options: [outputOption],
  output: true,
  examples: ['health', 'health -o json', '--controller-url http://127.0.0.1:8686 health'],
  async run(ctx) {
    const body = await ctx.client.request<{ status: string; version: string }>('GET', '/health', { timeoutMs: 10_000 });
    const token = await tokenState(ctx.client);
    if (ctx.output === 'json') printJson(ctx.stdout, { ...body, token });
    else {
      ctx.stdout.write(`${body.status}  voodu-controller ${body.version}  ${ctx.client.baseUrl}\n`);
      if (!token.ok) ctx.stderr.write(`voodu: API token: ${token.detail}\nvoodu: every command but health will be refused until the CLI has the token\n`);
    }
    return body.status === 'ok' && token.ok ? 0 : 1;
  },
};

export const verbs: Verb[] = [health];
