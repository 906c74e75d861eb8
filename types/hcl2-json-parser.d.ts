/**
 * Our own typing for hcl2-json-parser: the shipped d.ts is a non-module
 * shorthand that makes everything `any`, and its named exports fail at
 * runtime (the bundle is CommonJS) — only the default import works.
 */
declare module 'hcl2-json-parser' {
  type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

  interface Hcl2JsonParser {
    /** Rejects with a plain string such as `parse config: [:6,17-7,1: …]`. */
    parseToObject(input: string): Promise<{ [key: string]: Json }>;
    parseToString(input: string): Promise<string>;
  }

  const parser: Hcl2JsonParser;
  export default parser;
}
