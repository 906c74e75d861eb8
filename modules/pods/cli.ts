/**
 * CLI verbs of the pods module: logs, exec, stop, start, stats, and the
 * `get pods` / `get pod <ref>` extension of apply's `get`. Imports only
 * from cli/ and lib/ (through its cli-*.ts files).
 */
import { exec } from './cli-exec.js';
import { start, stop } from './cli-lifecycle.js';
import { logs } from './cli-logs.js';
import { stats } from './cli-stats.js';

export { extendGet } from './cli-get.js';

export const verbs = [logs, exec, stop, start, stats];
