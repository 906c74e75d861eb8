#!/usr/bin/env -S node --disable-warning=DEP0111
// The controller daemon. Everything lives in lib/controller.ts; this stays thin.
import { runController } from '../lib/controller.js';

await runController(process.argv.slice(2));
