#!/usr/bin/env node
// Runs the whole ava suite with its normal output, then prints one plain
// `N passed, N failed` line (ava's own summary has another form) and exits
// with ava's code. Extra arguments go to ava (a file, --match, ...).
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});

// Off a terminal ava prints one `✔`/`✘` line per test, then a summary that
// leaves out the pass count when anything failed: count both as output streams.
const counts = { pass: 0, fail: 0, summaryPass: 0, summaryFail: 0, extraFail: 0, skipped: 0 };
let partial = '';
const scan = (chunk) => {
  const lines = (partial + chunk.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const raw of lines) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    let m;
    if (/^\s*✔ /.test(line)) counts.pass++;
    else if (/^\s*✘ /.test(line)) counts.fail++;
    else if ((m = /^\s*(\d+) tests? passed/.exec(line))) counts.summaryPass = Number(m[1]);
    else if ((m = /^\s*(\d+) known failures?/.exec(line))) counts.summaryPass += Number(m[1]);
    else if ((m = /^\s*(\d+) tests? failed/.exec(line))) counts.summaryFail = Number(m[1]);
    else if ((m = /^\s*(\d+) (?:tests? timed out|uncaught exceptions?|unhandled rejections?)/.exec(line))) counts.extraFail += Number(m[1]);
    else if ((m = /^\s*(\d+) tests? (?:skipped|todo)/.exec(line))) counts.skipped += Number(m[1]);
  }
};
child.stdout.on('data', (c) => {
  process.stdout.write(c);
  scan(c);
});
child.stderr.on('data', (c) => {
  process.stderr.write(c);
  scan(c);
});

child.on('close', (code, signal) => {
  scan('\n');
  const passed = Math.max(counts.pass, counts.summaryPass);
  let failed = Math.max(counts.fail, counts.summaryFail) + counts.extraFail;
  // A crash with nothing counted (a compile error, a killed worker) is still a failure.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  process.stdout.write(`\n${passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`);
  process.exit(code ?? 1);
});
