#!/usr/bin/env node
// Runs the whole ava suite with its normal output, then prints one plain
// `N passed, N failed` line (ava's own summary has another form) and exits
// with ava's code. Extra arguments go to ava (a file, --match, ...).
//
// A watchdog bounds the run: ava's own timeout cannot end a worker whose
// event loop is blocked or that ignores SIGTERM, and then the run would wait
// forever with nothing printed. After VOODU_TEST_SILENCE_S seconds (default
// 600) without a line from ava, the watchdog prints the processes still
// running, interrupts ava (which lists the pending tests), and kills the whole
// process group a minute later, so a hang ends as a failure that names itself.
import { execFile, spawn } from 'node:child_process';

const silenceLimitMs = Number(process.env.VOODU_TEST_SILENCE_S ?? 600) * 1000;
const child = spawn(process.execPath, ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
  // Its own process group, so the watchdog can end ava, its workers and anything they spawned at once.
  detached: true,
});
const signalGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => signalGroup(signal));

// Off a terminal ava prints one `✔`/`✘` line per test, then a summary that
// leaves out the pass count when anything failed: count both as output streams.
const counts = { pass: 0, fail: 0, summaryPass: 0, summaryFail: 0, extraFail: 0, skipped: 0 };
let partial = '';
let lastOutputAt = Date.now();
const scan = (chunk) => {
  lastOutputAt = Date.now();
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

let hung = false;
const watchdog = setInterval(() => {
  if (hung || Date.now() - lastOutputAt < silenceLimitMs) return;
  hung = true;
  process.stderr.write(`\nrun-tests: no output from ava for ${Math.round(silenceLimitMs / 1000)} s; still running:\n`);
  execFile('ps', ['-o', 'pid,ppid,etime,args', '-g', String(child.pid)], (_err, out) => {
    process.stderr.write(`${out || '(ps printed nothing)\n'}run-tests: interrupting ava, killing everything in 60 s\n`);
    signalGroup('SIGINT');
    setTimeout(() => signalGroup('SIGKILL'), 60_000).unref();
    // A process stuck in the kernel survives even SIGKILL: the run still ends.
    setTimeout(() => finish(null, 'SIGKILL'), 75_000).unref();
  });
}, 5_000);
watchdog.unref();

// `exit`, not `close`: a process a test left behind may still hold ava's
// stdout, and the summary must not wait for it.
let finished = false;
const finish = (code, signal) => {
  if (finished) return;
  finished = true;
  clearInterval(watchdog);
  setTimeout(() => {
    scan('\n');
    const passed = Math.max(counts.pass, counts.summaryPass);
    let failed = Math.max(counts.fail, counts.summaryFail) + counts.extraFail;
    // A crash with nothing counted (a compile error, a killed worker, a hang) is still a failure.
    if ((code !== 0 || signal || hung) && failed === 0) failed = 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`);
    // Whatever a test left running in the group goes with the run.
    signalGroup('SIGKILL');
    process.exit(hung ? 1 : (code ?? 1));
  }, 200);
};
child.on('exit', finish);
