/** CLI verbs of the api module. Imports nothing from the daemon side. */
import { printJson } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';

export const health: Verb = {
  name: 'health',
  description: "Show the controller's health and version",
  options: [outputOption],
  output: true,
  examples: ['health', 'health -o json', '--controller-url http://127.0.0.1:8686 health'],
  async run(ctx) {
    const body = await ctx.client.request<{ status: string; version: string }>('GET', '/health', { timeoutMs: 10_000 });
    if (ctx.output === 'json') printJson(ctx.stdout, body);
    else ctx.stdout.write(`${body.status}  voodu-controller ${body.version}  ${ctx.client.baseUrl}\n`);
    return body.status === 'ok' ? 0 : 1;
  },
};

export const verbs = [health];
