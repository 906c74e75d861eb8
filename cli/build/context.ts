/**
 * Packs a deployment's build context (`build { context, dockerfile }`) into
 * the tar the CLI streams to the controller, which builds the image from it.
 *
 * What goes in is what `docker build` would send: the context directory
 * minus what its `.dockerignore` excludes (Docker's pattern rules, `!`
 * exceptions included), with the Dockerfile and `.dockerignore` always sent.
 * What cannot work on the controller is refused here, with the fix: a
 * Dockerfile outside the context or missing, a symlink leading out of the
 * context (the controller has only the tar, not this machine's files), a
 * context bigger than the limit.
 *
 * The tar's bytes depend only on the content: entries sorted by path, every
 * mtime fixed, no owner or access times, hard links sent as plain files, no
 * gzip. So the same tree gives the same sha256, whose first 12 hex chars are
 * the build ID, on any machine and at any time, and touching a file does not
 * make a new build. File modes are kept: an executable bit is content.
 *
 * The tar is never held whole: `packContext` streams it once through the
 * hash and a byte count, and `stream()` packs it again for the upload,
 * checking on the way that it still hashes the same.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CliError } from '../client.js';

export interface BuildContext {
  /** 12 lowercase hex chars: the first 12 of `sha256` — the build ID. */
  id: string;
  /** sha256 (hex) of the exact tar bytes `stream()` yields. */
  sha256: string;
  /** Entries in the tar (files, directories, symlinks) and its size in bytes. */
  entries: number;
  bytes: number;
  /** Path of the Dockerfile inside the context, posix, e.g. "Dockerfile" or "docker/prod.Dockerfile". */
  dockerfile: string;
  /** A fresh stream of exactly the same bytes on every call (the tar is never held in memory whole). */
  stream(): Readable;
}

export interface PackOptions {
  /** Relative to the context dir; default "Dockerfile". */
  dockerfile?: string;
  /** Refuse a context bigger than this (bytes). Default: env VOODU_BUILD_MAX_SIZE (bytes, or with a K/M/G suffix, 1024-based) else 500 MiB. */
  maxBytes?: number;
  env?: NodeJS.ProcessEnv;
}

// The packages are imported where they are used: the CLI is bundled into one
// file, where a static import would load them on every command's start.

const DEFAULT_MAX_BYTES = 500 * 1024 ** 2;
/** Every file and symlink entry carries this mtime (directories carry none in portable mode). Not the epoch: some tools refuse dates before 1980. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
/** Symlinks followed while resolving one link's target before it counts as a loop. */
const MAX_LINK_HOPS = 40;

export async function packContext(contextDir: string, options: PackOptions = {}): Promise<BuildContext> {
  const root = resolve(contextDir);
  const maxBytes = options.maxBytes ?? maxBytesFromEnv(options.env ?? process.env);
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new CliError(`build.context: ${contextDir} is not a directory; set build.context to the directory holding the Dockerfile and the files the image is built from`);
  }
  const dockerfile = await checkDockerfile(root, contextDir, options.dockerfile ?? 'Dockerfile');
  const filter = await contextFilter(root, dockerfile);
  const { paths, fileBytes } = await listContext(root, contextDir, filter);
  if (fileBytes > maxBytes) throw tooBig(contextDir, fileBytes, maxBytes);

  const hash = createHash('sha256');
  let bytes = 0;
  const first = packStream(root, paths);
  for await (const chunk of first) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) throw tooBig(contextDir, bytes, maxBytes); // leaving the loop destroys the stream
    hash.update(chunk as Buffer);
  }
  const sha256 = hash.digest('hex');
  return {
    id: sha256.slice(0, 12),
    sha256,
    entries: paths.length,
    bytes,
    dockerfile,
    stream: () => packStream(root, paths, { contextDir, sha256 }),
  };
}

