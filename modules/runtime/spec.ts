/**
 * registry: credentials docker uses to pull private images — a
 * username/token pair, or a credential helper as docker login would store them. `password`
 * is an alias of `token`; `token` wins when both are written.
 */
import type { At } from '../../lib/manifest/at.js';
import { formatted, record, str } from '../../lib/manifest/decoders.js';
import { REDACTED } from '../../lib/manifest/redact.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';

export interface RegistrySpec {
  url: string;
  username?: string;
  /** `password` is accepted as an alias and normalised to `token`. */
  token?: string;
  /** Docker credential helper suffix (`ecr-login` → docker-credential-ecr-login). */
  helper?: string;
}

const HELPER_ALIASES: Record<string, string> = { ecr: 'ecr-login', aws: 'ecr-login' };

const url = formatted((u) => (/\s/.test(u) ? 'must not contain whitespace (the registry host as docker sees it, e.g. ghcr.io)' : undefined));
const helper = formatted((h) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(h) ? undefined : `${JSON.stringify(h)} is not a credential helper name (e.g. ecr-login)`));

export function validateRegistry(raw: unknown, at: At): RegistrySpec {
  const r = record<RegistrySpec & { password?: string }>('a registry', { url, username: str, token: str, password: str, helper })(raw, at)!;
  const token = r.token || r.password;
  if (!r.url) at.key('url').fail('is required (the registry host, e.g. ghcr.io)');
  if (r.helper) {
    if (r.username || token) {
      at.key('helper').fail('`helper` and `username`/`token` are mutually exclusive: a credential helper supersedes the username/token for the same host, so docker would ignore them');
    }
    const want = HELPER_ALIASES[r.helper];
    if (want) {
      at.key('helper').fail(`unknown credential helper ${JSON.stringify(r.helper)} — did you mean ${JSON.stringify(want)}? docker runs docker-credential-<helper>, so the value is that binary's suffix`);
    }
    return { url: r.url, helper: r.helper };
  }
  if (!r.username) at.key('username').fail('is required (or use `helper` for a credential helper)');
  if (!token) at.key('token').fail('is required (`password` is accepted too; or use `helper` for a credential helper)');
  // Answers show the marker instead of the token: a `get -o json` fed back to apply must not store it as the token.
  if (token === REDACTED) at.key(r.token ? 'token' : 'password').fail(`is ${JSON.stringify(REDACTED)}, the placeholder answers show instead of the secret; write the real token (e.g. from an environment variable)`);
  return { url: r.url, username: r.username, token };
}

/** Owned by the runtime: it is the part of voodu that pulls images. */
export const registryKind: KindDefinition = {
  name: 'registry',
  plural: 'registries',
  scope: 'forbidden',
  summary: 'Credentials docker uses to pull private images from one registry host (username and token, or a credential helper).',
  fields: {
    url: { type: 'string', doc: 'The registry host as docker sees it (e.g. `ghcr.io`, `registry.example.com:5000`), without whitespace; required.' },
    username: { type: 'string', doc: 'The login user; required unless `helper` is set.' },
    token: { type: 'string', doc: 'The password or access token; required unless `helper` is set. Answers show `"(redacted)"` in its place, and that marker is refused as a token.' },
    password: { type: 'string', doc: 'An alias of `token`, stored as `token`; `token` wins when both are written.' },
    helper: { type: 'string', doc: 'A docker credential helper instead of username and token: the suffix of its binary (`ecr-login` runs `docker-credential-ecr-login`). Cannot be combined with `username` or `token`.' },
  },
  defaults: ['`password` is stored as `token` (`token` wins when both are written)'],
  example: `registry "ecr" {
  url    = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
  helper = "ecr-login"
}
`,
  validate: validateRegistry,
  hcl: { nameExample: 'ghcr' },
};

export const kinds = [registryKind];
