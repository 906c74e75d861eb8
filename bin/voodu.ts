#!/usr/bin/env node
// The `voodu` CLI (also installed as `vd`). Everything lives in cli/main.ts.
import { main } from '../cli/main.js';

process.exitCode = await main(process.argv);