/** VOODU_BUILD_MAX_SIZE: bytes, or a number with K, M or G (1024-based); unset → 500 MiB. */
function maxBytesFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.VOODU_BUILD_MAX_SIZE?.trim();
  if (!raw) return DEFAULT_MAX_BYTES;
  const m = /^(\d+)\s*([KMG])?(?:i?B)?$/i.exec(raw);
  const n = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] ?? ' ').toUpperCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new CliError(`VOODU_BUILD_MAX_SIZE: "${raw}" is not a size; use a number of bytes, or one with K, M or G (e.g. 800M, 2G)`);
  }
  return n;
}

/** `size` is what was counted when the limit was crossed: the context is at least that big. */
function tooBig(contextDir: string, size: number, limit: number): CliError {
  const raised = `${Math.ceil((2 * limit) / 1024 ** 2)}M`;
  return new CliError(
    `build.context: ${contextDir} packs to at least ${formatBytes(size)}, over the limit of ${formatBytes(limit)}; ` +
      `list what the image does not need (node_modules, .git, build output) in ${posix.join(contextDir, '.dockerignore')}, or raise the limit with VOODU_BUILD_MAX_SIZE (e.g. VOODU_BUILD_MAX_SIZE=${raised})`,
  );
}

function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size) return `${(n / size).toFixed(1).replace(/\.0$/, '')} ${unit}`;
  }
  return `${n} bytes`;
}

/** The Dockerfile's path inside the context, posix and normalized; refused when it leaves the context or is not a file. */
async function checkDockerfile(root: string, contextDir: string, given: string): Promise<string> {
  const rel = posix.normalize(given.replaceAll('\\', '/'));
  if (posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
    throw new CliError(`build.dockerfile: "${given}" is outside the context ${contextDir}; give a path relative to build.context and inside it (move the Dockerfile into the context, or widen build.context)`);
  }
  const st = await stat(join(root, rel)).catch(() => undefined);
  if (!st?.isFile()) {
    throw new CliError(`build.dockerfile: no Dockerfile at ${posix.join(contextDir, rel)}; add one or set build.dockerfile`);
  }
  return rel;
}

/** Decides, for a path relative to the context, whether it is sent, and whether an excluded directory must still be walked. */
interface ContextFilter {
  sends(rel: string): boolean;
  /** An excluded directory may hold something sent anyway (a `!` exception, the Dockerfile): walk it. */
  mayHoldSent(dirRel: string): boolean;
}

/** The context's `.dockerignore` (Docker's rules), with the Dockerfile and `.dockerignore` always sent. */
async function contextFilter(root: string, dockerfile: string): Promise<ContextFilter> {
  const file = join(root, '.dockerignore');
  const text = (await stat(file).catch(() => undefined))?.isFile() ? await readFile(file, 'utf8') : '';
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/); // Docker drops a leading byte-order mark too
  // A CommonJS package whose typings declare `export default`: Node hands ESM its
  // module.exports, which also carries itself as `.default`.
  const { default: dockerignoreModule } = await import('@balena/dockerignore');
  const ig = dockerignoreModule.default({ ignorecase: false }).add(lines);
  const always = new Set([dockerfile, '.dockerignore']);
  // The literal start of each `!` pattern (up to its first wildcard or escape): only a
  // directory that such a start can lead into may hold a re-included path.
  const exceptionStarts = lines
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => posix.normalize(l.slice(1).trim()).replace(/^\/+/, ''))
    .map((p) => p.slice(0, p.search(/[*?[\\]|$/)));
  return {
    sends: (rel) => always.has(rel) || !ig.ignores(rel),
    mayHoldSent: (dirRel) => {
      const prefix = `${dirRel}/`;
      return dockerfile.startsWith(prefix) || exceptionStarts.some((s) => s.startsWith(prefix) || prefix.startsWith(s));
    },
  };
}

/**
 * Every path sent, sorted by byte order, with the directories that hold them;
 * and the total size of the files (a lower bound of the tar's size).
 */
