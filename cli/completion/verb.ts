/**
 * `voodu completion bash|zsh|fish`: prints the completion script for
 * `voodu` and `vd`. The scripts call back `voodu completion __refs [word]`
 * for refs (see refs.ts): one per line, nothing when the controller does not
 * answer within 200 ms — a TAB must not hang nor print errors into the line.
 */
import { CliError } from '../client.js';
import type { Verb } from '../verb.js';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { loadModel, type CompletionModel } from './model.js';
import { fetchRefs } from './refs.js';
import { zshScript } from './zsh.js';

export const SHELLS: Record<string, (model: CompletionModel) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** The word the scripts call back with; not a shell, and not for typing. */
export const REFS_WORD = '__refs';

export const completion: Verb = {
  name: 'completion',
  args: '<bash|zsh|fish> [word]',
  description: 'Print a shell completion script for voodu and vd (verbs, flags, kinds, and refs from the controller)',
  examples: ['completion bash > /etc/bash_completion.d/voodu', 'completion zsh > "${fpath[1]}/_voodu"', 'completion fish > ~/.config/fish/completions/voodu.fish'],
  async run(ctx, args) {
    const [shell, word] = args;
    if (shell === REFS_WORD) {
      try {
        // The word before the ref: a stored kind narrows the refs to that kind (`describe deployment <TAB>`).
        const { coreKindRegistry } = await import('../../modules/core.js');
        const kind = word ? (await coreKindRegistry()).parse(word) : undefined;
        const refs = await fetchRefs(ctx.client, kind);
        if (refs.length) ctx.stdout.write(`${refs.join('\n')}\n`);
      } catch {
        // Nothing to offer is the answer: the shell line stays clean.
      }
      return 0;
    }
    const render = shell === undefined ? undefined : SHELLS[shell];
    if (!render) throw new CliError(`completion: "${shell ?? ''}" is not a shell this CLI completes; use bash, zsh or fish (e.g. \`voodu completion bash\`)`);
    ctx.stdout.write(render(await loadModel()));
    return 0;
  },
};
