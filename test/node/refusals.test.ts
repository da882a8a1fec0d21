/// <reference types="node" />
// Refusals that keep the socket: a request with an HX-Request-Id that breaks a per-request limit
// (file size, files per request, request bytes, chunk size), whose sink fails, or that the handler
// refuses gets `<hx-ws-refused>`, the rest of its frames are dropped unread, and the socket goes on.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import { formatRefused, takeControls } from '../../src/protocol.js';
import { HxWsDecoder, ProtocolError, RequestRefusedError } from '../../src/server/index.js';
import { HEADERS, meta, oobFile } from './helpers.js';
import { closed, connect, start } from './server-helpers.js';
import { until } from './support/recovering.js';

/** A JSON frame with `HX-Request-Id: id` (none when `id` is null). */
function withId(id: string | null, values: Record<string, unknown>): string {
  return JSON.stringify({ HEADERS: id === null ? HEADERS : { ...HEADERS, 'HX-Request-Id': id }, ...values });
}

/** Every text message `ws` gets, from now on. */
function inbox(ws: WebSocket): string[] {
  const texts: string[] = [];
  ws.on('message', (data, binary) => {
    if (!binary) texts.push(String(data));
  });
  return texts;
}

const chunked = (name: string, size: number, offset: number, chunkSize: number) => ({
  serialization: 'file/oob-chunked',
  offset,
  ...meta(name, size),
  chunkSize,
  uploadId: randomBytes(16).toString('base64url'),
});

test('the refusal control, byte for byte, escaped like the ack', () => {
  assert.equal(formatRefused('k-1', 'too big'), '<hx-ws-refused id="k-1" reason="too big"></hx-ws-refused>');
  assert.equal(formatRefused('a"b', '<x> & "y"'), '<hx-ws-refused id="a&quot;b" reason="&lt;x&gt; &amp; &quot;y&quot;"></hx-ws-refused>');
  const taken = takeControls(`${formatRefused('a"b', '<x> & "y"')}<hx-ws-ack id="z"></hx-ws-ack><p>rest</p>`);
  assert.deepEqual(taken.refusals, [{ id: 'a"b', reason: '<x> & "y"' }]);
  assert.deepEqual(taken.ids, ['z']);
  assert.equal(taken.rest, '<p>rest</p>');
});

test('the decoder: a per-request limit with an id is refused, its binary frames dropped, the next request decoded', () => {
  const refused: [string, string][] = [];
  const d = new HxWsDecoder({ limits: { maxFileBytes: 100 }, refuse: (e, id) => void refused.push([e.kind, id]) });
  assert.equal(d.push(withId('r1', { f: oobFile('big.bin', 1000, 0), g: oobFile('g.bin', 10, 1) }), false), undefined);
  assert.deepEqual(refused, [['file-too-large', 'r1']]);
  assert.equal(d.discarding, true);
  assert.equal(d.push(Buffer.alloc(1000), true), undefined, 'dropped');
  assert.equal(d.push(Buffer.alloc(10), true), undefined, 'dropped');
  const next = d.push(withId('r2', { v: 1 }), false);
  assert.equal(next?.values.v, 1);
  assert.equal(d.discarding, false);
  assert.equal(d.error, undefined);
  // Without an id it kills the decoder, as before.
  const old = new HxWsDecoder({ limits: { maxFileBytes: 100 }, refuse: () => assert.fail('no id, no refusal') });
  assert.throws(() => old.push(withId(null, { f: oobFile('big.bin', 1000, 0) }), false), ProtocolError);
  assert.ok(old.error);
  // Rules that are not per request still kill it.
  const bad = new HxWsDecoder({ refuse: () => assert.fail('not refusable') });
  assert.throws(() => bad.push(withId('r3', { f: { serialization: 'file/oob', offset: 5, ...meta('a', 1) } }), false), /offset/);
});

