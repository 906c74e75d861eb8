/**
 * CLI verbs of the pods module: logs, exec, stop, start, stats, and the
 * `get pods` / `get pod <ref>` extension of apply's `get`. Imports only
 * from cli/ and lib/ (through its cli-*.ts files).
 */
import type { Verb } from '../../cli/verb.js';
import { exec } from './cli-exec.js';
import { extendGet } from './cli-get.js';
import { start, stop } from './cli-lifecycle.js';
import { logs } from './cli-logs.js';
import { stats } from './cli-stats.js';

export const verbs: Verb[] = [logs, exec, stop, start, stats];

/** `get` learns `get pods` / `get pod <ref>`; every other verb, and every other kind of `get`, stays as it is. */
export const extendVerb = (verb: Verb): Verb => (verb.name === 'get' ? extendGet(verb) : verb);
