/**
 * The body of one target: the inline `body` or the JSON
 * object in the asset file `file` names, with `{{token}}`s replaced; the
 * default payload when neither is set. The file is read at fire time, so a
 * changed asset changes the next webhook without touching any replica.
 */
import { readFile, stat } from 'node:fs/promises';
import type { WebhookTarget } from '../../lib/manifest/types.js';
import type { Assets } from '../assets/contract.js';
import { tokenValues, type Payload } from './payload.js';
import { render } from './template.js';

/** A body template is a request body, not a data set. */
const MAX_FILE_BYTES = 1 << 20;
const WHOLE_REF = /^\$\{asset\.[^}]+\}$/;

export interface BodyDeps {
  /** Absent when the assets module is disabled: `file` targets then fall back to the default payload. */
  assets: Assets | undefined;
  callerScope: string;
}

/** The JSON text to send. Throws (the caller logs and sends the default payload) when the template cannot be had. */
export async function buildBody(target: WebhookTarget, payload: Payload, deps: BodyDeps): Promise<string> {
  let template: unknown;
  if (target.body !== undefined) template = target.body;
  else if (target.file !== undefined) template = await readTemplate(target.file, deps);
  else return JSON.stringify(payload);
  if (!template || typeof template !== 'object' || Array.isArray(template)) throw new Error('the body must be a JSON object');
  return JSON.stringify(render(template, tokenValues(payload)));
}

async function readTemplate(file: string, deps: BodyDeps): Promise<unknown> {
  if (!deps.assets) throw new Error(`file ${file}: the assets module is not enabled`);
  let path: string;
  if (WHOLE_REF.test(file)) {
    const ref = await deps.assets.resolveRef(file, deps.callerScope);
    // Normally on disk since the apply; after a wiped root this brings it back.
    await deps.assets.ensureMaterialised(ref.scope, ref.name);
    path = ref.path;
  } else {
    path = await deps.assets.interpolate(file, deps.callerScope);
  }
  const st = await stat(path);
  if (st.size > MAX_FILE_BYTES) throw new Error(`file ${file}: ${st.size} bytes is more than the ${MAX_FILE_BYTES} a body template may have`);
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text it choked on; the template may hold a routing key, so only the position is kept.
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new Error(`file ${file}: not valid JSON${at ? ` (at position ${at})` : ''}`);
  }
}
