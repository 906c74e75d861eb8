import test from 'ava';
import { encodeStdinPairs, parseStdinPairs } from '../../cli/config-pairs.js';
import { configSetOverStdin } from '../../cli/ssh-config.js';

const TRICKY = {
  QUOTES: `it's "quoted" \\ back`,
  DOLLAR: '$HOME $(id) `id` ${X}',
  SPACES: '  leading and trailing  ',
  NEWLINE: 'line one\nline two\r\n',
  UNICODE: 'sênha-ünïcode-✓',
  EQUALS: 'a=b=c',
  EMPTY: '',
};

test('the JSON form carries any value byte for byte, newlines included', (t) => {
  t.deepEqual(parseStdinPairs(encodeStdinPairs(TRICKY)), TRICKY);
});

test('KEY=VALUE lines: verbatim values, blank lines and comments skipped, later repeats win', (t) => {
  t.deepEqual(parseStdinPairs('# secrets\nA=1\n\nB= spaced $X "q" \nA=2\nC=\n'), { A: '2', B: ' spaced $X "q" ', C: '' });
});

test('stdin errors name the line, never its content', (t) => {
  const err = t.throws(() => parseStdinPairs('A=1\nhunter2-on-its-own\n'));
  t.regex(err!.message, /stdin line 2 is not KEY=VALUE/);
  t.false(err!.message.includes('hunter2'));
  t.throws(() => parseStdinPairs('{"A": 1}'), { message: /value of A must be a string/ });
  t.throws(() => parseStdinPairs('{"A": "x"'), { message: /not JSON/ });
  t.throws(() => parseStdinPairs('\n# nothing\n'), { message: /read no KEY=VALUE/ });
  t.throws(() => parseStdinPairs('{}'), { message: /no variables/ });
});

test('config set over ssh: the remote argv keeps the ref, the flags and --stdin; the values move to stdin', (t) => {
  const form = configSetOverStdin(['config', 'prod/api', 'set', 'DB=postgres://u:p@h/d', 'X=$y z', '--no-restart', '-o', 'json']);
  t.deepEqual(form?.args, ['config', 'prod/api', 'set', '--stdin', '--no-restart', '-o', 'json']);
  t.deepEqual(JSON.parse(form!.input), { DB: 'postgres://u:p@h/d', X: '$y z' });
  t.false(form!.args.join(' ').includes('postgres'));
  // Flags before the ref, `--output=`: still only keys-free argv.
  t.deepEqual(configSetOverStdin(['config', '--no-restart', 'prod', 'set', 'A=1', '--output=json'])?.args, ['config', 'prod', 'set', '--stdin', '--no-restart', '--output=json']);
});

test('config forms with nothing to move are forwarded as typed', (t) => {
  t.is(configSetOverStdin(['config', 'prod/api']), undefined);
  t.is(configSetOverStdin(['config', 'prod/api', 'get', 'DB']), undefined);
  t.is(configSetOverStdin(['config', 'prod/api', 'unset', 'DB']), undefined);
  t.is(configSetOverStdin(['config', 'prod/api', 'set', '--stdin']), undefined, 'already on stdin: the local stdin goes through');
  t.is(configSetOverStdin(['config', 'prod/api', 'set']), undefined, 'the host says what is missing');
  t.is(configSetOverStdin(['logs', 'prod/api', 'set', 'A=1']), undefined);
  t.throws(() => configSetOverStdin(['config', 'prod/api', 'set', 'NOEQUALS']), { message: /not KEY=VALUE/ });
});
