import test from 'ava';
import { NotFoundError, TransientError, isTransient, statusOf } from '../../lib/errors.js';

test('statusOf: our classes, then any error carrying an HTTP status (plain-JS community modules)', (t) => {
  t.is(statusOf(new NotFoundError('x')), 404);
  t.is(statusOf(Object.assign(new Error('nope'), { status: 409 })), 409);
  t.is(statusOf(Object.assign(new Error('odd'), { status: 200 })), 500, 'a success status is not an error status');
  t.is(statusOf(Object.assign(new Error('odd'), { status: '404' })), 500);
  t.is(statusOf(new Error('plain')), 500);
  t.is(statusOf(null), 500);
});

test('isTransient: TransientError, or any error with code "transient"', (t) => {
  t.true(isTransient(new TransientError('later')));
  t.true(isTransient(Object.assign(new Error('later'), { code: 'transient' })));
  t.false(isTransient(new Error('now')));
  t.false(isTransient(undefined));
});
