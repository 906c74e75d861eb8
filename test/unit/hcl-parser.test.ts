import test from 'ava';
import { parseHcl, syntaxError } from '../../cli/hcl/parser.js';

test('importing and running the parser leaves Error.stackTraceLimit and the globals as they were', async (t) => {
  const g = globalThis as Record<string, unknown>;
  const before = Error.stackTraceLimit;
  t.false('require' in g);
  t.false('fs' in g);
  const parsed = await parseHcl('job "p" "x" {\n  image = "busybox"\n}\n', 'voodu.hcl');
  t.deepEqual(parsed, { job: { p: { x: [{ image: 'busybox' }] } } });
  t.is(Error.stackTraceLimit, before);
  t.false('require' in g, 'globalThis.require not leaked');
  t.false('fs' in g, 'globalThis.fs not leaked');
  await t.throwsAsync(parseHcl('x = \n', 'voodu.hcl'));
  t.is(Error.stackTraceLimit, before, 'still unchanged after a rejected parse');
  // A caller's own setting survives too.
  Error.stackTraceLimit = 25;
  await parseHcl('a {}\n', 'a.hcl');
  t.is(Error.stackTraceLimit, 25);
});

test('string rejections become ValidationErrors with file, line and column', (t) => {
  const err = syntaxError('parse config: [:6,17-7,1: Invalid expression; Expected the start of an expression, but found an invalid expression token.]', 'voodu.hcl');
  t.is(err.message, 'voodu.hcl:6:17: Invalid expression; Expected the start of an expression, but found an invalid expression token.');
  t.is(err.status, 400);
  const two = syntaxError('parse config: [:1,18-18: Unterminated template string; No closing marker was found for the string. :2,1-3: Other; x.]', 'a.hcl');
  t.is(two.message, 'a.hcl:1:18: Unterminated template string; No closing marker was found for the string. (and 1 more problem)');
  t.is(syntaxError(new Error('boom'), 'a.hcl').message, 'a.hcl: boom');
  t.is(syntaxError('parse config: [:1,5-6: Bad \uE000{x}.]', 'a.hcl').message, 'a.hcl:1:5: Bad ${x}.', 'protected dollars are shown as written');
});
