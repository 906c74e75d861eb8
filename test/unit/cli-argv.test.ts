/** How the CLI splits global flags from the verb and reads `-f -`. */
import test from 'ava';
import { splitGlobalFlags, stdinFileFlags } from '../../cli/main.js';

test('global flags are read only before the verb; the verb keeps its own -r and -o', (t) => {
  const { globals, rest } = splitGlobalFlags(['-r', 'prod', '-o', 'json', 'pg:promote', 'data/pg', '-r', '1', '-o', 'x']);
  t.is(globals.remote, 'prod');
  t.is(globals.output, 'json');
  t.deepEqual(rest, ['pg:promote', 'data/pg', '-r', '1', '-o', 'x']);
  t.deepEqual(splitGlobalFlags(['--remote=staging', 'get', 'pods']).globals.remote, 'staging');
});

test('an unknown global flag says where global flags go; a flag without its value is refused', (t) => {
  t.throws(() => splitGlobalFlags(['--bogus', 'get']), { message: /unknown global flag --bogus; global flags go before the verb/ });
  t.throws(() => splitGlobalFlags(['-r']), { message: /-r needs a value/ });
});

test('-f - and --file - keep their stdin value; other dashes are left alone', (t) => {
  t.deepEqual(stdinFileFlags(['apply', '-f', '-', '--format', 'json']), ['apply', '--file=-', '--format', 'json']);
  t.deepEqual(stdinFileFlags(['apply', '--file', '-', '-f', 'a.hcl']), ['apply', '--file=-', '-f', 'a.hcl']);
  t.deepEqual(stdinFileFlags(['logs', '-f', 'web']), ['logs', '-f', 'web']);
  t.deepEqual(stdinFileFlags(['exec', 'pod', '--', 'cat', '-']), ['exec', 'pod', '--', 'cat', '-']);
});
