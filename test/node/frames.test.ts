/// <reference types="node" />
// The frame guard on its own: what it passes to `ws`'s parser, chunk by chunk.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import type { ProtocolError } from '../../src/server/index.js';
import { FrameGuard, packMask, unmask, type FrameGuardHost, type FrameGuardLimits } from '../../src/server/socket/frame-guard.js';
import { FakeClock } from './helpers.js';
import { frame, header } from './raw-client.js';

/** A client frame masked with `key`, as a browser sends it. */
function maskedFrame(opcode: number, payload: Buffer, key: number[], fin = true): Buffer {
  const f = frame(opcode, payload, fin);
  const at = f.length - payload.length;
  f.set(key, at - 4);
  for (let i = 0; i < payload.length; i++) f[at + i] = payload[i]! ^ key[i & 3]!;
  return f;
}

function guard(overrides: Partial<FrameGuardLimits & FrameGuardHost> = {}) {
  const passed: Buffer[] = [];
  const refused: ProtocolError[] = [];
  const fileBytes: number[] = [];
  // One object as both the limits and the host.
  const options: FrameGuardLimits & FrameGuardHost = {
    maxTextBytes: 1000,
    maxPayload: 100_000,
    frameTimeoutMs: 1000,
    minBytesPerSecond: 1,
    timers: new FakeClock(),
    expectedBinary: () => 300,
    discarding: () => false,
    stream: () => false,
    onStreamBytes: () => assert.fail('nothing is streamed unless stream() says so'),
    onStreamEnd: () => {},
    onFileBytes: (n) => void fileBytes.push(n),
    onRefuse: (e) => void refused.push(e),
    ...overrides,
  };
  const g = new FrameGuard({}, (chunk) => (passed.push(Buffer.from(chunk)), true), options, options);
  return { g, passed: () => Buffer.concat(passed), refused, fileBytes };
}

/** Text, binary (16-bit length), ping, fragmented text, and a 64-bit-length binary header. */
const stream = Buffer.concat([
  frame(1, '{"a":1}'),
  frame(2, Buffer.alloc(300, 7)),
  frame(9, 'ping'),
  frame(1, '{"b":', false),
  frame(0, '2}'),
  frame(1, 'x'.repeat(200)),
]);

