/**
 * Which file of a release is the plugin, and where its checksum is
 * published. The rule (documented in docs/plugin-protocol.md, "Publishing a release"):
 *
 * 1. an asset named `<repo>_<version>.tar.gz` (or `<repo>_v<version>.tar.gz`);
 * 2. else the only/first `*.tar.gz` / `*.tgz` asset, by name;
 * 3. else the release's source archive (`tarball_url`).
 *
 * The sha256 comes from an asset `<asset>.sha256`, else a line
 * `<hex>  <asset>` of `checksums.txt`, `SHA256SUMS` or `sha256sums.txt`.
 * A source archive has no published checksum (GitHub builds it on demand).
 */
import type { Release, ReleaseAsset } from './resolve.js';

export interface ChosenArtifact {
  /** File name used in the cache and in messages. */
  name: string;
  url: string;
  /** True for the generated source archive (no checksum can exist). */
  sourceArchive: boolean;
  size?: number;
  /** Where the expected sha256 is published, when it is. */
  checksum?: { url: string; kind: 'single' | 'list'; name: string };
}

const TARBALL = /\.(tar\.gz|tgz)$/i;
const LISTS = ['checksums.txt', 'sha256sums', 'sha256sums.txt'];

export function chooseArtifact(release: Release, repo: string, version: string): ChosenArtifact | undefined {
  const assets = [...(release.assets ?? [])].filter((a) => a && typeof a.name === 'string' && typeof a.browser_download_url === 'string');
  const preferred = [`${repo}_${version}.tar.gz`, `${repo}_v${version}.tar.gz`].map((n) => n.toLowerCase());
  const asset =
    assets.find((a) => preferred.includes(a.name.toLowerCase())) ??
    assets.filter((a) => TARBALL.test(a.name)).sort((a, b) => a.name.localeCompare(b.name))[0];
  if (asset) return { name: asset.name, url: asset.browser_download_url, sourceArchive: false, ...(asset.size ? { size: asset.size } : {}), ...checksumFor(asset, assets) };
  if (release.tarball_url) {
    return { name: `${repo}_${version}.source.tar.gz`, url: release.tarball_url, sourceArchive: true };
  }
  return undefined;
}

function checksumFor(asset: ReleaseAsset, assets: ReleaseAsset[]): Pick<ChosenArtifact, 'checksum'> {
  const single = assets.find((a) => a.name.toLowerCase() === `${asset.name.toLowerCase()}.sha256`);
  if (single) return { checksum: { url: single.browser_download_url, kind: 'single', name: single.name } };
  const list = assets.find((a) => LISTS.includes(a.name.toLowerCase()));
  if (list) return { checksum: { url: list.browser_download_url, kind: 'list', name: list.name } };
  return {};
}

/**
 * The sha256 for `fileName` in a checksum file: a `.sha256` holds the hex
 * (optionally followed by the name), a list holds `<hex>  [*]<name>` lines.
 */
export function parseChecksum(text: string, fileName: string, kind: 'single' | 'list'): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    if (!m) continue;
    const name = m[2]?.trim().replace(/^\.\//, '');
    if (kind === 'single' && (!name || name === fileName)) return m[1]!.toLowerCase();
    if (kind === 'list' && name === fileName) return m[1]!.toLowerCase();
  }
  return undefined;
}