test('over maxFileBytes with an id: refused, the 3 MB frame never buffered, the socket kept and the next request handled', async (t) => {
  const s = await start(t, { limits: { maxFileBytes: 64 * 1024 } });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  ws.send(withId('big', { f: oobFile('big.bin', 3 * 1024 * 1024, 0) }));
  ws.send(Buffer.alloc(3 * 1024 * 1024, 1));
  ws.send(withId('small', { v: 'after' }));
  await until(() => texts.length === 2);
  assert.equal(texts[0], '<hx-ws-refused id="big" reason="field &quot;f&quot;: declared size 3145728 exceeds maxFileBytes 65536"></hx-ws-refused>');
  assert.equal(texts[1], '<hx-ws-ack id="small"></hx-ws-ack>');
  assert.deepEqual(
    s.requests.map((r) => r.values.v),
    ['after'],
  );
  assert.equal(ws.readyState, ws.OPEN);
  const refusal = s.errors.find((e) => e instanceof RequestRefusedError) as RequestRefusedError;
  assert.equal(refusal.requestId, 'big');
  assert.ok(refusal.cause instanceof ProtocolError);
  assert.equal(s.errors.length, 1, s.errors.map((e) => e.message).join('; '));
  ws.close();
});

test('too many files, over maxRequestBytes, a chunk over maxChunkBytes: each refused, the socket kept', async (t) => {
  const s = await start(t, { limits: { maxFiles: 2, maxRequestBytes: 10_000, maxChunkBytes: 1000 } });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  ws.send(withId('many', { f: [oobFile('a', 1, 0), oobFile('b', 1, 1), oobFile('c', 1, 2)] }));
  for (let i = 0; i < 3; i++) ws.send(Buffer.alloc(1));
  ws.send(withId('bytes', { f: oobFile('a', 20_000, 0) }));
  ws.send(Buffer.alloc(20_000));
  ws.send(withId('chunk', { f: chunked('c.bin', 5000, 0, 2000) }));
  ws.send(Buffer.alloc(2000));
  ws.send(Buffer.alloc(2000));
  ws.send(withId('ok', { v: 1 }));
  await until(() => texts.length === 4);
  const { refusals, ids } = takeControls(texts.join(''));
  assert.deepEqual(
    refusals.map((r) => r.id),
    ['many', 'bytes', 'chunk'],
  );
  assert.match(refusals[0]!.reason, /more than maxFiles 2/);
  assert.match(refusals[1]!.reason, /exceeds maxRequestBytes 10000/);
  assert.match(refusals[2]!.reason, /exceeds maxChunkBytes 1000/);
  assert.deepEqual(ids, ['ok']);
  assert.equal(s.requests.length, 1);
  assert.equal(ws.readyState, ws.OPEN);
  ws.close();
});

test('without an HX-Request-Id the request cannot be named: the socket is closed with 1009 as before', async (t) => {
  const s = await start(t, { limits: { maxFileBytes: 100 } });
  const ws = await connect(s.url);
  const done = closed(ws);
  ws.send(withId(null, { f: oobFile('big.bin', 1000, 0) }));
  const { code, reason } = await done;
  assert.equal(code, 1009);
  assert.match(reason, /exceeds maxFileBytes 100/);
});

test('ctx.refuse(reason) in the handler: the refusal instead of the ack; false without an id; throws after an await', async (t) => {
  const answers: boolean[] = [];
  const late: unknown[] = [];
  const s = await start(t, {
    handler: async (request, ctx) => {
      if (request.values.refuse) answers.push(ctx.refuse('not <allowed>'));
      await null;
      if (request.values.late) {
        try {
          ctx.refuse('too late');
        } catch (error) {
          late.push(error);
        }
      }
    },
  });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  ws.send(withId('r1', { refuse: true }));
  ws.send(withId(null, { refuse: true }));
  ws.send(withId('r2', { late: true }));
  await until(() => texts.length === 2 && late.length === 1);
  assert.deepEqual(texts, ['<hx-ws-refused id="r1" reason="not &lt;allowed&gt;"></hx-ws-refused>', '<hx-ws-ack id="r2"></hx-ws-ack>']);
  assert.deepEqual(answers, [true, false]);
  assert.match(String(late[0]), /before its first await/);
  assert.equal(ws.readyState, ws.OPEN);
  ws.close();
});

