/**
 * The repository documents itself, and these checks keep docs/ honest:
 *
 *   (a) every CLI command (and alias) the CLI knows is in docs/cli.md, as a heading or a code span;
 *   (b) every route a module registers is in docs/api.md as `METHOD /path`;
 *   (c) every ```hcl example in docs/*.md and README.md parses and validates with the CLI's own
 *       HCL pipeline (a deliberately partial one is fenced ```hcl-fragment instead).
 *
 * The helpers below (`doc`, `mentions`) are what each check is written with; a check over another
 * list — registered kinds against docs/kinds.md, say — is one more `test()` of the same shape.
 */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { loadManifests } from '../../cli/hcl/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = join(root, 'docs');

/** The text of a page under docs/ (or `../README.md`). */
const doc = (name: string) => readFile(join(docsDir, name), 'utf8');

/** Headings and inline code spans of a markdown page, each trimmed. */
function headingsAndCode(markdown: string): string[] {
  const withoutFences = markdown.replace(/^( *)(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '');
  const headings = [...withoutFences.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1]!.replace(/`/g, '').trim());
  const spans = [...withoutFences.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim());
  return [...headings, ...spans];
}

/**
 * Whether `word` (a command such as `plugins install`) is named by a heading or code span of the
 * page: the span is the word, or starts with it followed by a space (`voodu ` in front is ignored).
 */
function mentions(markdown: string, word: string): boolean {
  return headingsAndCode(markdown).some((raw) => {
    const s = raw.replace(/^voodu\s+/, '');
    return s === word || s.startsWith(`${word} `);
  });
}

/**
 * Runs the real CLI in-process and answers what it printed. Never forwards to a remote. The help
 * text comes from sade, which prints with console.log, so that is captured for the call too.
 */
async function cli(args: string[]): Promise<string> {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  err.resume();
  const log = console.log;
  console.log = (...parts: unknown[]) => void (text += `${parts.join(' ')}\n`);
  let code: number;
  try {
    code = await main(['node', 'voodu', ...args], { stdout: out, stderr: err, env: { VOODU_NO_REMOTE: '1' } });
  } finally {
    console.log = log;
  }
  if (code !== 0) throw new Error(`voodu ${args.join(' ')} exited ${code}`);
  return text;
}

/** The commands `voodu --help` lists, each with the aliases its own `--help` names. */
async function cliCommands(): Promise<{ name: string; aliases: string[] }[]> {
  const help = await cli(['--help']);
  const section = /Available Commands\n([\s\S]*?)\n\s*\n/.exec(help)?.[1] ?? '';
  const names = section
    .split('\n')
    .map((line) => /^\s{4}(\S+(?: (?!\s)\S+)*)\s{2,}/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined);
  const out = [];
  for (const name of names) {
    const own = await cli([...name.split(' '), '--help']);
    const aliases = [...(/Aliases\n([\s\S]*?)(?:\n\s*\n|$)/.exec(own)?.[1] ?? '').matchAll(/\$ voodu (.+)$/gm)].map((m) => m[1]!.trim());
    out.push({ name, aliases });
  }
  return out;
}

/** Every `*.ts` file under `dir`, recursively. */
async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(path)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * The routes modules register: `<x>.route('METHOD', '/path'` and `<x>.raw(…)` calls over
 * modules/**\/*.ts, a path given as a string or as an exported `const NAME = '/path'`.
 * Path parameters are written `{name}` in the docs (`/pods/:name` → `/pods/{name}`).
 */
async function registeredRoutes(): Promise<{ route: string; file: string }[]> {
  const files = await tsFiles(join(root, 'modules'));
  const sources = await Promise.all(files.map(async (f) => ({ file: relative(root, f), text: await readFile(f, 'utf8') })));
  const constants = new Map<string, string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/export const ([A-Z][A-Z0-9_]*)\s*=\s*'(\/[^']*)'/g)) constants.set(m[1]!, m[2]!);
  }
  const routes: { route: string; file: string }[] = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/\.(?:route|raw)\(\s*'(GET|POST|PUT|DELETE)'\s*,\s*(?:'(\/[^']*)'|([A-Z][A-Z0-9_]*))/g)) {
      const path = m[2] ?? constants.get(m[3]!);
      if (path === undefined) throw new Error(`${file}: route path ${m[3]} is not an exported string constant of modules/`);
      routes.push({ route: `${m[1]} ${path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`, file });
    }
  }
  return routes;
}

test('(a) every CLI command and alias is in docs/cli.md', async (t) => {
  const page = await doc('cli.md');
  const commands = await cliCommands();
  t.true(commands.length >= 20, `voodu --help listed only ${commands.length} commands; did its format change?`);
  t.true(commands.some((c) => c.name === 'apply') && commands.some((c) => c.name === 'plugins install'), 'apply and plugins install are commands');
  for (const { name, aliases } of commands) {
    t.true(mentions(page, name), `\`voodu ${name}\` is not a heading or code span of docs/cli.md`);
    for (const alias of aliases) t.true(mentions(page, alias), `the alias \`voodu ${alias}\` (of ${name}) is not in docs/cli.md`);
  }
  t.true(mentions(page, '<plugin>:<command>'), 'plugin commands (`voodu <plugin>:<command>`) are documented');
});

test('(b) every route a module registers is in docs/api.md', async (t) => {
  const page = await doc('api.md');
  const routes = await registeredRoutes();
  t.true(routes.length >= 25, `found only ${routes.length} route registrations under modules/; did the registration style change?`);
  for (const { route, file } of routes) {
    // The whole path: `GET /pods` is not documented by `GET /pods/{name}`.
    const named = new RegExp(`${route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/{}.:-])`);
    t.regex(page, named, `${route} (${file}) is not in docs/api.md`);
  }
});

test('(c) every HCL example in docs/ and the README parses and validates', async (t) => {
  const pages = [...(await readdir(docsDir)).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f)), join(root, 'README.md')];
  const dir = await mkdtemp(join(tmpdir(), 'voodu-docs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  let count = 0;
  for (const page of pages) {
    const text = await readFile(page, 'utf8');
    // Blocks inside list items are indented; strip the common indent.
    const blocks = [...text.matchAll(/^( *)```hcl\n([\s\S]*?)^\1```/gm)].map((m) => ({
      body: m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
      line: text.slice(0, m.index).split('\n').length,
    }));
    for (const { body, line } of blocks) {
      const where = `${relative(root, page)}:${line}`;
      const file = join(dir, `example-${count++}.hcl`);
      await writeFile(file, body);
      // `file("./x")` reads a file the reader keeps next to their HCL: stand one in.
      for (const [, path] of body.matchAll(/file\("\.\/([\w.-]+)"\)/g)) await writeFile(join(dir, path!), `# stands in for ${path}\n`);
      const loaded = await loadManifests({ files: [file], cwd: dir, env: {} }).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}`);
      });
      t.true(loaded.length > 0, `${where}: the example declares nothing`);
    }
  }
  t.true(count >= 10, `found only ${count} HCL examples in docs/ and the README`);
});
