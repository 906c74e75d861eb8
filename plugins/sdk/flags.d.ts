// Types for flags.js.
export interface FlagSpec {
  bool?: string[];
  value?: string[];
  int?: string[];
  alias?: Record<string, string>;
  rest?: boolean;
  examples?: Record<string, string>;
}
export interface ParsedFlags {
  positional: string[];
  flags: Record<string, string | number | boolean>;
  rest: string[];
  problems: string[];
}
export function parseFlags(args: string[], spec?: FlagSpec): ParsedFlags;
export function assertNoProblems(parsed: ParsedFlags, usage: string): void;
