#!/usr/bin/env -S node --disable-warning=DEP0111
// The controller daemon. Everything lives in controller/main.ts; this stays thin.
import { runController } from '../controller/main.js';

await runController(process.argv.slice(2));