test('a sink that fails: the request is refused, the socket kept', async (t) => {
  const s = await start(t, {
    fileSink: () =>
      new Writable({
        write(_chunk, _encoding, done) {
          done(new Error('disk full at /secret/path'));
        },
      }),
  });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  ws.send(withId('up', { f: chunked('c.bin', 100, 0, 100) }));
  ws.send(Buffer.alloc(100));
  ws.send(withId('next', { v: 1 }));
  await until(() => texts.some((x) => x.includes('hx-ws-refused')) && texts.some((x) => x.includes('"next"')));
  const { refusals } = takeControls(texts.join(''));
  assert.deepEqual(refusals, [{ id: 'up', reason: 'a file of this request could not be stored' }], 'no server path reaches the page');
  assert.equal(s.requests.length, 1);
  assert.ok(s.errors.some((e) => /disk full/.test(e.message)), 'onError has the details');
  assert.equal(ws.readyState, ws.OPEN);
  ws.close();
});

test('big uploads into a disk sink: maxFileBytes raised, maxMemoryFileBytes kept low; a 48 MiB chunked file arrives on disk, the same size unchunked is refused', async (t) => {
  const { mkdtempSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { diskSink } = await import('../../src/server/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'hx-ws-big-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const size = 48 * 1024 * 1024;
  const sizes: number[] = [];
  const s = await start(t, {
    limits: { maxFileBytes: 1024 * 1024 * 1024, maxRequestBytes: 1024 * 1024 * 1024 + 1024 * 1024, maxMemoryFileBytes: 1024 * 1024 },
    fileSink: diskSink({ dir }),
    handler: (request) => void sizes.push(...request.files.map((f) => statSync(f.path!).size)),
  });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  // Unchunked: it would be one 48 MiB frame in memory.
  ws.send(withId('whole', { f: oobFile('big.bin', size, 0) }));
  ws.send(Buffer.alloc(size));
  // Chunked, 1 MiB a frame, into the disk sink.
  const chunk = Buffer.alloc(1024 * 1024, 7);
  ws.send(withId('chunked', { f: chunked('big.bin', size, 0, chunk.length) }));
  for (let sent = 0; sent < size; sent += chunk.length) ws.send(chunk);
  await until(() => sizes.length === 1, 20_000);
  await until(() => texts.some((x) => x.includes('hx-ws-ack id="chunked"')), 5000);
  const { refusals } = takeControls(texts.join(''));
  assert.deepEqual(
    refusals.map((r) => r.id),
    ['whole'],
  );
  assert.match(refusals[0]!.reason, /exceeds maxMemoryFileBytes 1048576 \(unchunked files arrive in memory: send it with chunk-size\)/);
  assert.deepEqual(sizes, [size], 'the chunked file is on disk, whole');
  assert.equal(ws.readyState, ws.OPEN);
  ws.close();
});

test('without a fileSink, chunked files are bound by maxMemoryFileBytes too', async (t) => {
  const s = await start(t, { limits: { maxFileBytes: 10_000_000, maxMemoryFileBytes: 1000 } });
  const ws = await connect(s.url);
  const texts = inbox(ws);
  ws.send(withId('c', { f: chunked('c.bin', 5000, 0, 1000) }));
  for (let i = 0; i < 5; i++) ws.send(Buffer.alloc(1000));
  ws.send(withId('ok', { f: chunked('d.bin', 1000, 0, 1000) }));
  ws.send(Buffer.alloc(1000));
  await until(() => texts.join('').includes('hx-ws-ack id="ok"'));
  const { refusals } = takeControls(texts.join(''));
  assert.equal(refusals.length, 1);
  assert.match(refusals[0]!.reason, /exceeds maxMemoryFileBytes 1000 \(without a fileSink, chunked files arrive in memory\)/);
  assert.equal(s.requests.length, 1);
  ws.close();
});
