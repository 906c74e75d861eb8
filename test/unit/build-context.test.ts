/**
 * The build context packer: what `.dockerignore` leaves out (Docker's rules), what is always
 * sent, what is refused (a Dockerfile outside or missing, a symlink leading out, a context over
 * the size limit), and an ID that follows the content only: the same tree gives the same bytes
 * wherever and whenever it was written, and `stream()` gives those bytes again.
 */
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { chmod, link, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar';
import { CliError } from '../../cli/client.js';
import { packContext, type BuildContext } from '../../cli/build/context.js';

/** A fresh temp dir holding `files` (path → text), created in the order given; removed after the test. */
async function tree(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-build-context-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function bytesOf(ctx: BuildContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Listed {
  path: string;
  type: string;
  mode: number | undefined;
  linkpath: string | undefined;
}

/** The tar's entries, in their order, read back with `tar.t`. */
async function listing(ctx: BuildContext): Promise<Listed[]> {
  const entries: Listed[] = [];
  const parser = tar.t({ onReadEntry: (e) => void entries.push({ path: e.path, type: e.type, mode: e.mode, linkpath: e.linkpath || undefined }) });
  const ended = new Promise((resolve) => parser.on('end', resolve));
  for await (const chunk of ctx.stream()) parser.write(chunk as Buffer);
  parser.end();
  await ended;
  return entries;
}

const paths = async (ctx: BuildContext) => (await listing(ctx)).map((e) => e.path);

const base = { Dockerfile: 'FROM node:20\nCOPY . /app\n', 'app.js': 'console.log(1)\n' };

test('.dockerignore: Docker patterns, `**`, a directory pattern, `!` exceptions; the ignored secret is not in the tar', async (t) => {
  const dir = await tree(t, {
    ...base,
    '.dockerignore': ['\uFEFFnode_modules', '# build junk', '**/*.log', '*.md', '!README.md', 'secret.env', 'build/', '!build/keep.txt', ''].join('\n'),
    'README.md': 'readme',
    'NOTES.md': 'notes',
    'docs/guide.md': '`*.md` matches at the root only',
    'src/index.js': 'index',
    'src/debug.log': 'log',
    'deep/a/b/trace.log': 'log',
    'top.log': 'log',
    'node_modules/pkg/index.js': 'dep',
    'secret.env': 'API_KEY=hunter2-do-not-send',
    'build/out.js': 'out',
    'build/keep.txt': 'kept',
  });
  const ctx = await packContext(dir);
  const listed = await paths(ctx);
  t.deepEqual(listed, [
    '.dockerignore',
    'Dockerfile',
    'README.md',
    'app.js',
    'build/',
    'build/keep.txt',
    'deep/',
    'deep/a/',
    'deep/a/b/',
    'docs/',
    'docs/guide.md',
    'src/',
    'src/index.js',
  ]);
  t.is(ctx.entries, listed.length);
  t.is(ctx.dockerfile, 'Dockerfile');
  t.false((await bytesOf(ctx)).includes('hunter2'), 'the secret file content was sent');
});

test('the Dockerfile and .dockerignore are sent even when .dockerignore lists them', async (t) => {
  const dir = await tree(t, { ...base, '.dockerignore': 'Dockerfile\n.dockerignore\n*\n' });
  t.deepEqual(await paths(await packContext(dir)), ['.dockerignore', 'Dockerfile']);
});

test('a custom dockerfile path, sent even inside an ignored directory; the rest of that directory is not', async (t) => {
  const dir = await tree(t, { 'app.js': 'x', 'docker/prod.Dockerfile': 'FROM scratch\n', 'docker/notes.txt': 'n', '.dockerignore': 'docker\n' });
  const ctx = await packContext(dir, { dockerfile: './docker//prod.Dockerfile' });
  t.is(ctx.dockerfile, 'docker/prod.Dockerfile');
  t.deepEqual(await paths(ctx), ['.dockerignore', 'app.js', 'docker/', 'docker/prod.Dockerfile']);
});

test('the same content gives the same id, whatever the order it was written in and its mtimes', async (t) => {
  const files = { ...base, 'src/a.js': 'a', 'src/b/c.js': 'c', 'z.txt': 'z', 'a-b.txt': '-' };
  const one = await tree(t, files);
  const two = await tree(t, Object.fromEntries(Object.entries(files).reverse()));
  await utimes(join(two, 'src/a.js'), new Date('2011-01-01'), new Date('2011-01-01'));
  await utimes(join(two, 'src'), new Date('2012-01-01'), new Date('2012-01-01'));
  const [a, b] = await Promise.all([packContext(one), packContext(two)]);
  t.regex(a.id, /^[0-9a-f]{12}$/);
  t.is(a.id, a.sha256.slice(0, 12));
  t.is(a.sha256, b.sha256);
  t.is(a.bytes, b.bytes);
  t.deepEqual(await paths(a), ['Dockerfile', 'a-b.txt', 'app.js', 'src/', 'src/a.js', 'src/b/', 'src/b/c.js', 'z.txt'], 'sorted by path, byte order');
});

test('what changes the id: a byte, a file added, removed or renamed, an executable bit; not a touch, not an ignored file', async (t) => {
  const dir = await tree(t, { ...base, '.dockerignore': '*.log\n', 'debug.log': 'one', 'lib.js': 'abc' });
  const id = async () => (await packContext(dir)).id;
  const first = await id();
  await utimes(join(dir, 'lib.js'), new Date('2030-01-01'), new Date('2030-01-01'));
  t.is(await id(), first, 'touching a file changed the id');
  await writeFile(join(dir, 'debug.log'), 'two, and longer');
  t.is(await id(), first, 'an ignored file changed the id');
  await writeFile(join(dir, 'lib.js'), 'abd');
  const changed = await id();
  t.not(changed, first, 'a changed byte kept the id');
  await chmod(join(dir, 'lib.js'), 0o755);
  const executable = await id();
  t.not(executable, changed, 'the executable bit is content');
  await rename(join(dir, 'lib.js'), join(dir, 'lib2.js'));
  const renamed = await id();
  t.not(renamed, executable, 'a rename kept the id');
  await writeFile(join(dir, 'new.js'), '');
  const added = await id();
  t.not(added, renamed, 'an added file kept the id');
  await rm(join(dir, 'new.js'));
  t.is(await id(), renamed, 'removing the added file gives the id back');
});

test('stream() gives the same bytes every time, and they hash to sha256', async (t) => {
  const dir = await tree(t, { ...base, 'big.bin': 'x'.repeat(300_000), 'a/very/long/path/that/goes/on/and/on/past/the/hundred/characters/of/a/plain/tar/header/name/field/file.txt': 'long' });
  const ctx = await packContext(dir);
  const [one, two] = [await bytesOf(ctx), await bytesOf(ctx)];
  t.true(one.equals(two));
  t.is(one.length, ctx.bytes);
  t.is(createHash('sha256').update(one).digest('hex'), ctx.sha256);
  const unread = ctx.stream();
  t.false(unread.readableObjectMode, 'a byte stream');
  unread.destroy();
});

test('a context that changes after packing fails its stream at the end instead of sending other bytes', async (t) => {
  const dir = await tree(t, { ...base, 'lib.js': 'abc' });
  const ctx = await packContext(dir);
  await writeFile(join(dir, 'lib.js'), 'abd');
  const err = await t.throwsAsync(bytesOf(ctx), { instanceOf: CliError });
  t.regex(err!.message, /changed while it was being sent.*run the command again/);
});

test('a hard link is sent as a plain file: the id does not depend on how the files were linked', async (t) => {
  const linked = await tree(t, { ...base, 'a.txt': 'same' });
  await link(join(linked, 'a.txt'), join(linked, 'b.txt'));
  const copied = await tree(t, { ...base, 'a.txt': 'same', 'b.txt': 'same' });
  const ctx = await packContext(linked);
  t.is(ctx.id, (await packContext(copied)).id);
  t.deepEqual((await listing(ctx)).map((e) => e.type), ['File', 'File', 'File', 'File']);
});

test('a symlink inside the context is kept as a link; sockets are skipped', async (t) => {
  const dir = await tree(t, { ...base, 'conf/real.yml': 'x: 1' });
  await symlink('conf/real.yml', join(dir, 'current.yml'));
  await mkdir(join(dir, 'd'));
  await symlink('../conf/real.yml', join(dir, 'd/real'));
  await symlink('..', join(dir, 'd/up'));
  await symlink('up/conf/real.yml', join(dir, 'd/via-up'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'control.sock'), resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const listed = await listing(await packContext(dir));
  t.deepEqual(
    listed.filter((e) => e.type === 'SymbolicLink').map((e) => [e.path, e.linkpath]),
    [['current.yml', 'conf/real.yml'], ['d/real', '../conf/real.yml'], ['d/up', '..'], ['d/via-up', 'up/conf/real.yml']],
  );
  t.false(listed.some((e) => e.path.includes('control.sock')), 'a socket was sent');
});

test('a symlink leading out of the context is refused, naming it, its target and the fix; unless it is ignored', async (t) => {
  const cases: Array<[string, string]> = [
    ['etc-passwd', '/etc/passwd'],
    ['sub/out', '../../outside.txt'],
    // d/up → the context root itself, so d/up/.. is its parent: out, though d/up/.. reads as d.
    ['through', 'd/up/..'],
  ];
  for (const [path, target] of cases) {
    const dir = await tree(t, { ...base, 'sub/in.txt': 'in' });
    await mkdir(join(dir, 'd'), { recursive: true });
    await symlink('..', join(dir, 'd/up'));
    await symlink(target, join(dir, path));
    const err = await t.throwsAsync(packContext(dir), { instanceOf: CliError }, path);
    t.true(err!.message.includes(`${path} → ${target}`), err!.message);
    t.regex(err!.message, /outside .*copy the file .* into the context, or add .* to .*\.dockerignore/);
    await writeFile(join(dir, '.dockerignore'), `${path}\n`);
    await t.notThrowsAsync(packContext(dir), `${path}, ignored, is not sent and not checked`);
  }
});

test('build.dockerfile outside the context, or missing, is refused with the fix', async (t) => {
  const dir = await tree(t, { 'app.js': 'x', 'docker/Dockerfile': 'FROM scratch\n' });
  for (const dockerfile of ['../Dockerfile', 'docker/../../Dockerfile', '/etc/Dockerfile']) {
    const err = await t.throwsAsync(packContext(dir, { dockerfile }), { instanceOf: CliError });
    t.regex(err!.message, /^build\.dockerfile: .* is outside the context/, dockerfile);
  }
  const missing = await t.throwsAsync(packContext(dir), { instanceOf: CliError });
  t.is(missing!.message, `build.dockerfile: no Dockerfile at ${dir}/Dockerfile; add one or set build.dockerfile`);
  const aDir = await t.throwsAsync(packContext(dir, { dockerfile: 'docker' }), { instanceOf: CliError });
  t.regex(aDir!.message, /^build\.dockerfile: no Dockerfile at .*\/docker;/);
});

test('build.context that is not a directory is refused', async (t) => {
  const dir = await tree(t, base);
  for (const context of [join(dir, 'app.js'), join(dir, 'nope')]) {
    const err = await t.throwsAsync(packContext(context), { instanceOf: CliError });
    t.true(err!.message.startsWith(`build.context: ${context} is not a directory; `), err!.message);
  }
});

test('a context over the size limit is refused, naming the sizes, VOODU_BUILD_MAX_SIZE and .dockerignore', async (t) => {
  const dir = await tree(t, { ...base, 'blob.bin': 'x'.repeat(2900) });
  const fix = /over the limit of 2 KiB; .*\.dockerignore.*VOODU_BUILD_MAX_SIZE/;
  // The files alone are over: refused before anything is read.
  const env = await t.throwsAsync(packContext(dir, { env: { VOODU_BUILD_MAX_SIZE: '2K' } }), { instanceOf: CliError });
  t.regex(env!.message, fix);
  t.regex(env!.message, /^build\.context: .* packs to at least 2\.9 KiB, /);
  // The files are under, the tar (headers, padding) is over: refused while hashing.
  const small = await tree(t, { Dockerfile: 'FROM scratch\n', 'a.txt': 'a' });
  const tarOver = await t.throwsAsync(packContext(small, { env: { VOODU_BUILD_MAX_SIZE: '2048' } }), { instanceOf: CliError });
  t.regex(tarOver!.message, fix);
  t.is((await packContext(small, { maxBytes: 3072 })).bytes, 3072, 'a context of exactly the limit is sent');
  // maxBytes wins over the env; the env takes K, M, G.
  await t.throwsAsync(packContext(dir, { maxBytes: 2048, env: { VOODU_BUILD_MAX_SIZE: '1G' } }), { message: fix });
  t.truthy(await packContext(dir, { env: { VOODU_BUILD_MAX_SIZE: '1m' } }));
  t.truthy(await packContext(dir, { env: {} }), 'the default is 500 MiB');
  const bad = await t.throwsAsync(packContext(dir, { env: { VOODU_BUILD_MAX_SIZE: 'lots' } }), { instanceOf: CliError });
  t.regex(bad!.message, /^VOODU_BUILD_MAX_SIZE: "lots" is not a size/);
});

test('upload progress: a line while a slow upload lasts, none at its end, the bytes untouched', async (t) => {
  const { withUploadProgress } = await import('../../cli/build/apply-builds.js');
  const { Readable } = await import('node:stream');
  const chunks = [Buffer.alloc(1024 * 1024, 1), Buffer.alloc(1024 * 1024, 2), Buffer.alloc(1024 * 1024, 3)];
  const slow = Readable.from(
    (async function* () {
      for (const c of chunks) {
        await new Promise((r) => setTimeout(r, 30));
        yield c;
      }
    })(),
  );
  const lines: string[] = [];
  const out: Buffer[] = [];
  for await (const c of withUploadProgress(slow, 3 * 1024 * 1024, (l) => lines.push(l), 20)) out.push(c as Buffer);
  t.true(Buffer.concat(out).equals(Buffer.concat(chunks)));
  t.deepEqual(lines, ['       sent 1.0/3.0 MiB', '       sent 2.0/3.0 MiB']);
});