async function listContext(root: string, contextDir: string, filter: ContextFilter): Promise<{ paths: string[]; fileBytes: number }> {
  const sent = new Set<string>();
  let fileBytes = 0;

  const visit = async (dirRel: string): Promise<void> => {
    const dirents = await readdir(dirRel ? join(root, dirRel) : root, { withFileTypes: true });
    await Promise.all(
      dirents.map(async (d) => {
        const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
        const sends = filter.sends(rel);
        if (d.isDirectory()) {
          if (sends) sent.add(rel);
          if (sends || filter.mayHoldSent(rel)) await visit(rel);
        } else if (!sends) {
          return;
        } else if (d.isFile()) {
          const { size } = await lstat(join(root, rel));
          fileBytes += size;
          sent.add(rel);
        } else if (d.isSymbolicLink()) {
          await refuseEscapingLink(root, contextDir, rel);
          sent.add(rel);
        }
        // Sockets, FIFOs and devices are not content: skipped, as Docker does.
      }),
    );
  };
  await visit('');

  // A path re-included under an excluded directory brings that directory's entry with it.
  for (const rel of [...sent]) {
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) sent.add(rel.slice(0, i));
  }
  const paths = [...sent].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { paths, fileBytes };
}

/** A symlink is sent as a link, unfollowed; one whose target resolves outside the context, directly or through other links, is refused. */
async function refuseEscapingLink(root: string, contextDir: string, linkRel: string): Promise<void> {
  const target = await readlink(join(root, linkRel));
  if (!(await staysInside(root, linkRel, target))) {
    throw new CliError(
      `build.context: the symlink ${linkRel} → ${target} leads outside ${contextDir}, and the build gets only the context; ` +
        `copy the file it points to into the context, or add ${linkRel} to ${posix.join(contextDir, '.dockerignore')}`,
    );
  }
}

/** Resolves `target` (read from the link at `linkRel`) step by step inside the context, following the links met on the way. */
async function staysInside(root: string, linkRel: string, target: string): Promise<boolean> {
  if (posix.isAbsolute(target)) return false;
  const at = linkRel.split('/').slice(0, -1); // where we are: the link's directory, as components
  let todo = target.split('/');
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) return false;
      at.pop();
      continue;
    }
    at.push(part);
    const st = await lstat(join(root, ...at)).catch(() => undefined);
    if (!st?.isSymbolicLink()) continue; // a directory, a file, or nothing yet: the rest resolves from here
    if (++hops > MAX_LINK_HOPS) return true; // a loop: it goes nowhere, so not outside either
    const next = await readlink(join(root, ...at));
    if (posix.isAbsolute(next)) return false;
    at.pop();
    todo = [...next.split('/'), ...todo];
  }
  return true;
}

/** Hard links are sent as plain files: the bytes then do not depend on how the tree was linked on disk. */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override set(): this {
    return this;
  }
}

/**
 * A tar of `paths` (relative to `root`, in this order, directories not
 * recursed into), packed only once the stream is read. With `expect`, the
 * stream fails at its end when the bytes no longer hash to what
 * `packContext` found: the tree changed in between.
 */
function packStream(root: string, paths: string[], expect?: { contextDir: string; sha256: string }): Readable {
  return Readable.from(tarChunks(root, paths, expect), { objectMode: false });
}

async function* tarChunks(root: string, paths: string[], expect?: { contextDir: string; sha256: string }): AsyncGenerator<Buffer> {
  const { Pack } = await import('tar');
  const pack = new Pack({
    cwd: root,
    portable: true,
    noDirRecurse: true,
    follow: false,
    mtime: FIXED_MTIME,
    strict: true,
    linkCache: new NoHardLinks(),
  });
  for (const p of paths) pack.add(p);
  pack.end();
  const hash = createHash('sha256');
  try {
    for await (const chunk of pack) {
      if (expect) hash.update(chunk);
      yield chunk;
    }
  } finally {
    pack.destroy(); // a no-op once it has ended; else (the reader stopped) it stops packing
  }
  if (expect && hash.digest('hex') !== expect.sha256) {
    throw new CliError(`build.context: ${expect.contextDir} changed while it was being sent (its tar no longer hashes to ${expect.sha256.slice(0, 12)}); run the command again`);
  }
}
