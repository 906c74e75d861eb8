/** The installer's pure parts: source parsing, version resolution, artifact choice, checksums, archive checks. */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { takeOwnVersionFlag } from '../../cli/own-version-flag.js';
import { normaliseSource, verbs as manageVerbs } from '../../modules/plugins/cli-manage.js';
import { chooseArtifact, parseChecksum } from '../../modules/plugins/install/assets.js';
import { inspectArchive } from '../../modules/plugins/install/extract.js';
import { parseSource } from '../../modules/plugins/install/index.js';
import { parseVersionRequest, pickRelease, type Release } from '../../modules/plugins/install/resolve.js';
import { rawTarball, type RawEntry } from '../fixtures/plugin-releases/build.js';

test('parseSource: GitHub forms, versions and local paths', (t) => {
  t.deepEqual(parseSource('thadeu/voodu-redis'), { type: 'github', owner: 'thadeu', repo: 'voodu-redis' });
  t.deepEqual(parseSource(' thadeu/voodu-redis@0.14.0 '), { type: 'github', owner: 'thadeu', repo: 'voodu-redis', version: '0.14.0' });
  t.deepEqual(parseSource('thadeu/voodu-pg@^0.12'), { type: 'github', owner: 'thadeu', repo: 'voodu-pg', version: '^0.12' });
  t.deepEqual(parseSource('github.com/thadeu/voodu-caddy'), { type: 'github', owner: 'thadeu', repo: 'voodu-caddy' });
  t.deepEqual(parseSource('https://github.com/thadeu/voodu-caddy.git/'), { type: 'github', owner: 'thadeu', repo: 'voodu-caddy' });
  t.deepEqual(parseSource('https://github.com/thadeu/voodu-caddy@v0.1.6'), { type: 'github', owner: 'thadeu', repo: 'voodu-caddy', version: 'v0.1.6' });
  t.deepEqual(parseSource('/opt/plugins/demo'), { type: 'local', path: '/opt/plugins/demo' });
  t.deepEqual(parseSource('./demo'), { type: 'local', path: resolve('demo') });
  t.deepEqual(parseSource('../demo'), { type: 'local', path: resolve('../demo') });
});

test('parseSource: refusals name the field and the accepted forms', (t) => {
  for (const bad of ['', '   ', 'redis', 'a/b/c', 'https://gitlab.com/a/b', 'owner/repo@', '-x/repo', 'owner/..', 'own er/repo', 42]) {
    const err = t.throws(() => parseSource(bad), undefined, String(bad));
    t.regex(err!.message, /^source: /, String(bad));
    t.is((err as { field?: string }).field, 'source');
  }
  t.regex(t.throws(() => parseSource(''))!.message, /use owner\/repo\[@version\]/);
});

const rel = (tag: string, extra: Partial<Release> = {}): Release => ({ tag_name: tag, assets: [], ...extra });
const RELEASES: Release[] = [
  rel('v3.0.0', { draft: true }),
  rel('v2.1.0-rc.1', { prerelease: true }),
  rel('v2.0.0'),
  rel('nightly'),
  rel('1.5.0'),
  rel('v1.4.2'),
  rel('v1.4.0'),
  rel('v0.14.3'),
  rel('v0.14.0'),
  rel('v1.6.0', { prerelease: true }),
];
const pick = (v?: string) => pickRelease(RELEASES, parseVersionRequest(v), 'acme/x');

