#!/usr/bin/env -S node --disable-warning=DEP0111 --max-semi-space-size=2
// The controller daemon. Everything lives in controller/main.ts; this stays thin.
// A 2 MB young generation (node's default is 16): a long-lived daemon that allocates in small bursts
// gains little from a big nursery and pays for it in resident memory (idle RSS 131 → 93 MB here;
// scripts/bench-memory.ts measures it with 200 pods).
import { runController } from '../controller/main.js';

await runController(process.argv.slice(2));
