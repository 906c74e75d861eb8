// Types for names.js.
export const BACKUP_LABEL: string;
export const BACKUP_ID_LABEL: string;
export function formatId(n: number): string;
export function parseId(text: unknown): number | undefined;
export function stamp(date: Date | string | number): string;
export function backupFilename(n: number, date: Date | string | number): string;
export function parseFilename(name: unknown): { number: number; id: string; createdAt: Date; filename: string } | undefined;
export function partialFilename(filename: string): string;
export function parsePartialFilename(name: unknown): { number: number; id: string; createdAt: Date; filename: string } | undefined;
export function nextNumber(numbers: Iterable<number | undefined>): number;
export function jobName(name: string, n: number): string;
export function parseJobName(name: string, job: unknown): number | undefined;
export function cronjobName(name: string): string;
