// Types for expose.js.
import type { Cluster } from '../resource.js';
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function postgresPorts(ports: unknown, port: number, exposed: boolean): string[];
export function exposeActions(cluster: Cluster, exposed: boolean): Record<string, any>[];
