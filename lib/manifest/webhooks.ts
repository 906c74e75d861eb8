/** `on_deploy { success {} failure {} }` and `on_probe { failure {} recovery {} }` targets. */
import { jsonObject, record, str, strMap, text, type Decoder } from './decoders.js';
import type { OnDeploySpec, OnProbeSpec, WebhookTarget } from './types.js';
import { httpUrlProblem } from './values.js';

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

const targetShape = record<WebhookTarget>('a webhook target', {
  url: text,
  method: str,
  headers: strMap(),
  body: jsonObject,
  file: str,
});

/** A slot is a list of targets; `slot[i]` appears in messages only when there are several. */
function slot(): Decoder<WebhookTarget[]> {
  return (v, at) => {
    const items = Array.isArray(v) ? v : at.fail('must be a list of targets ([{ url = "…" }])');
    const out = items.map((item, i) => {
      const here = items.length > 1 ? at.index(i) : at.index(i, at.shown);
      const t = targetShape(item, here)!;
      if (!t.url?.trim()) here.key('url').fail('is required');
      const urlProblem = httpUrlProblem(t.url);
      if (urlProblem) here.key('url').fail(urlProblem);
      if (t.method !== undefined) {
        const upper = t.method.toUpperCase();
        if (!METHODS.includes(upper)) here.key('method').fail(`must be one of POST/PUT/PATCH/DELETE (got ${JSON.stringify(t.method)})`);
        t.method = upper;
      }
      if (t.body !== undefined && t.file !== undefined) here.fail('body and file are mutually exclusive');
      if (t.file !== undefined && !t.file.includes('${asset.')) {
        here.key('file').fail(`must be an asset reference (\${asset.<scope>.<name>.<key>}), got ${JSON.stringify(t.file)}`);
      }
      return t;
    });
    return out.length ? out : undefined;
  };
}

export const onDeploy: Decoder<OnDeploySpec> = record('an on_deploy block', { success: slot(), failure: slot() });
export const onProbe: Decoder<OnProbeSpec> = record('an on_probe block', { failure: slot(), recovery: slot() });
