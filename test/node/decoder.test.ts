/// <reference types="node" />
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { HxWsDecoder, ProtocolError, type HxWsFile, type HxWsRequest } from '../../src/server/index.js';
import { base64File, FakeClock, json, meta, oobFile, textFile } from './helpers.js';

const bytes0to255 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Pushes frames in order; returns every request delivered. */
function feed(decoder: HxWsDecoder, frames: Array<string | Buffer>): HxWsRequest[] {
  const out: HxWsRequest[] = [];
  for (const frame of frames) {
    const request = typeof frame === 'string' ? decoder.push(Buffer.from(frame), false) : decoder.push(frame, true);
    if (request) out.push(request);
  }
  return out;
}

/**
 * Asserts that the frames fail with this code and kind, after delivering `wholeBefore` requests
 * (those complete before the bad frame; nothing of the failing one).
 */
function rejects(
  frames: Array<string | Buffer>,
  code: number,
  kind: string,
  decoder = new HxWsDecoder(),
  wholeBefore = 0,
): ProtocolError {
  const delivered: HxWsRequest[] = [];
  let caught: unknown;
  try {
    for (const frame of frames) {
      const request = typeof frame === 'string' ? decoder.push(Buffer.from(frame), false) : decoder.push(frame, true);
      if (request) delivered.push(request);
    }
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.kind, kind, caught.message);
  assert.equal(delivered.length, wholeBefore, 'only whole earlier requests delivered');
  assert.equal(decoder.pending, false);
  assert.equal(decoder.error, caught);
  // Dead: any further input is refused with the same error.
  assert.throws(() => decoder.push(Buffer.from('{}'), false), (e) => e === caught);
  assert.throws(() => decoder.push(Buffer.alloc(1), true), (e) => e === caught);
  return caught;
}

