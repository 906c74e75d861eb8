// Types for store.js (the plugin ships as plain JS; these serve the repo's TypeScript tests).
import type { Route } from './route.js';
export function routesDir(stateDir: string): string;
export function putRoute(stateDir: string, route: unknown): Promise<Route>;
export function deleteRoute(stateDir: string, app: string): Promise<boolean>;
export function listRoutes(stateDir: string): Promise<Route[]>;
export function withLock<T>(stateDir: string, fn: () => Promise<T>, opts?: { waitMs?: number; staleMs?: number }): Promise<T>;
