/**
 * Reads the one kind of expression manifests allow — a call such as
 * `file("./x.conf")` or `url("https://…", { timeout = "5s" })` — from the
 * source text hcl2-json-parser hands back. Arguments are literals: strings,
 * numbers, bools, and objects of those.
 */
export type CallValue = string | number | boolean | { [key: string]: string | number | boolean };

export interface Call {
  name: string;
  args: CallValue[];
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The call, or undefined when `expr` is anything else. */
export function parseCall(expr: string): Call | undefined {
  const p = new CallParser(expr);
  try {
    const call = p.call();
    p.blank();
    return p.done ? call : undefined;
  } catch {
    return undefined;
  }
}

class CallParser {
  private i = 0;
  constructor(private readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  blank(): void {
    for (;;) {
      const rest = this.s.slice(this.i);
      const m = /^(?:\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!m || m[0] === '') return;
      this.i += m[0].length;
    }
  }

  private expect(c: string): void {
    this.blank();
    if (this.s[this.i] !== c) throw new Error(`expected ${c}`);
    this.i++;
  }

  private peek(): string | undefined {
    this.blank();
    return this.s[this.i];
  }

  call(): Call {
    this.blank();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) throw new Error('expected a function name');
    this.i += m[0].length;
    this.expect('(');
    const args: CallValue[] = [];
    while (this.peek() !== ')') {
      args.push(this.value(true));
      if (this.peek() === ',') this.i++;
      else if (this.peek() !== ')') throw new Error('expected , or )');
    }
    this.i++;
    return { name: m[0], args };
  }

  private value(objects: boolean): CallValue {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '{' && objects) return this.object();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)/.exec(this.s.slice(this.i));
    if (!m) throw new Error('expected a literal');
    this.i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]);
  }

  private string(): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const next = this.s[this.i + 1] ?? '';
        if (next === 'u') {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        out += ESCAPES[next] ?? next;
        this.i += 2;
        continue;
      }
      // A template inside an argument is an expression we do not evaluate.
      if ((c === '$' || c === '%') && this.s[this.i + 1] === '{') throw new Error('template in argument');
      out += c;
      this.i++;
    }
    throw new Error('unterminated string');
  }

  private object(): { [key: string]: string | number | boolean } {
    const out: { [key: string]: string | number | boolean } = {};
    this.i++;
    for (;;) {
      const c = this.peek();
      if (c === '}') {
        this.i++;
        return out;
      }
      if (c === ',') {
        this.i++;
        continue;
      }
      let key: string;
      if (c === '"') key = this.string();
      else {
        const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i));
        if (!m) throw new Error('expected a key');
        key = m[0];
        this.i += m[0].length;
      }
      const sep = this.peek();
      if (sep !== '=' && sep !== ':') throw new Error('expected = or :');
      this.i++;
      out[key] = this.value(false) as string | number | boolean;
    }
  }
}