test('version resolution: latest, exact pins with or without v, ranges, prereleases only when asked', (t) => {
  t.is(pick().version, '2.0.0');
  t.is(pick('latest').version, '2.0.0');
  t.is(pick('1.4.0').release.tag_name, 'v1.4.0');
  t.is(pick('v1.5.0').release.tag_name, '1.5.0');
  t.is(pick('^1.2').version, '1.5.0', 'a release marked prerelease (1.6.0) stays out of ranges');
  t.is(pick('~1.4').version, '1.4.2');
  t.is(pick('~0.14').version, '0.14.3');
  t.is(pick('>=1 <2').version, '1.5.0');
  t.is(pick('>=2.1.0-rc.0').version, '2.1.0-rc.1');
  t.is(pick('2.1.0-rc.1').version, '2.1.0-rc.1', 'an exact prerelease pin works');
  t.is(pick('1.6.0').version, '1.6.0', 'an exact pin may name a release marked prerelease');
  const none = t.throws(() => pick('^4'));
  t.regex(none!.message, /^version: acme\/x has no release with a version matching "\^4" \(releases: 2\.1\.0-rc\.1, 2\.0\.0, 1\.5\.0, /);
  t.false(none!.message.includes('3.0.0'), 'drafts are not offered');
  t.throws(() => pick('3.0.0'), { message: /no release with version 3\.0\.0/ }, 'drafts are never installed');
  t.throws(() => parseVersionRequest('one point two'), { message: /^version: "one point two" is neither a version nor a semver range/ });
});

test('artifact rule: <repo>_<version>.tar.gz, else the first .tar.gz, else the source archive; checksum from .sha256 or a list', (t) => {
  const a = (name: string) => ({ name, browser_download_url: `https://dl/${name}` });
  const preferred = chooseArtifact(
    rel('v1.0.0', { assets: [a('aaa.tar.gz'), a('voodu-x_1.0.0.tar.gz'), a('voodu-x_1.0.0.tar.gz.sha256'), a('checksums.txt')] }),
    'voodu-x',
    '1.0.0',
  );
  t.like(preferred, { name: 'voodu-x_1.0.0.tar.gz', sourceArchive: false, checksum: { kind: 'single', name: 'voodu-x_1.0.0.tar.gz.sha256' } });
  const any = chooseArtifact(rel('v1.0.0', { assets: [a('voodu-x_linux_amd64'), a('b.tgz'), a('a.tar.gz'), a('SHA256SUMS')] }), 'voodu-x', '1.0.0');
  t.like(any, { name: 'a.tar.gz', checksum: { kind: 'list', name: 'SHA256SUMS' } });
  const source = chooseArtifact(rel('v1.0.0', { tarball_url: 'https://api/tarball/v1.0.0', assets: [a('voodu-x_linux_amd64')] }), 'voodu-x', '1.0.0');
  t.like(source, { url: 'https://api/tarball/v1.0.0', sourceArchive: true });
  t.is(source?.checksum, undefined);
  t.is(chooseArtifact(rel('v1.0.0'), 'voodu-x', '1.0.0'), undefined);
});

test('checksum files: bare hex, hex + name, sha256sum lists with * and comments', (t) => {
  const h = 'ab'.repeat(32);
  const o = 'cd'.repeat(32);
  t.is(parseChecksum(`${h}\n`, 'x.tar.gz', 'single'), h);
  t.is(parseChecksum(`${h.toUpperCase()}  x.tar.gz\n`, 'x.tar.gz', 'single'), h);
  t.is(parseChecksum(`# sums\n${o}  y.tar.gz\n${h} *x.tar.gz\r\n`, 'x.tar.gz', 'list'), h);
  t.is(parseChecksum(`${o}  y.tar.gz\n`, 'x.tar.gz', 'list'), undefined);
  t.is(parseChecksum('not a checksum', 'x.tar.gz', 'single'), undefined);
});

const LIMITS = { maxEntries: 100, maxUnpackedBytes: 1024 * 1024 };
const base: RawEntry[] = [{ path: 'plugin.yml', body: 'name: x\n' }];

test('archive checks: absolute paths, .., escaping hard and soft links and device-like entries are refused; one top dir is stripped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-archive-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let n = 0;
  const check = async (entries: RawEntry[]) => {
    const file = join(dir, `t${n++}.tar.gz`);
    await writeFile(file, rawTarball(entries));
    return inspectArchive(file, 'x', LIMITS);
  };
  const refused = async (entries: RawEntry[], message: RegExp) => {
    const err = await t.throwsAsync(check(entries));
    t.regex(err!.message, message);
  };
  await refused([...base, { path: '/etc/cron.d/x', body: 'x' }], /entry "\/etc\/cron\.d\/x" is an absolute path/);
  await refused([...base, { path: 'a/../../x', body: 'x' }], /walks out with '\.\.'/);
  await refused([...base, { path: 'bin/sh', type: 'SymbolicLink', linkpath: '/bin/sh' }], /symlink "bin\/sh" points to "\/bin\/sh", outside/);
  await refused([...base, { path: 'a/b', type: 'SymbolicLink', linkpath: '../../x' }], /outside the plugin directory/);
  await refused([...base, { path: 'pw', type: 'Link', linkpath: '../etc/passwd' }], /hard link "pw"/);
  await refused([...base, { path: 'fifo', type: 'FIFO' }], /is a FIFO; only files, directories and links/);
  await refused([], /it is empty/);
  t.is(await check([...base, { path: 'bin/ok', type: 'SymbolicLink', linkpath: '../plugin.yml' }]), 0, 'a link inside is fine');
  t.is(await check([{ path: 'top/', type: 'Directory' }, { path: 'top/plugin.yml', body: 'name: x\n' }]), 1);
  t.is(await check([{ path: 'top/plugin.yml', body: 'name: x\n' }, { path: 'top/bin/a', type: 'SymbolicLink', linkpath: '../plugin.yml' }]), 1);
  await refused([{ path: 'top/plugin.yml', body: 'x' }, { path: 'top/l', type: 'SymbolicLink', linkpath: '../x' }], /outside the plugin directory/);
});

test('CLI: relative local sources become absolute; --version after a plugins verb is the verb\'s, elsewhere sade\'s', (t) => {
  t.is(normaliseSource('./demo', '/home/me'), '/home/me/demo');
  t.is(normaliseSource('../demo', '/home/me'), '/home/demo');
  t.is(normaliseSource('acme/demo', '/home/me'), 'acme/demo');
  t.deepEqual(takeOwnVersionFlag(manageVerbs, ['plugins', 'install', 'a/b', '--version', '^1.2']), { args: ['plugins', 'install', 'a/b'], value: '^1.2' });
  t.deepEqual(takeOwnVersionFlag(manageVerbs, ['plugins:install', 'a/b', '--version=1.0.0']), { args: ['plugins:install', 'a/b'], value: '1.0.0' });
  t.deepEqual(takeOwnVersionFlag(manageVerbs, ['plugins', 'list', '--version']), { args: ['plugins', 'list', '--version'] });
  t.throws(() => takeOwnVersionFlag(manageVerbs, ['plugins', 'install', 'a/b', '--version']), { message: /--version needs a value/ });
});
