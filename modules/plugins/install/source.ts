/**
 * Where a plugin comes from: a
 * local directory, or a GitHub repository whose releases carry the plugin.
 * Parsed once at the edge so nothing downstream sees raw user text.
 */
import { resolve } from 'node:path';
import { ValidationError } from '../../../lib/errors.js';

export type PluginSource = { type: 'local'; path: string } | { type: 'github'; owner: string; repo: string; version?: string };

// GitHub's own rules: owners are alphanumeric with single hyphens, repos add `.` and `_`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

const FORMS = 'use owner/repo[@version], github.com/owner/repo, https://github.com/owner/repo, or a local path starting with /, ./ or ../';

export function parseSource(raw: unknown): PluginSource {
  if (typeof raw !== 'string' || !raw.trim()) {
    throw new ValidationError(`source: plugin source is empty; ${FORMS}`, { field: 'source' });
  }
  const text = raw.trim();
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../') || text === '.' || text === '..') {
    return { type: 'local', path: resolve(text) };
  }

  let rest = text;
  const scheme = /^https?:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  if (/^(www\.)?github\.com\//i.test(rest)) rest = rest.slice(rest.indexOf('/') + 1);
  else if (scheme) throw new ValidationError(`source: ${JSON.stringify(text)} is not a GitHub URL; ${FORMS}`, { field: 'source' });

  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    version = rest.slice(at + 1).trim();
    rest = rest.slice(0, at);
    if (!version) throw new ValidationError(`source: ${JSON.stringify(text)} ends with '@' but names no version; write owner/repo@1.2.3 or drop the '@'`, { field: 'source' });
  }
  rest = rest.replace(/\/+$/, '').replace(/\.git$/i, '');
  const parts = rest.split('/');
  if (parts.length !== 2) throw new ValidationError(`source: ${JSON.stringify(text)} is not owner/repo; ${FORMS}`, { field: 'source' });
  const [owner, repo] = parts as [string, string];
  if (!OWNER.test(owner)) throw new ValidationError(`source: owner ${JSON.stringify(owner)} is not a GitHub user or organisation name (letters, digits, '-')`, { field: 'source' });
  if (!REPO.test(repo) || repo === '.' || repo === '..') {
    throw new ValidationError(`source: repository ${JSON.stringify(repo)} is not a GitHub repository name (letters, digits, '.', '-', '_')`, { field: 'source' });
  }
  return { type: 'github', owner, repo, ...(version ? { version } : {}) };
}

/** The normalised text recorded with an install and shown by `plugins:list`. */
export function formatSource(source: PluginSource): string {
  return source.type === 'local' ? source.path : `${source.owner}/${source.repo}`;
}
