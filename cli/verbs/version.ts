import { buildInfo } from '../../lib/build-info.js';
import { printJson } from '../output.js';
import { outputOption, type Verb } from '../verb.js';

export const version: Verb = {
  name: 'version',
  description: 'Print the CLI version',
  options: [outputOption],
  output: true,
  async run(ctx) {
    const info = buildInfo();
    if (ctx.output === 'json') printJson(ctx.stdout, info);
    else ctx.stdout.write(`voodu ${info.version} (commit: ${info.commit}${info.builtAt ? `, built: ${info.builtAt}` : ''})\n`);
  },
};
