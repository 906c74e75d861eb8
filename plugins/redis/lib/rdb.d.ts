// Types for rdb.js.
export const RDB_MAGIC: string;
export function assertWritableTarget(path: string, flag: string): Promise<void>;
export function headOf(path: string, n?: number): string;
export function assertRdb(path: string, flag: string): Promise<number>;
export function partialFile(path: string): {
  fd: number;
  partial: string;
  commit(): Promise<{ ok: boolean; size: number; head: string }>;
  abort(): Promise<void>;
};