describe('FrameGuard', () => {
  it('passes a valid stream byte for byte, whatever the chunk boundaries, two guards interleaved', () => {
    for (const size of [1, 2, 3, 5, 7, 13, 64, stream.length]) {
      const a = guard();
      const b = guard();
      for (let i = 0; i < stream.length; i += size) {
        a.g.write(stream.subarray(i, i + size));
        b.g.write(stream.subarray(i, i + size)); // shares the header scratch with a
      }
      for (const x of [a, b]) {
        assert.deepEqual(x.passed(), stream, `chunks of ${size}`);
        assert.deepEqual(x.refused, []);
        assert.equal(x.fileBytes.reduce((s, n) => s + n, 0), 300, 'binary payload counted as file bytes');
      }
    }
  });

  it('unmasks masked frames itself and passes them on with a zero mask, whatever the chunk boundaries', () => {
    const file = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 255));
    const bytes = Buffer.concat([
      maskedFrame(1, Buffer.from('{"a":1}'), [1, 2, 3, 4]),
      maskedFrame(2, file.subarray(0, 101), [0xde, 0xad, 0xbe, 0xef], false),
      maskedFrame(9, Buffer.from('ping'), [9, 8, 7, 6]),
      maskedFrame(0, file.subarray(101), [0x12, 0x34, 0x56, 0x78]),
    ]);
    const plain = Buffer.concat([frame(1, '{"a":1}'), frame(2, file.subarray(0, 101), false), frame(9, 'ping'), frame(0, file.subarray(101))]);
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      const x = guard();
      // Each chunk at an odd offset of its own buffer: the unaligned head and tail are unmasked too.
      for (let i = 0; i < bytes.length; i += size) {
        const piece = bytes.subarray(i, i + size);
        const odd = Buffer.alloc(piece.length + 1);
        piece.copy(odd, 1);
        x.g.write(odd.subarray(1));
      }
      assert.deepEqual(x.passed(), plain, `chunks of ${size}`);
      assert.deepEqual(x.refused, []);
    }
  });

  it('streams a binary message it is told to: unmasked payload out, never to ws; other frames pass', () => {
    const masked = (opcode: number, payload: Buffer, fin = true) => maskedFrame(opcode, payload, [0xa1, 0xb2, 0xc3, 0xd4], fin);
    const file = Buffer.from(Array.from({ length: 250 }, (_, i) => (i * 13) & 255));
    const bytes = Buffer.concat([masked(1, Buffer.from('{}')), masked(2, file.subarray(0, 90), false), masked(9, Buffer.from('hi')), masked(0, file.subarray(90)), masked(1, Buffer.from('[]'))]);
    for (const size of [1, 3, 7, 64, bytes.length]) {
      const streamed: Buffer[] = [];
      let ends = 0;
      const x = guard({ stream: () => true, onStreamBytes: (b) => void streamed.push(Buffer.from(b)), onStreamEnd: () => void (ends += 1) });
      for (let i = 0; i < bytes.length; i += size) x.g.write(Buffer.from(bytes.subarray(i, i + size)));
      assert.deepEqual(Buffer.concat(streamed), file, `chunks of ${size}`);
      assert.equal(ends, 1);
      assert.deepEqual(x.passed(), Buffer.concat([frame(1, '{}'), frame(9, 'hi'), frame(1, '[]')]));
      assert.deepEqual(x.fileBytes, [], 'streamed bytes are not reported as progress of a frame');
    }
    // A compressed message (RSV1 set: permessage-deflate) goes to ws, which inflates it.
    const deflated = masked(2, Buffer.from([1, 2, 3]));
    deflated[0]! |= 0x40;
    const z = guard({ stream: () => true, onStreamBytes: () => assert.fail('streamed a compressed message'), onStreamEnd: () => {} });
    z.g.write(Buffer.from(deflated));
    assert.deepEqual(z.passed().subarray(-3), Buffer.from([1, 2, 3]));
    // Over what the decoder expects (300 here): refused from the header of the fragment that goes over.
    const y = guard({ stream: () => true, onStreamBytes: () => {}, onStreamEnd: () => {} });
    y.g.write(Buffer.concat([masked(2, Buffer.alloc(200), false), masked(0, Buffer.alloc(200))]));
    assert.deepEqual(y.refused.map((e) => e.kind), ['size-mismatch']);
  });

  it('unmask() matches the byte-by-byte rule at any offset and alignment', () => {
    const key = Uint8Array.from([0x11, 0x22, 0x44, 0x88]);
    for (let lead = 0; lead < 4; lead++) {
      for (const at of [0, 1, 2, 3, 6]) {
        const data = Buffer.alloc(40 + lead);
        for (let i = 0; i < data.length; i++) data[i] = i;
        const view = data.subarray(lead);
        const want = Buffer.from(view.map((b, i) => b ^ key[(at + i) & 3]!));
        unmask(view, packMask(key), at);
        assert.deepEqual(view, want, `lead ${lead}, at ${at}`);
      }
    }
  });

  it('with hold: a binary message waits until every message passed before it has arrived, whatever the chunk boundaries', () => {
    for (const size of [1, 3, 7, 64, stream.length]) {
      const holds: boolean[] = [];
      const decoder: { due?: number } = {};
      const x = guard({ hold: (on) => void holds.push(on), expectedBinary: () => decoder.due });
      for (let i = 0; i < stream.length; i += size) x.g.write(stream.subarray(i, i + size));
      // `ws` has the first text message but, as if decompressing, has not handed it over yet.
      assert.deepEqual(x.passed(), frame(1, '{"a":1}'), `chunks of ${size}: nothing after the text`);
      assert.deepEqual(holds, [true]);
      decoder.due = 300; // the decoder read the text: a file of 300 bytes is due
      x.g.arrived();
      assert.deepEqual(holds, [true, false]);
      // The fragmented text and the last one are passed but not yet handed over: nothing more is held.
      x.g.arrived();
      x.g.arrived();
      assert.deepEqual(x.passed(), stream, `chunks of ${size}`);
      assert.deepEqual(x.refused, [], `chunks of ${size}`);
    }
  });

  it('refuses from the header, passing on only what came before it', () => {
    for (const size of [1, 4, 1000]) {
      const x = guard();
      const bytes = Buffer.concat([frame(1, '{"ok":1}'), header(1, 5000), Buffer.alloc(3000)]);
      for (let i = 0; i < bytes.length; i += size) x.g.write(bytes.subarray(i, i + size));
      assert.deepEqual(x.passed(), frame(1, '{"ok":1}'));
      assert.deepEqual(x.refused.map((e) => [e.kind, e.code]), [['frame-too-large', 1009]]);
      assert.equal(x.g.passesNothing, false, 'a small refused frame is read through, for the close');
    }
  });

  it('after a refusal only control frames go through; a fragmented text over the limit is refused', () => {
    const x = guard({ expectedBinary: () => undefined });
    x.g.write(Buffer.concat([frame(2, Buffer.alloc(10)), frame(1, '{}'), frame(8, Buffer.from([3, 232]))]));
    assert.deepEqual(x.refused.map((e) => e.kind), ['unexpected-binary']);
    assert.deepEqual(x.passed(), frame(8, Buffer.from([3, 232])));
    const y = guard();
    y.g.write(Buffer.concat([frame(1, 'x'.repeat(600), false), frame(0, 'x'.repeat(600))]));
    assert.deepEqual(y.refused.map((e) => e.kind), ['frame-too-large']);
    assert.deepEqual(y.passed(), frame(1, 'x'.repeat(600), false));
  });
});
