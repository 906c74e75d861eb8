/** The exec stream's framing both ways, and the CLI's side of a tty session: keystrokes and resizes as frames, in order. */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import {
  FrameDecoder,
  STREAM_RESIZE,
  STREAM_STDIN,
  decodeResize,
  encodeFrame,
  encodeResize,
  encodeTrailer,
} from '../../lib/exec-frames.js';
import { session } from '../../modules/pods/cli-exec.js';

test('a resize frame carries two bounded positive integers; anything else is no resize', (t) => {
  const [frame] = new FrameDecoder().push(encodeResize(120, 40));
  t.is(frame?.type, STREAM_RESIZE);
  t.deepEqual(decodeResize(frame!.payload), { cols: 120, rows: 40 });
  for (const bad of ['{"cols":0,"rows":3}', '{"cols":1.5,"rows":3}', '{"cols":100000,"rows":3}', '{"cols":"80","rows":24}', 'nope', '[]']) {
    t.is(decodeResize(Buffer.from(bad)), undefined, bad);
  }
});

test('a decoder with a payload limit refuses a frame announcing more instead of buffering it', (t) => {
  const decoder = new FrameDecoder(16);
  t.deepEqual(decoder.push(encodeFrame(STREAM_STDIN, 'small')).map((f) => f.payload.toString()), ['small']);
  const header = encodeFrame(STREAM_STDIN, 'x'.repeat(17)).subarray(0, 8);
  t.throws(() => decoder.push(header), { instanceOf: RangeError, message: /17 bytes is over the 16-byte limit/ });
});

/** A connection whose writes we record, and into which we push what the server would send. */
function fakeSocket() {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
    final(cb) {
      cb();
    },
  });
  return { socket, written };
}

test('a tty session frames stdin and sends a resize frame each time the terminal resizes, in order', async (t) => {
  const { socket, written } = fakeSocket();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const terminal = Object.assign(new EventEmitter(), { columns: 80, rows: 24 }) as unknown as NodeJS.WriteStream;
  const done = session({ stdin, stdout, stderr: new PassThrough() }, socket, Buffer.alloc(0), true, terminal);

  stdin.write('ls\r');
  await new Promise((r) => setImmediate(r));
  Object.assign(terminal, { columns: 132, rows: 50 });
  terminal.emit('resize');
  stdin.write('exit\r');
  await new Promise((r) => setImmediate(r));
  socket.push(encodeTrailer({ exit_code: 0 }));
  socket.push(null);
  socket.destroy();
  t.deepEqual(await done, { exit_code: 0 });

  const frames = new FrameDecoder().push(Buffer.concat(written));
  t.deepEqual(
    frames.map((f) => [f.type, f.type === STREAM_RESIZE ? decodeResize(f.payload) : f.payload.toString()]),
    [
      [STREAM_STDIN, 'ls\r'],
      [STREAM_RESIZE, { cols: 132, rows: 50 }],
      [STREAM_STDIN, 'exit\r'],
    ],
  );
  t.is(terminal.listenerCount('resize'), 0, 'the resize listener outlived the session');
});

test('without a terminal stdin goes raw, as scripts send it', async (t) => {
  const { socket, written } = fakeSocket();
  const stdin = new PassThrough();
  const done = session({ stdin, stdout: new PassThrough(), stderr: new PassThrough() }, socket, Buffer.alloc(0), true);
  stdin.write('twelve bytes');
  await new Promise((r) => setImmediate(r));
  socket.push(encodeTrailer({ exit_code: 0 }));
  socket.destroy();
  await done;
  t.is(Buffer.concat(written).toString(), 'twelve bytes');
});
