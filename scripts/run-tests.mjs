#!/usr/bin/env node
// Runs the whole ava suite with its normal output, then prints one plain
// `N passed, N failed` line (ava's own summary has another form) and exits
// with ava's code. Extra arguments go to ava (a file, --match, ...).
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});

let tail = '';
const keep = (chunk) => {
  tail = (tail + chunk.toString()).slice(-20000);
};
child.stdout.on('data', (c) => {
  process.stdout.write(c);
  keep(c);
});
child.stderr.on('data', (c) => {
  process.stderr.write(c);
  keep(c);
});

child.on('close', (code, signal) => {
  const text = tail.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (re) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const passed = count(/^\s*(\d+) tests? passed/gm) + count(/^\s*(\d+) known failures?/gm);
  let failed = count(/^\s*(\d+) tests? failed/gm) + count(/^\s*(\d+) tests? timed out/gm);
  const errors = count(/^\s*(\d+) (?:uncaught exceptions?|unhandled rejections?)/gm);
  failed += errors;
  // A crash with nothing counted (a compile error, a killed worker) is still a failure.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  const skipped = count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) tests? todo/gm);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(code ?? 1);
});
