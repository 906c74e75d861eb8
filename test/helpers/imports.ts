/**
 * What a TypeScript file imports, read with the TypeScript compiler's own
 * parser (typescript's API, which runs the compiler in a child process), and
 * the rules the import-boundary tests hold the tree to. Every rule takes a
 * root directory, so a test can run it on a small fixture tree that breaks
 * it and see it fail.
 *
 * What counts as loading a file at run time follows `verbatimModuleSyntax`
 * (tsconfig.json): `import type …` and `export type … from` are erased, while
 * `import { type A } from 'x'` is kept as `import {} from 'x'` and does load
 * `x`.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { API } from 'typescript/unstable/sync';
import { NodeFlags, SyntaxKind, type Node, type SourceFile } from 'typescript/unstable/ast';
import {
  isArrowFunction,
  isCallExpression,
  isClassDeclaration,
  isClassExpression,
  isExportDeclaration,
  isExpressionStatement,
  isFunctionDeclaration,
  isFunctionExpression,
  isGetAccessorDeclaration,
  isImportDeclaration,
  isImportTypeNode,
  isLiteralTypeNode,
  isMethodDeclaration,
  isObjectLiteralExpression,
  isPropertyAssignment,
  isSetAccessorDeclaration,
  isStringLiteral,
  isVariableDeclarationList,
} from 'typescript/unstable/ast/is';

export interface ImportEdge {
  specifier: string;
  /** `static`: an import/export declaration that loads the target; `type`: erased; `dynamic`: `import('…')`. */
  how: 'static' | 'type' | 'dynamic';
  line: number;
}

/** Where a specifier leads: a file of the tree, a package, or a Node built-in. */
export type Target = { file: string } | { pkg: string } | { builtin: string } | { unresolved: string };

/** The source files of one tsconfig project (every file it includes), parsed on demand. */
export class Sources {
  readonly root: string;
  private readonly api: API;
  private readonly program;

  private constructor(root: string, tsconfig: string) {
    this.root = root;
    this.api = new API({ cwd: root });
    const snapshot = this.api.updateSnapshot({ openProjects: [tsconfig] });
    const project = snapshot.getProject(tsconfig) ?? snapshot.getProjects()[0];
    if (!project) throw new Error(`typescript opened no project for ${tsconfig}`);
    this.program = project.program;
  }

  /** The project of `root/tsconfig.json`; a root without one gets a tsconfig including every .ts file. */
  static open(root: string): Sources {
    const tsconfig = join(root, 'tsconfig.json');
    if (!existsSync(tsconfig)) writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { module: 'node20', verbatimModuleSyntax: true, noEmit: true }, include: ['**/*.ts'] }));
    return new Sources(root, tsconfig);
  }

  close(): void {
    this.api.close();
  }

  sourceFile(file: string): SourceFile {
    const sf = this.program.getSourceFile(file);
    if (!sf) throw new Error(`${this.rel(file)} is not part of the tsconfig project at ${this.root}`);
    return sf;
  }

  rel(file: string): string {
    return relative(this.root, file).split(sep).join('/');
  }

  /** Every import of `file`: declarations, `import('…')` calls and `import('…')` types. */
  imports(file: string): ImportEdge[] {
    const sf = this.sourceFile(file);
    const edges: ImportEdge[] = [];
    const lineOf = (n: Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    for (const st of sf.statements) {
      if (isImportDeclaration(st) && isStringLiteral(st.moduleSpecifier)) {
        const typeOnly = st.importClause?.phaseModifier === SyntaxKind.TypeKeyword;
        edges.push({ specifier: st.moduleSpecifier.text, how: typeOnly ? 'type' : 'static', line: lineOf(st) });
      } else if (isExportDeclaration(st) && st.moduleSpecifier && isStringLiteral(st.moduleSpecifier)) {
        edges.push({ specifier: st.moduleSpecifier.text, how: st.isTypeOnly ? 'type' : 'static', line: lineOf(st) });
      }
    }
    const visit = (n: Node): void => {
      if (isCallExpression(n) && n.expression.kind === SyntaxKind.ImportKeyword) {
        const arg = n.arguments[0];
        edges.push({ specifier: arg && isStringLiteral(arg) ? arg.text : '<computed>', how: 'dynamic', line: lineOf(n) });
      } else if (isImportTypeNode(n) && isLiteralTypeNode(n.argument) && isStringLiteral(n.argument.literal)) {
        edges.push({ specifier: n.argument.literal.text, how: 'type', line: lineOf(n) });
      }
      n.forEachChild(visit);
    };
    sf.forEachChild(visit);
    return edges;
  }
}