describe('HxWsDecoder: valid requests', () => {
  it('delivers a request without files at once, HEADERS split off', () => {
    const decoder = new HxWsDecoder();
    const request = decoder.push(Buffer.from(json({ chat_message: 'hi', tags: ['a', 'b'], n: 3, x: { y: [1] } })), false);
    assert.ok(request);
    assert.deepEqual(request.values, { chat_message: 'hi', tags: ['a', 'b'], n: 3, x: { y: [1] } });
    assert.deepEqual(request.headers, {
      'HX-Request': 'true',
      'HX-Trigger': 'chat-form',
      'HX-Target': 'socket',
      'HX-Current-URL': 'http://127.0.0.1/',
    });
    assert.deepEqual(request.files, []);
    assert.equal(decoder.pending, false);
  });

  it('gives {} headers when HEADERS is absent and stringifies number/boolean headers', () => {
    const decoder = new HxWsDecoder();
    assert.deepEqual(decoder.push('{"a":"1"}', false)?.headers, {});
    const request = decoder.push(JSON.stringify({ HEADERS: { 'X-Num': 5, 'X-Flag': false, 'X-Gone': null } }), false);
    assert.deepEqual(request?.headers, { 'X-Num': '5', 'X-Flag': 'false' });
    assert.deepEqual(request?.values, {});
  });

  it('decodes a file/oob file from the next binary frame, without copying it', () => {
    const decoder = new HxWsDecoder();
    assert.equal(decoder.push(Buffer.from(json({ photo: oobFile('p.bin', 256, 0) })), false), undefined);
    assert.equal(decoder.pending, true);
    const frame = Buffer.from(bytes0to255);
    const request = decoder.push(frame, true);
    assert.ok(request);
    const photo = request.values.photo as HxWsFile;
    assert.equal(photo.bytes, frame, 'the frame Buffer itself');
    assert.deepEqual(photo, {
      field: 'photo',
      serialization: 'file/oob',
      offset: 0,
      ...meta('p.bin', 256),
      bytes: frame,
    });
    assert.deepEqual(request.files, [photo]);
    assert.equal(decoder.pending, false);
  });

  it('serializes a decoded file as its metadata, never its bytes', () => {
    const decoder = new HxWsDecoder();
    const size = 1 << 20;
    decoder.push(Buffer.from(json({ note: 'hi', upload: oobFile('big.bin', size, 0) })), false);
    const frame = Buffer.alloc(size, 0x41);
    const request = decoder.push(frame, true);
    assert.ok(request);
    const upload = request.values.upload as HxWsFile;
    const metadata = { field: 'upload', serialization: 'file/oob', ...meta('big.bin', size), offset: 0 };
    const logged = JSON.stringify(request.values);
    assert.deepEqual(JSON.parse(logged), { note: 'hi', upload: metadata });
    assert.ok(logged.length < 300, `${logged.length} characters`);
    assert.ok(!logged.includes('65,65') && !logged.includes('Buffer'), 'no bytes in the JSON');
    assert.deepEqual(JSON.parse(JSON.stringify(request.files)), [metadata]);
    assert.ok(Buffer.isBuffer(upload.bytes) && upload.bytes.length === size, 'bytes still a Buffer');
    assert.ok(!Object.keys(upload).includes('toJSON'), 'toJSON is not enumerable');
    const inline = feed(new HxWsDecoder(), [json({ bio: textFile('bio.txt', 'hello') })])[0]!;
    assert.deepEqual(JSON.parse(JSON.stringify(inline.values.bio)), {
      field: 'bio',
      serialization: 'file/inline-text',
      ...meta('bio.txt', 5, 'text/plain'),
    });
  });

  it('decodes file/inline-text as UTF-8 bytes', () => {
    const text = '*Lorem* ipsum — ✓ 𝄞\n';
    const [request] = feed(new HxWsDecoder(), [json({ bio: textFile('bio.md', text) })]);
    const bio = request!.values.bio as HxWsFile;
    assert.equal(bio.serialization, 'file/inline-text');
    assert.equal(bio.bytes.toString('utf8'), text);
    assert.equal('body' in bio, false, 'body dropped, bytes kept');
  });

  it('decodes file/inline-base64 bytes 0..255 exactly, padded or not', () => {
    const decoder = new HxWsDecoder();
    const [request] = feed(decoder, [json({ blob: base64File('b.bin', bytes0to255) })]);
    assert.deepEqual((request!.values.blob as HxWsFile).bytes, bytes0to255);
    for (const length of [0, 1, 2, 3, 4, 5]) {
      const slice = bytes0to255.subarray(250, 250 + length);
      const body = slice.toString('base64').replace(/=+$/, '');
      const [unpadded] = feed(decoder, [json({ f: { ...base64File('x', slice), body } })]);
      assert.deepEqual((unpadded!.values.f as HxWsFile).bytes, slice);
    }
  });

  it('routes oob frames by offset, not by field order, across many files', () => {
    const count = 40;
    const values: Record<string, unknown> = {};
    // Field i gets offset count-1-i, so frame k belongs to the field listed last-but-k.
    for (let i = 0; i < count; i++) values[`f${i}`] = oobFile(`${i}.bin`, i, count - 1 - i);
    const frames = Array.from({ length: count }, (_, k) => Buffer.alloc(count - 1 - k, k));
    const [request, ...rest] = feed(new HxWsDecoder(), [json(values), ...frames]);
    assert.deepEqual(rest, []);
    assert.equal(request!.files.length, count);
    for (let i = 0; i < count; i++) {
      const file = request!.values[`f${i}`] as HxWsFile;
      assert.equal(file.name, `${i}.bin`);
      assert.deepEqual(file.bytes, Buffer.alloc(i, count - 1 - i));
    }
    assert.deepEqual(
      request!.files.map((f) => f.field),
      Object.keys(values),
      'files listed in field order',
    );
  });

  it('handles multiple-file arrays (empty too), null, and strings beside files', () => {
    const [request] = feed(new HxWsDecoder(), [
      json({
        photos: [oobFile('a', 1, 0), oobFile('b', 2, 1)],
        none: [],
        single: null,
        mixed: ['text', textFile('t.txt', 'T')],
      }),
      Buffer.from('a'),
      Buffer.from('bb'),
    ]);
    const photos = request!.values.photos as HxWsFile[];
    assert.deepEqual(photos.map((f) => f.bytes.toString()), ['a', 'bb']);
    assert.deepEqual(request!.values.none, []);
    assert.equal(request!.values.single, null);
    const mixed = request!.values.mixed as [string, HxWsFile];
    assert.equal(mixed[0], 'text');
    assert.equal(mixed[1].bytes.toString(), 'T');
    assert.deepEqual(request!.files.map((f) => `${f.field}:${f.name}`), ['photos:a', 'photos:b', 'mixed:t.txt']);
  });

  it('mixes oob and inline files in one request; an empty oob file gets an empty frame', () => {
    const [request] = feed(new HxWsDecoder(), [
      json({
        a: oobFile('a', 3, 1),
        b: textFile('b.txt', 'bee'),
        c: base64File('c', Buffer.from([0, 255])),
        d: oobFile('empty', 0, 0),
      }),
      Buffer.alloc(0),
      Buffer.from('AAA'),
    ]);
    const v = request!.values as Record<string, HxWsFile>;
    assert.equal(v.a!.bytes.toString(), 'AAA');
    assert.equal(v.b!.bytes.toString(), 'bee');
    assert.deepEqual([...v.c!.bytes], [0, 255]);
    assert.equal(v.d!.bytes.length, 0);
    assert.equal(request!.files.length, 4);
  });

  it('decodes requests back to back', () => {
    const decoder = new HxWsDecoder();
    const requests = feed(decoder, [
      json({ n: '1', f: oobFile('x', 1, 0) }),
      Buffer.from('x'),
      json({ n: '2' }),
      json({ n: '3', f: oobFile('y', 2, 0), g: oobFile('z', 1, 1) }),
      Buffer.from('yy'),
      Buffer.from('z'),
      json({ n: '4' }),
    ]);
    assert.deepEqual(requests.map((r) => r.values.n), ['1', '2', '3', '4']);
    assert.equal((requests[2]!.values.g as HxWsFile).bytes.toString(), 'z');
  });

  it('accepts ArrayBuffer, Buffer[] and string frames', () => {
    const decoder = new HxWsDecoder();
    const text = Buffer.from(json({ f: oobFile('x', 4, 0) }));
    assert.equal(decoder.push([text.subarray(0, 5), text.subarray(5)], false), undefined);
    const ab = new Uint8Array([1, 2, 3, 4]).buffer;
    assert.deepEqual([...(decoder.push(ab, true)!.files[0]!.bytes)], [1, 2, 3, 4]);
    assert.equal(decoder.push('{"s":"ü"}', false)?.values.s, 'ü');
  });

  it('leaves nested look-alike descriptors alone (only top level is searched)', () => {
    const nested = { vals: { file: oobFile('x', 1, 0) }, deep: [[oobFile('y', 1, 0)]] };
    const [request] = feed(new HxWsDecoder(), [json(nested)]);
    assert.deepEqual(request!.values, nested);
    assert.deepEqual(request!.files, []);
  });

  it('treats a top-level object with a non-string serialization as a plain value', () => {
    const [request] = feed(new HxWsDecoder(), [json({ v: { serialization: 1 } })]);
    assert.deepEqual(request!.values.v, { serialization: 1 });
  });

  it('drops members named __proto__ at any depth, plain or escaped, so a merge changes no prototype', () => {
    // Issue 17: an own "__proto__" key reached the handler, and Object.assign({}, values) or a
    // deep merge by the app then replaced a prototype. Such members are now dropped.
    const nested = '{"deep":{"__proto__":{"polluted":1}},"list":[{"\\u005f_proto__":{"polluted":2}}]}';
    const text = `{"__proto__":${JSON.stringify(textFile('p.txt', 'P'))},"ok":"1","h":${nested},"HEADERS":{"__proto__":"x","HX-Request":"true"}}`;
    const [request] = feed(new HxWsDecoder(), [text]);
    const values = request!.values;
    assert.equal(Object.getOwnPropertyDescriptor(values, '__proto__'), undefined);
    assert.deepEqual(request!.files, [], 'the file under __proto__ went with it');
    assert.equal(values.ok, '1');
    const h = values.h as { deep: object; list: object[] };
    assert.equal(Object.getOwnPropertyDescriptor(h.deep, '__proto__'), undefined);
    assert.equal(Object.getOwnPropertyDescriptor(h.list[0], '__proto__'), undefined, 'escaped spelling too');
    assert.deepEqual(Object.keys(request!.headers), ['HX-Request']);
    const merged = Object.assign({}, values) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.equal(Object.getPrototypeOf(values), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('survives deeply nested JSON (100k levels) inside a string and as real nesting', () => {
    const deep = '['.repeat(100_000);
    const decoder = new HxWsDecoder({ limits: { maxTextFrameBytes: 1_000_000 } });
    const [inString] = feed(decoder, [json({ s: deep })]);
    assert.equal(inString!.values.s, deep);
    // Real nesting: V8's JSON.parse is not recursive, and nothing of ours walks the values.
    const nested = decoder.push(`{"a":${deep}${']'.repeat(100_000)}}`, false);
    let depth = 0;
    for (let node: unknown = nested!.values.a; Array.isArray(node); node = node[0]) depth += 1;
    assert.equal(depth, 100_000);
    rejects([`{"a":${deep}}`], 1003, 'invalid-json');
  });

  it('decodes 10,000 tiny oob files when maxFiles allows it', () => {
    const n = 10_000;
    const values: Record<string, unknown> = { many: Array.from({ length: n }, (_, i) => oobFile(`${i}`, 2, i)) };
    const decoder = new HxWsDecoder({ limits: { maxFiles: n, maxTextFrameBytes: 4 * 1024 * 1024 } });
    const frames = Array.from({ length: n }, (_, i) => Buffer.from([i & 255, i >> 8]));
    const requests = feed(decoder, [json(values), ...frames]);
    assert.equal(requests.length, 1);
    const files = requests[0]!.values.many as HxWsFile[];
    assert.equal(files.length, n);
    assert.ok(files.every((f, i) => f.bytes[0] === (i & 255) && f.bytes[1] === i >> 8));
  });

  it('refuses 10,000 tiny oob files with the default maxFiles (1008), before any frame', () => {
    const values = { many: Array.from({ length: 10_000 }, (_, i) => oobFile(`${i}`, 2, i)) };
    const decoder = new HxWsDecoder({ limits: { maxTextFrameBytes: 4 * 1024 * 1024 } });
    const error = rejects([json(values)], 1008, 'too-many-files', decoder);
    assert.equal(error.field, 'many');
  });

  it('close() drops a half-received request; push afterwards throws', () => {
    const clock = new FakeClock();
    const decoder = new HxWsDecoder({ timers: clock });
    decoder.push(json({ f: oobFile('x', 1, 0), g: oobFile('y', 1, 1) }), false);
    decoder.push(Buffer.from('x'), true);
    decoder.close();
    assert.equal(decoder.pending, false);
    assert.equal(clock.scheduled, 0, 'timer stopped');
    assert.throws(() => decoder.push(Buffer.from('y'), true), /after close/);
  });

  it('refuses limits that are not positive integers', () => {
    assert.throws(() => new HxWsDecoder({ limits: { maxFiles: 0 } }), RangeError);
    assert.throws(() => new HxWsDecoder({ limits: { oobTimeoutMs: -1 } }), RangeError);
    assert.throws(() => new HxWsDecoder({ limits: { maxFileBytes: 1.5 } }), RangeError);
  });
});

describe('HxWsDecoder: violations', () => {
  const oob1 = (extra: Record<string, unknown>) => json({ f: { ...oobFile('x', 1, 0), ...extra } });

  it('1009: a text frame over maxTextFrameBytes', () => {
    rejects([json({ s: 'x'.repeat(100) })], 1009, 'frame-too-large', new HxWsDecoder({ limits: { maxTextFrameBytes: 64 } }));
  });

  it('1009: a declared size of 1 GB is refused at the JSON, before any byte', () => {
    const error = rejects([json({ big: oobFile('big.iso', 1024 ** 3, 0) })], 1009, 'file-too-large');
    assert.equal(error.field, 'big');
    assert.match(error.message, /1073741824/);
  });

  it('1009: an inline file over maxFileBytes', () => {
    const decoder = new HxWsDecoder({ limits: { maxFileBytes: 10 } });
    rejects([json({ t: textFile('t', 'x'.repeat(11)) })], 1009, 'file-too-large', decoder);
    rejects([json({ b: base64File('b', Buffer.alloc(11)) })], 1009, 'file-too-large', new HxWsDecoder({ limits: { maxFileBytes: 10 } }));
  });

  it('1009: declared oob sizes adding up over maxRequestBytes', () => {
    const decoder = new HxWsDecoder({ limits: { maxRequestBytes: 1000, maxFileBytes: 600 } });
    rejects([json({ a: oobFile('a', 500, 0), b: oobFile('b', 500, 1) })], 1009, 'request-too-large', decoder);
  });

  it('1008: more files than maxFiles, inline ones counted', () => {
    const decoder = new HxWsDecoder({ limits: { maxFiles: 2 } });
    rejects([json({ a: textFile('a', 'a'), b: [textFile('b', 'b'), oobFile('c', 1, 0)] })], 1008, 'too-many-files', decoder);
  });

  it('1008: oob frames that do not come in time (fake clock)', () => {
    const clock = new FakeClock();
    const timeouts: ProtocolError[] = [];
    const decoder = new HxWsDecoder({ timers: clock, limits: { oobTimeoutMs: 30_000 }, onTimeout: (e) => timeouts.push(e) });
    assert.equal(decoder.push(json({ a: oobFile('a', 1, 0), b: oobFile('b', 1, 1) }), false), undefined);
    clock.advance(20_000);
    decoder.push(Buffer.from('a'), true); // progress restarts the clock
    clock.advance(20_000);
    assert.equal(timeouts.length, 0);
    decoder.touch(); // so does raw progress
    clock.advance(29_999);
    assert.equal(timeouts.length, 0);
    clock.advance(1);
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0]!.code, 1008);
    assert.equal(timeouts[0]!.kind, 'oob-timeout');
    assert.equal(decoder.pending, false);
    assert.throws(() => decoder.push(Buffer.from('b'), true), (e) => e === timeouts[0]);
  });

  it('does not time out while suspended; resume restarts the clock', () => {
    const clock = new FakeClock();
    const timeouts: ProtocolError[] = [];
    const decoder = new HxWsDecoder({ timers: clock, limits: { oobTimeoutMs: 1000 }, onTimeout: (e) => timeouts.push(e) });
    decoder.push(json({ a: oobFile('a', 1, 0) }), false);
    decoder.suspend();
    clock.advance(10_000);
    decoder.resume();
    clock.advance(999);
    assert.equal(timeouts.length, 0);
    assert.ok(decoder.push(Buffer.from('a'), true));
    assert.equal(clock.scheduled, 0, 'no timer left after the request completed');
  });

  it('1003: invalid JSON, and JSON that is not an object', () => {
    rejects(['{"a":'], 1003, 'invalid-json');
    rejects(['not json'], 1003, 'invalid-json');
    rejects([''], 1003, 'invalid-json');
    rejects(['[1,2]'], 1003, 'not-an-object');
    rejects(['"str"'], 1003, 'not-an-object');
    rejects(['null'], 1003, 'not-an-object');
    rejects(['42'], 1003, 'not-an-object');
  });

  it('1003: HEADERS that is not an object of strings', () => {
    rejects(['{"HEADERS":"x"}'], 1003, 'bad-headers');
    rejects(['{"HEADERS":[]}'], 1003, 'bad-headers');
    rejects(['{"HEADERS":{"a":{"b":1}}}'], 1003, 'bad-headers');
  });

  it('1003: oob offsets missing, duplicated, out of range, non-integer', () => {
    const { offset: _omit, ...noOffset } = oobFile('x', 1, 0);
    rejects([json({ f: noOffset })], 1003, 'bad-offset');
    rejects([json({ f: oobFile('a', 1, 0), g: oobFile('b', 1, 0) })], 1003, 'bad-offset');
    rejects([json({ f: oobFile('a', 1, 0), g: oobFile('b', 1, 2) })], 1003, 'bad-offset');
    rejects([oob1({ offset: 1 })], 1003, 'bad-offset');
    rejects([oob1({ offset: -1 })], 1003, 'bad-offset');
    rejects([oob1({ offset: 0.5 })], 1003, 'bad-offset');
    rejects([oob1({ offset: '0' })], 1003, 'bad-offset');
    rejects([oob1({ offset: null })], 1003, 'bad-offset');
  });

  it('1003: declared size smaller or larger than the frame', () => {
    rejects([json({ f: oobFile('x', 3, 0) }), Buffer.from('abcd')], 1003, 'size-mismatch');
    rejects([json({ f: oobFile('x', 3, 0) }), Buffer.from('ab')], 1003, 'size-mismatch');
    // A good first file does not leak out when the second one is wrong.
    rejects([json({ f: oobFile('x', 1, 0), g: oobFile('y', 1, 1) }), Buffer.from('x'), Buffer.from('yy')], 1003, 'size-mismatch');
  });

  it('1003: negative, fractional, absurd or missing sizes, and bad metadata', () => {
    for (const size of [-1, 1.5, 1e300, '10', null]) rejects([oob1({ size })], 1003, 'bad-descriptor');
    rejects([json({ t: { ...textFile('t', 'x'), size: -5 } })], 1003, 'bad-descriptor');
    rejects([oob1({ name: 5 })], 1003, 'bad-descriptor');
    rejects([oob1({ type: null })], 1003, 'bad-descriptor');
    rejects([oob1({ lastModified: 'yesterday' })], 1003, 'bad-descriptor');
    rejects([json({ t: { ...textFile('t', 'x'), body: 42 } })], 1003, 'bad-descriptor');
    rejects([json({ t: { ...base64File('t', Buffer.alloc(1)), body: undefined } })], 1003, 'bad-descriptor');
  });

  it('1003: a binary frame with nothing pending', () => {
    rejects([Buffer.from([1, 2, 3])], 1003, 'unexpected-binary');
    rejects([json({ a: '1' }), Buffer.alloc(0)], 1003, 'unexpected-binary', new HxWsDecoder(), 1);
    rejects([json({ f: oobFile('x', 1, 0) }), Buffer.from('x'), Buffer.from('x')], 1003, 'unexpected-binary', new HxWsDecoder(), 1);
  });

  it('1003: a text frame while oob frames are pending', () => {
    rejects([json({ f: oobFile('x', 1, 0) }), json({ a: '1' })], 1003, 'unexpected-text');
  });

  it('1003: bad base64', () => {
    for (const body of ['a', 'ab!c', 'ab c', 'YQ==YQ==', 'YQ=', 'YWJj\n', '-_-_']) {
      rejects([json({ b: { ...base64File('b', Buffer.alloc(1)), body } })], 1003, 'bad-base64');
    }
  });

  it('1003: an unknown serialization (the seed example spelling included)', () => {
    rejects([oob1({ serialization: 'multipart/json-files-oob' })], 1003, 'unknown-serialization');
    rejects([json({ f: [{ serialization: 'file/other' }] })], 1003, 'unknown-serialization');
  });
});

describe('HxWsDecoder: issue 17 (hostile clients)', () => {
  const slowDecoder = (clock: FakeClock, timeouts: ProtocolError[]) =>
    new HxWsDecoder({ timers: clock, limits: { oobTimeoutMs: 1000, minBytesPerSecond: 1000 }, onTimeout: (e) => timeouts.push(e) });

  it('a trickle of file bytes (1 byte / 400 ms) fails as too-slow at the end of the first window', () => {
    const clock = new FakeClock();
    const timeouts: ProtocolError[] = [];
    const decoder = slowDecoder(clock, timeouts);
    decoder.push(json({ big: oobFile('big', 10_000, 0) }), false);
    for (let t = 0; t < 10 && timeouts.length === 0; t++) {
      clock.advance(400);
      decoder.touch(1);
    }
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0]!.kind, 'too-slow');
    assert.equal(timeouts[0]!.code, 1008);
    assert.ok(clock.time <= 1200, `failed at ${clock.time} ms, one window`);
    assert.equal(decoder.pending, false);
  });

  it('bytes that came just after the start and stopped are a stall (oob-timeout), not too-slow', () => {
    // The CI case: the clock ticked between the start and the first bytes, so the window ended
    // 1 ms before the idle deadline; the slow rule must not take it.
    const clock = new FakeClock();
    /** A pending file whose first 8 bytes came 1 ms in, then a window (999 ms) of nothing. */
    const stalledWindow = () => {
      const timeouts: ProtocolError[] = [];
      const decoder = slowDecoder(clock, timeouts);
      decoder.push(json({ big: oobFile('big', 10_000, 0) }), false);
      clock.advance(1);
      decoder.touch(8);
      clock.advance(999);
      return { decoder, timeouts };
    };
    const stop = stalledWindow();
    assert.equal(stop.timeouts.length, 0, 'not yet: the bytes came 999 ms ago');
    clock.advance(1);
    assert.deepEqual(stop.timeouts.map((e) => e.kind), ['oob-timeout']);
    // A byte again before the idle deadline: that is a trickle after all.
    const trickle = stalledWindow();
    trickle.decoder.touch(1);
    clock.advance(1);
    assert.deepEqual(trickle.timeouts.map((e) => e.kind), ['too-slow']);
  });

  it('touch() without bytes keeps only the idle rule away; a fast upload never trips the rate', () => {
    const clock = new FakeClock();
    const timeouts: ProtocolError[] = [];
    const decoder = slowDecoder(clock, timeouts);
    decoder.push(json({ big: oobFile('big', 10_000, 0) }), false);
    for (let t = 0; t < 5; t++) {
      clock.advance(400);
      decoder.touch(1600); // 4000 B/s
    }
    assert.equal(timeouts.length, 0);
    assert.equal(decoder.expectedBinaryBytes, 10_000);
    assert.ok(decoder.push(Buffer.alloc(10_000), true), 'the frame completes the request');
    assert.equal(decoder.expectedBinaryBytes, undefined);
    assert.equal(clock.scheduled, 0);
  });

  it('base64: padding optional, stray bits in the last character refused', () => {
    for (const [body, bytes] of [['QQ==', 'A'], ['QQ', 'A'], ['QUI=', 'AB'], ['QUI', 'AB'], ['QUJD', 'ABC']] as const) {
      const [request] = feed(new HxWsDecoder(), [json({ f: { ...base64File('f', Buffer.alloc(0)), body } })]);
      assert.equal((request!.values.f as HxWsFile).bytes.toString(), bytes, body);
    }
    for (const body of ['QR==', 'QR', 'QUJ=', 'QUJ', 'QZ==']) {
      rejects([json({ f: { ...base64File('f', Buffer.alloc(1)), body } })], 1003, 'bad-base64');
    }
  });

  it('checks descriptors before the request total: bad base64 with an oversize request is 1003', () => {
    const decoder = new HxWsDecoder({ limits: { maxRequestBytes: 100, maxFileBytes: 1000 } });
    rejects([json({ b: { ...base64File('b', Buffer.alloc(1)), body: 'QR==' }, f: oobFile('f', 600, 0) })], 1003, 'bad-base64', decoder);
  });

  it('lists files in JSON order, integer-like field names included', () => {
    const text = `{"b":${JSON.stringify(textFile('b', 'b'))},"2":${JSON.stringify(textFile('2', '2'))},"a \\"q\\",":[${JSON.stringify(textFile('a', 'a'))}],"1":${JSON.stringify(textFile('1', '1'))}}`;
    const [request] = feed(new HxWsDecoder(), [text]);
    assert.deepEqual(request!.files.map((f) => f.field), ['b', '2', 'a "q",', '1']);
  });
});
