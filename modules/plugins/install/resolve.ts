/**
 * Which release a version request means. Pure: it sees the
 * releases the API listed (or the versions the cache holds) and answers one.
 *
 * - none / `latest`: the highest non-prerelease;
 * - an exact version (`1.2.3`, `v1.2.3`, `1.3.0-rc.1`): that one;
 * - a range (`^1.2`, `~0.14`, `>=1 <2`): the highest satisfying it, with
 *   prereleases only when the range itself names one (semver's own rule).
 */
import semver from 'semver';
import { ValidationError } from '../../../lib/errors.js';

/** The fields of a GitHub release object we read. */
export interface Release {
  tag_name: string;
  draft?: boolean;
  prerelease?: boolean;
  tarball_url?: string | null;
  assets?: ReleaseAsset[];
}

export interface ReleaseAsset {
  name: string;
  browser_download_url: string;
  size?: number;
}

export type VersionRequest = { type: 'latest' } | { type: 'exact'; version: string } | { type: 'range'; range: string };

export function parseVersionRequest(raw: string | undefined): VersionRequest {
  const text = raw?.trim() ?? '';
  if (!text || text === 'latest') return { type: 'latest' };
  const exact = semver.valid(text.replace(/^[vV]/, ''));
  if (exact) return { type: 'exact', version: exact };
  const range = semver.validRange(text);
  if (range) return { type: 'range', range: text };
  throw new ValidationError(
    `version: ${JSON.stringify(text)} is neither a version nor a semver range; use latest, 1.2.3 (or v1.2.3), ^1.2, ~0.14 or ">=1 <2"`,
    { field: 'version' },
  );
}

/** The semver version a release tag names, or undefined for tags that are not versions. */
export function versionOfTag(tag: string): string | undefined {
  return semver.valid(tag.trim().replace(/^[vV]/, '')) ?? undefined;
}

/** The best of `versions` for `req`, or undefined. */
export function pickVersion(versions: string[], req: VersionRequest): string | undefined {
  const valid = versions.filter((v) => semver.valid(v));
  switch (req.type) {
    case 'latest':
      return semver.rsort(valid.filter((v) => !semver.prerelease(v)))[0];
    case 'exact':
      return valid.find((v) => semver.eq(v, req.version));
    case 'range':
      return semver.maxSatisfying(valid, req.range) ?? undefined;
  }
}

/** The release `req` means among the API's list; drafts never count. Errors list what exists. */
export function pickRelease(releases: Release[], req: VersionRequest, repoLabel: string): { release: Release; version: string } {
  const byVersion = new Map<string, Release>();
  for (const r of releases) {
    if (r.draft) continue;
    const v = versionOfTag(r.tag_name);
    // A release marked prerelease with a plain version tag stays out of `latest` and ranges.
    if (!v || (r.prerelease && !semver.prerelease(v) && req.type !== 'exact')) continue;
    if (!byVersion.has(v)) byVersion.set(v, r);
  }
  const version = pickVersion([...byVersion.keys()], req);
  if (!version) {
    const known = semver.rsort([...byVersion.keys()]).slice(0, 10);
    const asked = req.type === 'latest' ? 'a non-prerelease version' : req.type === 'exact' ? `version ${req.version}` : `a version matching ${JSON.stringify(req.range)}`;
    throw new ValidationError(
      `version: ${repoLabel} has no release with ${asked} (releases: ${known.length ? known.join(', ') : 'none with a semver tag'})`,
      { field: 'version' },
    );
  }
  return { release: byVersion.get(version)!, version };
}

export function describeRequest(req: VersionRequest): string {
  return req.type === 'latest' ? 'latest' : req.type === 'exact' ? req.version : req.range;
}
