/** The parse cache: a text parsed once is read back by the next process without importing the parser; a new text, a bad one, or the switch off, are parsed. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hclCacheDir } from '../../cli/hcl/hcl-cache.js';

const run = promisify(execFile);
const parserModule = fileURLToPath(new URL('../../cli/hcl/parser.ts', import.meta.url));

/** Parses `text` in a fresh process: what it parsed to, and whether that process imported the parser. */
async function parseInChild(cacheDir: string | undefined, text: string): Promise<{ parsed: unknown; loaded: boolean }> {
  const script = `
    const { parseHcl, parserLoaded } = await import(${JSON.stringify(parserModule)});
    const parsed = await parseHcl(process.env.TEXT, 't.hcl', process.env.DIR ? { cacheDir: process.env.DIR } : {});
    console.log(JSON.stringify({ parsed, loaded: parserLoaded() }));`;
  const { stdout } = await run(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { env: { ...process.env, TEXT: text, DIR: cacheDir ?? '' } });
  return JSON.parse(stdout) as { parsed: unknown; loaded: boolean };
}

test('a text parsed once is read back by the next run without importing the parser; another text is parsed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-hcl-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cacheDir = join(dir, 'voodu', 'hcl');
  const text = 'deployment "p" "web" {\n  image = "nginx:1"\n}\n';
  const first = await parseInChild(cacheDir, text);
  t.true(first.loaded, 'the first parse must use the parser');
  const second = await parseInChild(cacheDir, text);
  t.false(second.loaded, 'the parser was imported for a text already parsed');
  t.deepEqual(second.parsed, first.parsed);
  t.is((await stat(cacheDir)).mode & 0o777, 0o700);
  const [entry] = await readdir(cacheDir);
  t.is((await stat(join(cacheDir, entry!))).mode & 0o777, 0o600, 'an interpolated text can hold secrets');
  t.true((await parseInChild(cacheDir, text.replace('nginx:1', 'nginx:2'))).loaded, 'a changed text was not parsed');
  t.true((await parseInChild(undefined, text)).loaded, 'without a cache dir, every run parses');
});

test('where the cache lives, and the switch that turns it off', (t) => {
  t.is(hclCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/a' }), '/x/cache/voodu/hcl');
  t.is(hclCacheDir({ HOME: '/home/a' }), '/home/a/.cache/voodu/hcl');
  t.is(hclCacheDir({ HOME: '/home/a', VOODU_HCL_CACHE: '0' }), undefined);
});
