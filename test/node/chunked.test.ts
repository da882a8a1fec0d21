/// <reference types="node" />
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { diskSink, HxWsDecoder, type HxWsRequest } from '../../src/server/index.js';
import { formatUploadStatus, takeControls } from '../../src/protocol.js';
import { json, meta } from './helpers.js';
import { closed, connect, deferred, nextMessage, start } from './server-helpers.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const uploadId = (): string => randomBytes(16).toString('base64url');

function chunked(name: string, size: number, offset: number, chunkSize: number, id: string, resume = false) {
  return { serialization: 'file/oob-chunked', offset, ...meta(name, size), chunkSize, uploadId: id, ...(resume ? { resume: true } : {}) };
}

function* chunks(bytes: Buffer, size: number, from = 0): Generator<Buffer> {
  for (let i = from; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

/** A sink that keeps a copy of every piece written to it in `parts`, in order. */
function collectingSink(parts: Buffer[]): Writable {
  return new Writable({
    write(c: Buffer, _e, done) {
      parts.push(Buffer.from(c));
      done();
    },
  });
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hx-ws-chunked-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('protocol: upload status control elements', () => {
  it('formats and takes <hx-ws-upload> next to acks, leaving the rest', () => {
    const text = formatUploadStatus({ id: 'abc_DEF-0123456789abcd', received: 42, state: 'partial' });
    assert.equal(text, '<hx-ws-upload id="abc_DEF-0123456789abcd" received="42" state="partial"></hx-ws-upload>');
    const { ids, uploads, rest } = takeControls(`<hx-ws-ack id="r1"></hx-ws-ack>${text}<p>x</p>`);
    assert.deepEqual(ids, ['r1']);
    assert.deepEqual(uploads, [{ id: 'abc_DEF-0123456789abcd', received: 42, state: 'partial' }]);
    assert.equal(rest, '<p>x</p>');
  });
});

describe('HxWsDecoder: file/oob-chunked', () => {
  it('joins the chunks in memory by default, and skips an empty chunked file', () => {
    const decoder = new HxWsDecoder();
    const bytes = randomBytes(1000);
    assert.equal(decoder.push(json({ a: chunked('a.bin', 1000, 0, 300, uploadId()), e: chunked('e.bin', 0, 1, 300, uploadId()) }), false), undefined);
    assert.equal(decoder.expectedBinaryBytes, 300);
    let request: HxWsRequest | undefined;
    for (const c of chunks(bytes, 300)) request = decoder.push(c, true);
    assert.ok(request);
    assert.equal(sha(request.files[0]!.bytes), sha(bytes));
    assert.equal(request.files[1]!.bytes.length, 0);
  });

  it('refuses a chunk past the declared size or over chunkSize, and a bad descriptor', () => {
    const d1 = new HxWsDecoder();
    d1.push(json({ a: chunked('a.bin', 500, 0, 300, uploadId()) }), false);
    d1.push(randomBytes(300), true);
    assert.throws(() => d1.push(randomBytes(201), true), /chunk of 201 bytes, 200 bytes left/);
    const d2 = new HxWsDecoder();
    d2.push(json({ a: chunked('a.bin', 500, 0, 300, uploadId()) }), false);
    assert.throws(() => d2.push(randomBytes(301), true), /size-mismatch|chunk of 301/);
    assert.throws(() => new HxWsDecoder().push(json({ a: chunked('a.bin', 5, 0, 0, uploadId()) }), false), /chunkSize 0/);
    assert.throws(() => new HxWsDecoder().push(json({ a: chunked('a.bin', 5, 0, 10, 'short') }), false), /uploadId/);
    assert.throws(() => new HxWsDecoder({ limits: { maxChunkBytes: 100 } }).push(json({ a: chunked('a.bin', 5, 0, 101, uploadId()) }), false), /maxChunkBytes 100/);
  });
});

describe('attachHxWs: chunked uploads', () => {
  it('streams a chunked file into the disk sink; the handler gets its path once, byte-identical', async (t) => {
    const dir = tempDir(t);
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, { fileSink: diskSink({ dir }), handler: (r) => got.resolve(r) });
    const client = await connect(url, origin);
    const bytes = randomBytes(4 * 1024 * 1024 + 17);
    const id = uploadId();
    const done = nextMessage(client);
    client.send(json({ note: 'hi', f: chunked('f.bin', bytes.length, 0, 256 * 1024, id) }));
    for (const c of chunks(bytes, 256 * 1024)) client.send(c);
    const request = await got.promise;
    const file = request.files[0]!;
    assert.equal(file.bytes.length, 0);
    assert.ok(file.path?.startsWith(dir));
    assert.equal(sha(readFileSync(file.path!)), sha(bytes));
    assert.deepEqual(takeControls(await done).uploads, [{ id, received: bytes.length, state: 'done' }]);
    client.close();
  });

  it('chunks past a file\'s declared size are refused at the first one: the sink never gets more', async (t) => {
    let written = 0;
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, {
      limits: { maxFileBytes: 1024 * 1024 },
      // The server stops reading once it refuses the big frame, so it cannot see the client go:
      // it drops the socket at closeTimeoutMs, which the server's close at the end waits for.
      closeTimeoutMs: 300,
      handler: (r) => got.resolve(r),
      fileSink: () =>
        new Writable({
          write(c: Buffer, _e, done) {
            written += c.length;
            done();
          },
        }),
    });
    const client = await connect(url, origin);
    const end = closed(client);
    // Declares 1 MiB (the limit) and sends 3 MiB.
    client.send(json({ f: chunked('f.bin', 1024 * 1024, 0, 256 * 1024, uploadId()) }));
    for (const c of chunks(randomBytes(3 * 1024 * 1024), 256 * 1024)) client.send(c);
    assert.equal((await end).code, 1003);
    assert.equal(written, 1024 * 1024);
    assert.equal((await got.promise).files[0]!.size, 1024 * 1024);
  });

  it('a request that fails mid-upload removes its temporary file', async (t) => {
    const dir = tempDir(t);
    const { url, origin, requests } = await start(t, { fileSink: diskSink({ dir }) });
    const client = await connect(url, origin);
    const end = closed(client);
    client.send(json({ f: chunked('f.bin', 1024 * 1024, 0, 64 * 1024, uploadId()) }));
    const [c] = chunks(randomBytes(64 * 1024), 64 * 1024);
    client.send(c!);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(readdirSync(dir).length, 1);
    client.send('{"a text frame": "mid-upload"}');
    assert.equal((await end).code, 1003);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(requests.length, 0);
  });

  it('refuses a declared size over maxFileBytes before any chunk', async (t) => {
    const { url, origin } = await start(t, { limits: { maxFileBytes: 1000 } });
    const client = await connect(url, origin);
    const end = closed(client);
    client.send(json({ f: chunked('f.bin', 1001, 0, 100, uploadId()) }));
    assert.equal((await end).code, 1009);
  });

  it('keeps a dropped upload; a continuation learns how much arrived and completes it once', async (t) => {
    const dir = tempDir(t);
    const got: HxWsRequest[] = [];
    const delivered = deferred();
    const { url, origin } = await start(t, {
      fileSink: diskSink({ dir }),
      handler: (r) => {
        got.push(r);
        delivered.resolve();
      },
    });
    const bytes = randomBytes(2 * 1024 * 1024);
    const id = uploadId();
    const first = await connect(url, origin);
    first.send(json({ f: chunked('f.bin', bytes.length, 0, 128 * 1024, id) }));
    let sent = 0;
    for (const c of chunks(bytes, 128 * 1024)) {
      if (sent >= bytes.length / 2) break;
      first.send(c);
      sent += c.length;
    }
    await new Promise((r) => setTimeout(r, 300));
    first.terminate();
    await new Promise((r) => setTimeout(r, 100));
    const second = await connect(url, origin);
    const answer = nextMessage(second);
    second.send(json({ f: chunked('f.bin', bytes.length, 0, 128 * 1024, id, true) }));
    const [status] = takeControls(await answer).uploads;
    assert.equal(status?.state, 'partial');
    assert.equal(status?.received, sent);
    const done = nextMessage(second);
    for (const c of chunks(bytes, 128 * 1024, status.received)) second.send(c);
    await delivered.promise;
    assert.equal(takeControls(await done).uploads[0]?.state, 'done');
    assert.equal(got.length, 1);
    assert.equal(sha(readFileSync(got[0]!.files[0]!.path!)), sha(bytes));
    // Resumed again (its done notice lost): told it is done, not delivered twice.
    const again = nextMessage(second);
    second.send(json({ f: chunked('f.bin', bytes.length, 0, 128 * 1024, id, true) }));
    assert.deepEqual(takeControls(await again).uploads, [{ id, received: bytes.length, state: 'done' }]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 1);
    second.close();
  });

  it('an unknown upload resumed is lost: it starts from zero', async (t) => {
    const { url, origin } = await start(t);
    const client = await connect(url, origin);
    const answer = nextMessage(client);
    const id = uploadId();
    client.send(json({ f: chunked('f.bin', 10, 0, 4, id, true) }));
    assert.deepEqual(takeControls(await answer).uploads, [{ id, received: 0, state: 'lost' }]);
    client.close();
  });

  it('a slow sink pauses reading from the socket, and nothing is lost', async (t) => {
    const received: Buffer[] = [];
    let pausedSeen = 0;
    const got = deferred<HxWsRequest>();
    const { url, origin, connections } = await start(t, {
      handler: (r) => got.resolve(r),
      fileSink: (_file, ctx) => {
        const raw = (ctx.socket as unknown as { _socket: { isPaused(): boolean } })._socket;
        return new Writable({
          highWaterMark: 64 * 1024,
          write(chunk: Buffer, _e, done) {
            received.push(chunk);
            setTimeout(() => {
              if (raw.isPaused()) pausedSeen += 1;
              done();
            }, 5);
          },
        });
      },
    });
    const client = await connect(url, origin);
    const bytes = randomBytes(2 * 1024 * 1024);
    client.send(json({ f: chunked('f.bin', bytes.length, 0, 64 * 1024, uploadId()) }));
    for (const c of chunks(bytes, 64 * 1024)) client.send(c);
    await got.promise;
    assert.ok(connections.length === 1);
    assert.equal(sha(Buffer.concat(received)), sha(bytes));
    assert.ok(pausedSeen > 0, 'the socket was paused while the sink was full');
    client.close();
  });

  it('a chunk streams into its sink as it arrives: fragments and a ping in between, before the message ends', async (t) => {
    const parts: Buffer[] = [];
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, {
      handler: (r) => got.resolve(r),
      fileSink: () => collectingSink(parts),
    });
    const client = await connect(url, origin);
    const bytes = randomBytes(300 * 1024 + 5);
    const arrived = async (n: number): Promise<void> => {
      while (parts.reduce((k, p) => k + p.length, 0) < n) await new Promise((r) => setTimeout(r, 5));
    };
    client.send(json({ f: chunked('f.bin', bytes.length, 0, 256 * 1024, uploadId()) }));
    // The first chunk as three fragments: its first 100 KiB reach the sink before the rest is sent.
    client.send(bytes.subarray(0, 100 * 1024), { fin: false });
    await arrived(100 * 1024);
    client.ping();
    client.send(bytes.subarray(100 * 1024, 200 * 1024), { fin: false });
    client.send(bytes.subarray(200 * 1024, 256 * 1024), { fin: true });
    client.send(bytes.subarray(256 * 1024));
    await got.promise;
    assert.equal(sha(Buffer.concat(parts)), sha(bytes));
    client.close();
  });

  it('a drop in the middle of a chunk keeps the bytes of it that arrived: the resume starts there', async (t) => {
    const dir = tempDir(t);
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, { fileSink: diskSink({ dir }), handler: (r) => got.resolve(r) });
    const bytes = randomBytes(512 * 1024);
    const id = uploadId();
    const first = await connect(url, origin);
    first.send(json({ f: chunked('f.bin', bytes.length, 0, 256 * 1024, id) }));
    first.send(bytes.subarray(0, 256 * 1024));
    first.send(bytes.subarray(256 * 1024, 356 * 1024), { fin: false });
    await new Promise((r) => setTimeout(r, 200));
    first.terminate();
    await new Promise((r) => setTimeout(r, 100));
    const second = await connect(url, origin);
    const answer = nextMessage(second);
    second.send(json({ f: chunked('f.bin', bytes.length, 0, 256 * 1024, id, true) }));
    assert.deepEqual(takeControls(await answer).uploads, [{ id, received: 356 * 1024, state: 'partial' }]);
    for (const c of chunks(bytes, 256 * 1024, 356 * 1024)) second.send(c);
    assert.equal(sha(readFileSync((await got.promise).files[0]!.path!)), sha(bytes));
    second.close();
  });

  it('a big chunk into a slow sink: reading pauses, and the server holds about the sink\'s buffer, not the chunk', async (t) => {
    let handed = 0;
    let written = 0;
    let most = 0;
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, {
      limits: { maxChunkBytes: 8 * 1024 * 1024 },
      handler: (r) => got.resolve(r),
      fileSink: () =>
        new Writable({
          highWaterMark: 64 * 1024,
          write(c: Buffer, _e, done) {
            handed += c.length;
            most = Math.max(most, handed - written);
            setTimeout(() => {
              written += c.length;
              done();
            }, 2);
          },
        }),
    });
    const client = await connect(url, origin);
    const bytes = randomBytes(4 * 1024 * 1024);
    client.send(json({ f: chunked('f.bin', bytes.length, 0, bytes.length, uploadId()) }));
    client.send(bytes);
    await got.promise;
    assert.equal(written, bytes.length);
    // One 4 MiB chunk, and at no time more than the sink's 64 KiB and one socket read or two on its way.
    assert.ok(most <= 256 * 1024, `at most ${most} bytes waited for the sink`);
    client.close();
  });

  it('with compression on, chunks a page deflates are left to ws and plain ones streamed: the file arrives whole', async (t) => {
    const dir = tempDir(t);
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, { compression: true, fileSink: diskSink({ dir }), handler: (r) => got.resolve(r) });
    const client = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { origin, perMessageDeflate: true });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    // Compressible chunks deflated by the client, random ones sent plain, taking turns. (A random
    // chunk deflated comes out longer than chunkSize, and the guard refuses it from its header.)
    const parts = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i % 2 ? randomBytes(64 * 1024) : Buffer.alloc(64 * 1024, i)));
    const bytes = Buffer.concat(parts);
    client.send(json({ f: chunked('f.bin', bytes.length, 0, 64 * 1024, uploadId()) }));
    parts.forEach((c, i) => client.send(c, { compress: i % 2 === 0 }));
    assert.equal(sha(readFileSync((await got.promise).files[0]!.path!)), sha(bytes));
    client.close();
  });

  it('a sink given as a promise gets every chunk, in order, once it resolves', async (t) => {
    const parts: Buffer[] = [];
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, {
      handler: (r) => got.resolve(r),
      fileSink: () =>
        new Promise<Writable>((resolve) => setTimeout(() => resolve(collectingSink(parts)), 100)),
    });
    const client = await connect(url, origin);
    const bytes = randomBytes(512 * 1024 + 3);
    client.send(json({ f: chunked('f.bin', bytes.length, 0, 64 * 1024, uploadId()) }));
    for (const c of chunks(bytes, 64 * 1024)) client.send(c);
    await got.promise;
    assert.equal(sha(Buffer.concat(parts)), sha(bytes));
    client.close();
  });

  it('a continuation on a new socket takes the upload over from an old socket still open', async (t) => {
    const got: HxWsRequest[] = [];
    const delivered = deferred();
    const { url, origin } = await start(t, {
      handler: (r) => {
        got.push(r);
        delivered.resolve();
      },
    });
    const bytes = randomBytes(256 * 1024);
    const id = uploadId();
    const old = await connect(url, origin);
    old.send(json({ f: chunked('f.bin', bytes.length, 0, 32 * 1024, id) }));
    const [first] = chunks(bytes, 32 * 1024);
    old.send(first!);
    await new Promise((r) => setTimeout(r, 200));
    const fresh = await connect(url, origin);
    const answer = nextMessage(fresh);
    fresh.send(json({ f: chunked('f.bin', bytes.length, 0, 32 * 1024, id, true) }));
    assert.deepEqual(takeControls(await answer).uploads, [{ id, received: 32 * 1024, state: 'partial' }]);
    // The old socket's late chunk is stale: it does not reach the upload.
    old.send(randomBytes(32 * 1024));
    for (const c of chunks(bytes, 32 * 1024, 32 * 1024)) fresh.send(c);
    await delivered.promise;
    assert.equal(got.length, 1);
    assert.equal(sha(got[0]!.files[0]!.bytes), sha(bytes));
    old.close();
    fresh.close();
  });
});
