/** `init "<name>" {}` blocks: ordered one-shot containers before each replica starts. */
import { int, isPlainObject, record, str, strList, type Decoder } from './decoders.js';
import { dockerOptions, duration, resources, ulimits } from './fields.js';
import type { InitSpec } from './types.js';
import { initNameProblem } from './values.js';

const initShape = record<InitSpec>('an init block', {
  name: str,
  image: str,
  command: strList,
  timeout: duration,
  retries: int({ min: 0, max: 5 }),
  resources,
  ulimits,
  docker_options: dockerOptions,
});

export const inits: Decoder<InitSpec[]> = (v, at) => {
  if (!Array.isArray(v)) return at.fail('must be a list of init blocks');
  const seen = new Set<string>();
  const out = v.map((item, i) => {
    const rawName = isPlainObject(item) && typeof item.name === 'string' ? item.name : '';
    const here = at.index(i, rawName ? `init ${JSON.stringify(rawName)}` : `init[${i}]`);
    const init = initShape(item, here)!;
    if (!init.name) here.fail('missing name; write init "<name>" { … }');
    const nameProblem = initNameProblem(init.name);
    if (nameProblem) here.fail(nameProblem);
    if (seen.has(init.name)) here.fail('duplicate init name; each init needs its own name');
    seen.add(init.name);
    if (!init.command?.length) here.key('command').fail('is required: an init runs a command and exits');
    return init;
  });
  return out.length ? out : undefined;
};