/** Resolves a specifier as Node and tsx do for this tree: relative `.js` imports name the `.ts` file beside them. */
export function resolveImport(from: string, specifier: string): Target {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const path = resolve(dirname(from), specifier);
    const ts = path.replace(/\.js$/, '.ts');
    if (ts !== path && existsSync(ts)) return { file: ts };
    if (existsSync(path)) return { file: path };
    return { unresolved: specifier };
  }
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return { builtin: specifier };
  const parts = specifier.split('/');
  return { pkg: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
}

export interface Closure {
  /** Every file loaded, with the chain of imports that loads it (entry first). */
  files: Map<string, string[]>;
  /** Every package loaded, with the chain that reaches it (the importing file last). */
  packages: Map<string, string[]>;
  unresolved: string[];
}

/** The files and packages `entries` load through static imports, not following `import()` or type-only imports. */
export function staticClosure(sources: Sources, entries: string[]): Closure {
  const closure: Closure = { files: new Map(), packages: new Map(), unresolved: [] };
  const queue: string[] = [];
  for (const e of entries) {
    closure.files.set(e, [sources.rel(e)]);
    queue.push(e);
  }
  while (queue.length) {
    const file = queue.shift()!;
    const chain = closure.files.get(file)!;
    if (!file.endsWith('.ts')) continue; // plain JavaScript beside the sources: not parsed
    for (const edge of sources.imports(file)) {
      if (edge.how !== 'static') continue;
      const target = resolveImport(file, edge.specifier);
      if ('file' in target && !closure.files.has(target.file)) {
        closure.files.set(target.file, [...chain, sources.rel(target.file)]);
        queue.push(target.file);
      } else if ('pkg' in target && !closure.packages.has(target.pkg)) closure.packages.set(target.pkg, chain);
      else if ('unresolved' in target) closure.unresolved.push(`${sources.rel(file)}:${edge.line}: ${edge.specifier}`);
    }
  }
  return closure;
}

/** The packages no file the CLI loads may import: the controller's machinery. */
export const DAEMON_PACKAGES = ['tapable', 'dockerode', 'etcd3'];

/** What makes a closure unfit for the CLI: kernel/ files and daemon packages, each with the chain that loads it. */
export function cliClosureViolations(sources: Sources, closure: Closure): string[] {
  const out: string[] = [];
  for (const [file, chain] of closure.files) {
    if (sources.rel(file).startsWith('kernel/')) out.push(`loads ${sources.rel(file)}: ${chain.join(' → ')}`);
  }
  for (const [pkg, chain] of closure.packages) {
    if (DAEMON_PACKAGES.includes(pkg)) out.push(`loads ${pkg}: ${chain.join(' → ')}`);
  }
  for (const u of closure.unresolved) out.push(`cannot resolve ${u}`);
  return out;
}

/**
 * The files the `cli` facets of modules/core.ts point at, read from its
 * source: each `cli: () => import('./x/cli.js')` of the catalogue.
 */
export function cliFacetFiles(sources: Sources, coreFile: string): string[] {
  const files: string[] = [];
  const visit = (n: Node): void => {
    if (isPropertyAssignment(n) && n.name.getText(sources.sourceFile(coreFile)) === 'cli') {
      const found: string[] = [];
      const inner = (m: Node): void => {
        if (isCallExpression(m) && m.expression.kind === SyntaxKind.ImportKeyword && m.arguments[0] && isStringLiteral(m.arguments[0])) found.push(m.arguments[0].text);
        m.forEachChild(inner);
      };
      inner(n.initializer);
      if (found.length !== 1) throw new Error(`${sources.rel(coreFile)}: a cli facet must be one import('…') of a file; found ${found.length}`);
      const target = resolveImport(coreFile, found[0]!);
      if (!('file' in target)) throw new Error(`${sources.rel(coreFile)}: cannot resolve the cli facet ${found[0]}`);
      files.push(target.file);
    }
    n.forEachChild(visit);
  };
  sources.sourceFile(coreFile).forEachChild(visit);
  return files;
}

