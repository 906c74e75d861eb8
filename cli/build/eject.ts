/**
 * `voodu apply -f Procfile --eject`: the HCL a Procfile stands for, written
 * to `<dir>/.voodu/<scope>.voodu` without contacting the server, so an app
 * that outgrows Procfile mode keeps its resources and owns the file from
 * then on (`voodu apply -f <scope>` finds it under `.voodu/`).
 *
 * manifestsToHcl writes wire manifests back as blocks the CLI's loader
 * reads into the same manifests: each kind's own HCL surface (its
 * `hcl.blocks`) says which nested objects are blocks (`tls { … }`, one
 * `location { … }` per item of `locations`, `build { … }`); other objects
 * are maps (`env = { PORT = "5000" }`). Strings are escaped so nothing in
 * them is read as HCL: quotes, backslashes, and `${` / `%{`, which would
 * otherwise be interpolations or template directives (`$${` and `%%{`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Manifest } from '../../lib/identity.js';
import { isPlainObject } from '../../lib/manifest/decoders.js';
import type { HclBlockRules } from '../../lib/manifest/hcl-rules.js';
import type { KindRegistry } from '../../lib/manifest/index.js';
import { coreKindRegistry } from '../../modules/core.js';
import { CliError } from '../client.js';
import type { ProcfileApp } from './procfile.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = '  ';

/** An HCL string literal whose value is exactly `s`. */
export function hclString(s: string): string {
  const escaped = s.replace(/[\\"\n\r\t]|\$\{|%\{/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '${': return '$${';
      default: return '%%{';
    }
  });
  return `"${escaped}"`;
}

const objectKey = (k: string) => (IDENT.test(k) ? k : hclString(k));

function attributeName(k: string, where: string): string {
  if (!IDENT.test(k)) throw new CliError(`${where}: field ${JSON.stringify(k)} cannot be written as an HCL attribute`);
  return k;
}

/** A value as an HCL expression, nested lines indented past `pad`. */
function expression(v: unknown, pad: string, where: string): string {
  if (typeof v === 'string') return hclString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => !isPlainObject(x) && !Array.isArray(x))) return `[${v.map((x) => expression(x, pad, where)).join(', ')}]`;
    const inner = pad + INDENT;
    return `[\n${v.map((x) => `${inner}${expression(x, inner, where)},\n`).join('')}${pad}]`;
  }
  if (isPlainObject(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && x !== null);
    if (!entries.length) return '{}';
    const inner = pad + INDENT;
    return `{\n${entries.map(([k, x]) => `${inner}${objectKey(k)} = ${expression(x, inner, where)}\n`).join('')}${pad}}`;
  }
  throw new CliError(`${where}: ${JSON.stringify(v)} cannot be written as HCL`);
}

/** The body of a block: attributes first, then nested blocks, each in the wire's key order. */
function body(spec: Record<string, unknown>, rules: HclBlockRules, pad: string, where: string): string {
  const byWire = new Map(Object.entries(rules).map(([type, rule]) => [rule.wire ?? type, { type, rule }]));
  const attrs: [string, string][] = [];
  const blocks: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined || value === null) continue;
    const here = `${where}.${key}`;
    const block = byWire.get(key);
    if (block && block.rule.repeat === 'single' && isPlainObject(value)) {
      blocks.push(`${pad}${block.type} {\n${body(value, block.rule.children, pad + INDENT, here)}${pad}}\n`);
    } else if (block && block.rule.repeat !== 'single' && Array.isArray(value) && value.every(isPlainObject)) {
      for (const item of value) {
        const { name, ...rest } = item;
        if (block.rule.repeat === 'labeled' && typeof name !== 'string') throw new CliError(`${here}: every item needs a name`);
        const labels = block.rule.repeat === 'labeled' ? ` ${hclString(name as string)}` : '';
        const inner = block.rule.repeat === 'labeled' ? rest : item;
        blocks.push(`${pad}${block.type}${labels} {\n${body(inner, block.rule.children, pad + INDENT, here)}${pad}}\n`);
      }
    } else {
      attrs.push([attributeName(key, here), expression(value, pad, here)]);
    }
  }
  // Names padded to one width, as `terraform fmt` lines the `=` up.
  const width = Math.max(0, ...attrs.map(([name]) => name.length));
  const lines = attrs.map(([name, value]) => `${pad}${name.padEnd(width)} = ${value}\n`).join('');
  return lines + (lines && blocks.length ? '\n' : '') + blocks.join('\n');
}

/** One block per manifest, as the loader reads it back (metadata, which HCL does not carry, is left out). */
export function manifestsToHcl(manifests: Manifest[], kinds: KindRegistry): string {
  return manifests
    .map((m) => {
      const definition = kinds.get(m.kind);
      const where = `${m.kind}/${m.scope ? `${m.scope}/` : ''}${m.name}`;
      if (definition?.hcl?.attributesAreFiles) throw new CliError(`${where}: a ${m.kind} cannot be ejected to HCL; write its block by hand`);
      let spec = m.spec;
      const under = definition?.containerAt;
      // The kind's body is flat in HCL and nested on the wire (a cronjob's job fields).
      if (under && definition.hcl?.topKeys && isPlainObject(spec[under])) {
        const { [under]: inner, ...top } = spec;
        spec = { ...top, ...(inner as Record<string, unknown>) };
      }
      const labels = [...(m.scope ? [m.scope] : []), m.name].map(hclString).join(' ');
      return `${m.kind} ${labels} {\n${body(spec, definition?.hcl?.blocks ?? {}, INDENT, where)}}\n`;
    })
    .join('\n');
}

/**
 * The manifests as the ejected file states them. The file lives under
 * `.voodu/`, and a build context is relative to its manifest's directory, so
 * `.` (the app) becomes `..`. The release job builds its own image there:
 * outside Procfile mode no shared build tags `<scope>-release`.
 */
export function ejectedManifests(app: ProcfileApp): Manifest[] {
  const outDir = join(app.dir, '.voodu');
  const rebase = (context: unknown) => relative(outDir, resolve(app.dir, typeof context === 'string' ? context : '.')).split(sep).join('/') || '.';
  return app.manifests.map((m) => {
    const spec = structuredClone(m.spec);
    if (isPlainObject(spec.build)) spec.build = { ...spec.build, context: rebase(spec.build.context) };
    return { ...m, spec };
  });
}

/** Writes `<dir>/.voodu/<scope>.voodu` and returns its path. */
export async function ejectProcfile(app: ProcfileApp, kinds?: KindRegistry): Promise<string> {
  const registry = kinds ?? (await coreKindRegistry());
  const header = [
    '# Written by `voodu apply -f Procfile --eject`; this file is yours to edit.',
    '# Apply it with: voodu apply -f ' + app.scope,
    '# Config every process of the app reads: voodu config ' + app.scope + ' set KEY=value',
    '',
    '',
  ].join('\n');
  const text = header + manifestsToHcl(ejectedManifests(app), registry);
  const dir = join(app.dir, '.voodu');
  const path = join(dir, `${app.scope}.voodu`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path, text);
  } catch (err) {
    throw new CliError(`${path}: cannot write: ${(err as Error).message}`);
  }
  return path;
}
