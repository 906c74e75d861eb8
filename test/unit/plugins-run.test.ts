/** What of a failed plugin run reaches the error the controller shows. */
import test from 'ava';
import { errorDetail } from '../../modules/plugins/run.js';

const result = (stdout: string, stderr: string) => ({ exitCode: 1, stdout, stderr });

test('an error envelope on stderr shows as its message, not as JSON', (t) => {
  t.is(errorDetail(result('', '{"status":"error","error":"redis data/cache: replicas = 2 is refused in sentinel mode"}\n')), 'redis data/cache: replicas = 2 is refused in sentinel mode');
});

test('plain stderr, then stdout, then a placeholder', (t) => {
  t.is(errorDetail(result('out', 'boom\n')), 'boom');
  t.is(errorDetail(result('only stdout\n', '')), 'only stdout');
  t.is(errorDetail(result('', '')), 'no output');
  t.is(errorDetail(result('', '{"status":"ok"}')), '{"status":"ok"}', 'a non-error envelope is just text');
});