/** Every .ts file under `dir` (recursively), declaration files excepted. */
export function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Kernel files import only tapable, Node built-ins and each other — types included. */
export function kernelViolations(sources: Sources): string[] {
  const out: string[] = [];
  for (const file of tsFiles(join(sources.root, 'kernel'))) {
    for (const edge of sources.imports(file)) {
      const target = resolveImport(file, edge.specifier);
      const ok = 'builtin' in target || ('pkg' in target && target.pkg === 'tapable') || ('file' in target && sources.rel(target.file).startsWith('kernel/'));
      if (!ok) out.push(`${sources.rel(file)}:${edge.line}: imports ${edge.specifier} (${edge.how})`);
    }
  }
  return out;
}

/** `modules/<name>/…` → `<name>`; anything else → undefined. */
function moduleOf(rel: string): string | undefined {
  const m = /^modules\/([^/]+)\//.exec(rel);
  return m?.[1];
}

const isFace = (rel: string) => /^modules\/[^/]+\/(contract|spec)\.ts$/.test(rel);

/**
 * A file of modules/A reaches modules/B only through B's contract.ts or
 * spec.ts, whether by a static, a type-only or a dynamic import. The
 * catalogue, modules/core.ts, imports every module (lazily, as it must) and
 * may be imported: it loads no module's code until asked. A spec.ts imports
 * only lib/ and modules' spec.ts and contract.ts, so the CLI can load it.
 */
export function moduleViolations(sources: Sources): string[] {
  const out: string[] = [];
  for (const file of tsFiles(join(sources.root, 'modules'))) {
    const rel = sources.rel(file);
    const own = moduleOf(rel);
    if (!own) continue; // modules/core.ts
    const isSpec = /^modules\/[^/]+\/spec\.ts$/.test(rel);
    for (const edge of sources.imports(file)) {
      const target = resolveImport(file, edge.specifier);
      const where = `${rel}:${edge.line}: imports ${edge.specifier} (${edge.how})`;
      if (isSpec) {
        const ok = 'file' in target && (sources.rel(target.file).startsWith('lib/') || isFace(sources.rel(target.file)));
        if (!ok) out.push(`${where}; a spec.ts imports only lib/ and modules' spec.ts and contract.ts`);
        continue;
      }
      if (!('file' in target)) continue;
      const to = sources.rel(target.file);
      const other = moduleOf(to);
      if (other && other !== own && !isFace(to)) out.push(`${where}; another module is reached only through its contract.ts or spec.ts`);
    }
  }
  return out;
}

/**
 * contract.ts files hold types and constants only: no function (declared,
 * expression, arrow, method or accessor), no class, no `let` or `var`, no
 * statement run for its effect.
 */
export function contractViolations(sources: Sources): string[] {
  const out: string[] = [];
  const contracts = tsFiles(join(sources.root, 'modules')).filter((f) => /^modules\/[^/]+\/contract\.ts$/.test(sources.rel(f)));
  for (const file of contracts) {
    const sf = sources.sourceFile(file);
    const at = (n: Node, what: string) => out.push(`${sources.rel(file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${what}`);
    for (const st of sf.statements) if (isExpressionStatement(st)) at(st, 'a statement run for its effect');
    const visit = (n: Node): void => {
      if (isFunctionDeclaration(n) && n.body) at(n, `function ${n.name?.text ?? ''}`.trim());
      else if (isFunctionExpression(n) || isArrowFunction(n)) at(n, 'a function expression');
      else if (isMethodDeclaration(n) || isGetAccessorDeclaration(n) || isSetAccessorDeclaration(n)) {
        if (isObjectLiteralExpression(n.parent) || n.body) at(n, 'a method with a body');
      } else if (isClassDeclaration(n) || isClassExpression(n)) at(n, `class ${n.name?.text ?? ''}`.trim());
      else if (isVariableDeclarationList(n) && !(n.flags & NodeFlags.Constant) && !(n.flags & NodeFlags.Ambient)) {
        at(n, n.flags & NodeFlags.Let ? '`let`' : '`var`');
      }
      n.forEachChild(visit);
    };
    sf.forEachChild(visit);
  }
  return out;
}
