/** The log demuxer: frames split back into stdout and stderr, across chunk edges, and a slow reader pauses the source instead of buffering it all. */
import test from 'ava';
import { PassThrough, Readable } from 'node:stream';
import { pipeDemuxed } from '../../modules/runtime/logs.js';

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

const readAll = async (s: PassThrough) => {
  let text = '';
  for await (const c of s) text += c.toString();
  return text;
};

test('frames go to their side, whatever the chunking', async (t) => {
  const bytes = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')]);
  // One byte at a time: every header and body is cut somewhere.
  const source = Readable.from(Array.from(bytes, (b) => Buffer.from([b])));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  pipeDemuxed(source, stdout, stderr, false);
  source.once('end', () => {
    stdout.end();
    stderr.end();
  });
  const [out, err] = await Promise.all([readAll(stdout), readAll(stderr)]);
  t.is(out, 'out one\nout two\n');
  t.is(err, 'err one\n');
});

test('a reader that does not read pauses the source: what is buffered stays bounded', async (t) => {
  let produced = 0;
  const line = 'x'.repeat(1000) + '\n';
  // An endless log, as `logs -f` of a chatty app is.
  const source = new Readable({
    // Asynchronous, as a socket is: a synchronous endless source would starve the timers.
    read() {
      setImmediate(() => {
        produced += line.length;
        this.push(frame(1, line));
      });
    },
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  pipeDemuxed(source, stdout, stderr, false);
  await new Promise((r) => setTimeout(r, 300));
  const buffered = stdout.readableLength + stdout.writableLength + source.readableLength;
  t.log(`produced ${produced} bytes with nobody reading; ${buffered} buffered`);
  t.true(source.isPaused(), 'the source kept flowing into a full stdout');
  t.true(produced < 256 * 1024, `${produced} bytes produced for a reader that read nothing`);

  // Reading resumes it.
  const before = produced;
  let read = 0;
  stdout.on('data', (c: Buffer) => (read += c.length));
  await new Promise((r) => setTimeout(r, 100));
  source.destroy();
  t.true(read > 0 && produced > before, 'reading did not resume the source');
});

test('tty logs are one raw stream, with the same backpressure', async (t) => {
  let produced = 0;
  const source = new Readable({
    read() {
      setImmediate(() => {
        produced += 1000;
        this.push(Buffer.alloc(1000, 120));
      });
    },
  });
  const stdout = new PassThrough();
  pipeDemuxed(source, stdout, new PassThrough(), true);
  await new Promise((r) => setTimeout(r, 200));
  t.true(produced < 256 * 1024, `${produced} bytes produced for a reader that read nothing`);
  source.destroy();
});
