/**
 * A structural scan of HCL native syntax: blocks (type, labels, line),
 * attributes (name, line) and, for `env_from = [ "…" ]`, its literal
 * strings. hcl2-json-parser gives values but loses what we need around
 * them — object keys come back sorted, so block order, the order of
 * labelled blocks (`init "b"` before `init "a"`) and line numbers are gone;
 * this scan restores them. It never throws: on text it does not understand
 * it skips ahead, because it also runs over raw text before interpolation
 * (to find env_from), where `${VAR:-x}` may sit anywhere.
 */

export interface ScannedAttribute {
  name: string;
  line: number;
  /** The literal strings of a `[ "a", "b" ]` value (non-literal entries skipped); only collected for env_from. */
  literals?: string[];
}

export interface ScannedBlock {
  type: string;
  labels: string[];
  /** False when a label is not a plain literal (a template, in raw text). */
  literalLabels: boolean;
  line: number;
  attributes: ScannedAttribute[];
  blocks: ScannedBlock[];
}

export interface ScannedBody {
  attributes: ScannedAttribute[];
  blocks: ScannedBlock[];
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export function scanHcl(text: string): ScannedBody {
  return new Scanner(text).body(false);
}

class Scanner {
  private i = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly s: string) {
    for (let k = 0; k < s.length; k++) if (s[k] === '\n') this.lineStarts.push(k + 1);
  }

  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private get eof(): boolean {
    return this.i >= this.s.length;
  }

  private at(str: string): boolean {
    return this.s.startsWith(str, this.i);
  }

  body(nested: boolean): ScannedBody {
    const out: ScannedBody = { attributes: [], blocks: [] };
    for (;;) {
      this.skipBlank(true);
      if (this.eof) return out;
      const c = this.s[this.i]!;
      if (c === '}') {
        this.i++;
        if (nested) return out;
        continue;
      }
      if (!IDENT_START.test(c)) {
        this.skipUntil('\n');
        continue;
      }
      const line = this.lineAt(this.i);
      const name = this.ident();
      this.skipBlank(false);
      if (this.s[this.i] === '=' && this.s[this.i + 1] !== '=') {
        this.i++;
        this.skipBlank(false);
        const attr: ScannedAttribute = { name, line };
        if (name === 'env_from' && this.s[this.i] === '[') attr.literals = this.literalList();
        else this.skipUntil('\n}');
        out.attributes.push(attr);
        continue;
      }
      const block = this.blockAfterType(name, line);
      if (block) out.blocks.push(block);
    }
  }

  private blockAfterType(type: string, line: number): ScannedBlock | undefined {
    const labels: string[] = [];
    let literalLabels = true;
    for (;;) {
      this.skipBlank(false);
      const c = this.s[this.i];
      if (c === '"') {
        const { value, literal } = this.quoted();
        labels.push(value);
        literalLabels &&= literal;
      } else if (c !== undefined && IDENT_START.test(c)) {
        labels.push(this.ident());
      } else if (c === '{') {
        this.i++;
        const body = this.body(true);
        return { type, labels, literalLabels, line, ...body };
      } else {
        this.skipUntil('\n');
        return undefined;
      }
    }
  }

  private ident(): string {
    const start = this.i;
    this.i++;
    while (!this.eof && IDENT_PART.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** Spaces and comments; newlines too when `newlines`. A line comment stops before its newline. */
  private skipBlank(newlines: boolean): void {
    while (!this.eof) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.i++;
      else if (c === '#' || this.at('//')) this.skipLine();
      else if (this.at('/*')) this.skipBlockComment();
      else return;
    }
  }

  private skipLine(): void {
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl < 0 ? this.s.length : nl;
  }

  private skipBlockComment(): void {
    const end = this.s.indexOf('*/', this.i + 2);
    this.i = end < 0 ? this.s.length : end + 2;
  }

  /**
   * Skips an expression until one of `stops` at nesting depth 0 (not consumed),
   * or a closer that belongs to the enclosing construct.
   */
  private skipUntil(stops: string): void {
    let depth = 0;
    while (!this.eof) {
      const c = this.s[this.i]!;
      if (depth === 0 && stops.includes(c)) return;
      if (c === '"') this.quoted();
      else if (c === '#' || this.at('//')) this.skipLine();
      else if (this.at('/*')) this.skipBlockComment();
      else if (this.at('<<') && this.heredoc()) continue;
      else if (c === '(' || c === '[' || c === '{') {
        depth++;
        this.i++;
      } else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) return;
        depth--;
        this.i++;
      } else this.i++;
    }
  }

  /** `<<EOT` / `<<-EOT` … a line holding only EOT. Returns false when this is not a heredoc. */
  private heredoc(): boolean {
    const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.s.slice(this.i, this.i + 200));
    if (!m) return false;
    const marker = m[1]!;
    this.i += m[0].length;
    while (!this.eof) {
      const nl = this.s.indexOf('\n', this.i);
      const end = nl < 0 ? this.s.length : nl;
      const line = this.s.slice(this.i, end);
      this.i = end;
      if (line.trim() === marker) return true;
      this.i = nl < 0 ? this.s.length : nl + 1;
    }
    return true;
  }

  /** A quoted string; `literal` is false when it holds `${…}` or `%{…}`. */
  private quoted(): { value: string; literal: boolean } {
    let value = '';
    let literal = true;
    this.i++;
    while (!this.eof) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        break;
      }
      if (c === '\n') break;
      if (c === '\\') {
        const next = this.s[this.i + 1] ?? '';
        if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          value += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          value += ESCAPES[next] ?? next;
          this.i += 2;
        }
      } else if (this.at('$${') || this.at('%%{')) {
        value += `${c}{`;
        this.i += 3;
      } else if (this.at('${') || this.at('%{')) {
        literal = false;
        this.i += 2;
        this.skipUntil('}');
        this.i++;
      } else {
        value += c;
        this.i++;
      }
    }
    return { value, literal };
  }

  /** `[ "a", "b", x ]` → ["a", "b"]: the literal entries, as the reference's env_from scan keeps them. */
  private literalList(): string[] {
    const out: string[] = [];
    this.i++;
    for (;;) {
      this.skipBlank(true);
      if (this.eof) return out;
      const c = this.s[this.i]!;
      if (c === ']') {
        this.i++;
        return out;
      }
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '"') {
        const { value, literal } = this.quoted();
        this.skipBlank(true);
        const after = this.s[this.i];
        if (literal && value && (after === ',' || after === ']')) out.push(value);
        else this.skipUntil(',]\n');
        continue;
      }
      if (c === '}') return out;
      this.skipUntil(',]');
    }
  }
}
