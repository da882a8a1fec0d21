/// <reference types="node" />
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { attachHxWs, HxWsDecoder, ProtocolError, type DecoderLimits, type HxWsFile, type HxWsRequest } from '../../src/server/index.js';
import { FakeClock, HEADERS } from './helpers.js';

/** One step of a connection: a frame, or time passing. */
type Step = { text: string } | { binary: Buffer } | { wait: number };

/** A generated file: how it travels and its content. */
interface GenFile {
  mode: 'oob' | 'text' | 'b64';
  name: string;
  bytes: Buffer;
}
type GenValue = string | string[] | null | GenFile | GenFile[];

const fieldName = fc.string({ maxLength: 6 }).map((s) => `f${s}`);
const genFile: fc.Arbitrary<GenFile> = fc.oneof(
  fc.record({ mode: fc.constantFrom('oob' as const, 'b64' as const), name: fc.string({ maxLength: 5 }), bytes: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) }),
  fc.record({ name: fc.string({ maxLength: 5 }), text: fc.string({ maxLength: 20 }) }).map(({ name, text }) => ({ mode: 'text' as const, name, bytes: Buffer.from(text, 'utf8') })),
);
const genValue: fc.Arbitrary<GenValue> = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.constant(null),
  genFile,
  fc.array(genFile, { maxLength: 3 }),
);
const genRequest: fc.Arbitrary<GenRequest> = fc.record({ fields: fc.dictionary(fieldName, genValue, { maxKeys: 5 }), reverseOffsets: fc.boolean() });

function isFile(value: GenValue): value is GenFile {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Wire frames for a generated request, tagged with `id`. */
function encode(id: string, fields: Record<string, GenValue>, reverseOffsets: boolean): Array<string | Buffer> {
  const oobFiles: Array<{ descriptor: Record<string, unknown>; bytes: Buffer }> = [];
  const describe = (file: GenFile): Record<string, unknown> => {
    const base = { name: file.name, lastModified: 1, size: file.bytes.length, type: file.mode === 'text' ? 'text/plain' : 'x/y' };
    if (file.mode === 'text') return { serialization: 'file/inline-text', body: file.bytes.toString('utf8'), ...base };
    if (file.mode === 'b64') return { serialization: 'file/inline-base64', body: file.bytes.toString('base64'), ...base };
    const descriptor = { serialization: 'file/oob', offset: -1, ...base };
    oobFiles.push({ descriptor, bytes: file.bytes });
    return descriptor;
  };
  const values: Record<string, unknown> = { HEADERS, __id: id };
  for (const [field, value] of Object.entries(fields)) {
    values[field] = isFile(value) ? describe(value) : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : describe(v))) : value;
  }
  if (reverseOffsets) oobFiles.reverse();
  oobFiles.forEach((entry, offset) => (entry.descriptor.offset = offset));
  return [JSON.stringify(values), ...oobFiles.map((entry) => entry.bytes)];
}

/** Files replaced by a comparable summary; everything else as is. */
function summarize(values: Record<string, unknown>): Record<string, unknown> {
  const one = (v: unknown): unknown =>
    typeof v === 'object' && v !== null && 'bytes' in v ? { file: (v as HxWsFile).name, hex: (v as HxWsFile).bytes.toString('hex') } : v;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = Array.isArray(v) ? v.map(one) : one(v);
  return out;
}

function expectedSummary(id: string, fields: Record<string, GenValue>): Record<string, unknown> {
  const one = (v: GenValue | string | GenFile): unknown => (isFile(v as GenValue) ? { file: (v as GenFile).name, hex: (v as GenFile).bytes.toString('hex') } : v);
  const out: Record<string, unknown> = { __id: id };
  for (const [k, v] of Object.entries(fields)) out[k] = Array.isArray(v) ? (v as Array<string | GenFile>).map(one) : one(v);
  return out;
}

/** Ways to break a valid request's frames. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('trim' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('grow' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), ch: fc.constantFrom('"', '{', '}', ',', ':', '[', ']', '0', ' ', '\\', 'x', '-') }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(frames: Array<string | Buffer>, m: Mutation): Array<string | Buffer> {
  const out = [...frames];
  const at = m.at % out.length;
  if (m.kind === 'drop') out.splice(at, 1);
  else if (m.kind === 'dup') out.splice(at, 0, out[at]!);
  else if (m.kind === 'cut') out.length = at;
  else if (m.kind === 'grow') {
    const f = out[at]!;
    out[at] = typeof f === 'string' ? `${f} ` : Buffer.concat([f, Buffer.from([0])]);
  } else if (m.kind === 'trim') {
    const f = out[at]!;
    out[at] = typeof f === 'string' ? f.slice(0, -1) : f.subarray(0, Math.max(0, f.length - 1));
  } else {
    const text = out[0] as string;
    const i = m.at % text.length;
    out[0] = text.slice(0, i) + m.ch + text.slice(i + 1);
  }
  return out;
}

interface GenRequest {
  fields: Record<string, GenValue>;
  reverseOffsets: boolean;
}
type Segment = { kind: 'valid'; request: GenRequest } | { kind: 'mutated'; request: GenRequest; m: Mutation } | { kind: 'steps'; steps: Step[] };

const segment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 4, arbitrary: genRequest.map((request) => ({ kind: 'valid' as const, request })) },
  { weight: 2, arbitrary: fc.record({ request: genRequest, m: mutation }).map(({ request, m }) => ({ kind: 'mutated' as const, request, m })) },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 30 }).map((text): Step => ({ text })),
          fc.json({ maxDepth: 3 }).map((text): Step => ({ text })),
          fc.uint8Array({ maxLength: 30 }).map((b): Step => ({ binary: Buffer.from(b) })),
          fc.integer({ min: 0, max: 2000 }).map((wait): Step => ({ wait })),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((steps) => ({ kind: 'steps' as const, steps })),
  },
);

const smallLimits: fc.Arbitrary<Partial<DecoderLimits> | undefined> = fc.option(
  fc.record({
    maxTextFrameBytes: fc.integer({ min: 20, max: 2000 }),
    maxFileBytes: fc.integer({ min: 1, max: 60 }),
    maxFiles: fc.integer({ min: 1, max: 6 }),
    maxRequestBytes: fc.integer({ min: 20, max: 3000 }),
  }),
  { nil: undefined },
);

it('random frame sequences: only ProtocolError, codes 1003/1008/1009, no partial request', () => {
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 6 }), smallLimits, (segments, limits) => {
      const clock = new FakeClock();
      let timeout: ProtocolError | undefined;
      const decoder = new HxWsDecoder({ limits: { ...limits, oobTimeoutMs: 1000 }, timers: clock, onTimeout: (e) => (timeout = e) });
      const expected = new Map<string, Record<string, unknown>>();
      const validOrder: string[] = [];
      const steps: Step[] = [];
      segments.forEach((seg, i) => {
        if (seg.kind === 'steps') {
          steps.push(...seg.steps);
          return;
        }
        const id = `${seg.kind === 'valid' ? 'v' : 'm'}:${i}`;
        let frames = encode(id, seg.request.fields, seg.request.reverseOffsets);
        if (seg.kind === 'mutated') frames = mutate(frames, seg.m);
        else {
          expected.set(id, expectedSummary(id, seg.request.fields));
          validOrder.push(id);
        }
        for (const f of frames) steps.push(typeof f === 'string' ? { text: f } : { binary: f });
      });

      const delivered: HxWsRequest[] = [];
      let error: unknown;
      for (const step of steps) {
        try {
          if ('wait' in step) clock.advance(step.wait);
          else {
            if (timeout) throw timeout;
            const request = 'text' in step ? decoder.push(Buffer.from(step.text, 'utf8'), false) : decoder.push(step.binary, true);
            if (request) delivered.push(request);
          }
        } catch (e) {
          error = e;
          break;
        }
        if (timeout) {
          error = timeout;
          break;
        }
      }

      if (error !== undefined) {
        assert.ok(error instanceof ProtocolError, `unexpected throw: ${String(error)}`);
        assert.ok([1003, 1008, 1009].includes(error.code));
        assert.equal(decoder.pending, false);
      }
      for (const request of delivered) {
        assert.equal('HEADERS' in request.values, false);
        // Whole: every file has exactly its declared bytes (oob) and is in values.
        for (const file of request.files) {
          assert.ok(Buffer.isBuffer(file.bytes));
          if (file.serialization === 'file/oob') assert.equal(file.bytes.length, file.size);
          const slot = request.values[file.field];
          assert.ok(slot === file || (Array.isArray(slot) && slot.includes(file)));
        }
        const id = request.values.__id;
        if (typeof id === 'string' && expected.has(id)) {
          assert.deepEqual(summarize(request.values), expected.get(id));
        }
      }
      const onlyValid = segments.every((s) => s.kind === 'valid');
      if (onlyValid && limits === undefined) {
        assert.equal(error, undefined);
        assert.deepEqual(delivered.map((r) => r.values.__id), validOrder);
      }
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------------------------------------
// Every violation is closed with its own code: whole valid requests first (delivered whole and in
// order), then one frame sequence that breaks exactly one rule, then anything at all (ignored).

const LIMITS: DecoderLimits = { maxTextFrameBytes: 4096, maxFileBytes: 400, maxFiles: 6, maxRequestBytes: 1024, oobTimeoutMs: 1000, minBytesPerSecond: 8192, maxChunkBytes: 1024, maxMemoryFileBytes: 400 };

/** A request that fits {@link LIMITS}: a few values, up to two small files. */
const fittingRequest: fc.Arbitrary<GenRequest> = fc.record({
  fields: fc.dictionary(
    fieldName,
    fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.constant(null), genFile),
    { maxKeys: 2 },
  ),
  reverseOffsets: fc.boolean(),
});

interface Violation {
  /** What the sequence breaks, as the decoder names it. */
  kind: ProtocolError['kind'];
  code: 1003 | 1008 | 1009;
  /** The frames (or a wait) that break it. */
  steps: Step[];
}

const meta1 = { name: 'f', type: 'x/y', lastModified: 1 };
const oob = (size: number, offset: number) => ({ serialization: 'file/oob', offset, size, ...meta1 });
const text = (value: unknown): Step => ({ text: JSON.stringify(value) });
const bin = (n: number): Step => ({ binary: Buffer.alloc(n, 7) });

/** One generator per rule, each with random sizes, positions and spellings. */
const violation: fc.Arbitrary<Violation> = fc.oneof(
  fc.integer({ min: LIMITS.maxTextFrameBytes + 1, max: 3 * LIMITS.maxTextFrameBytes }).map((n) => ({
    kind: 'frame-too-large' as const,
    code: 1009 as const,
    steps: [text({ pad: 'x'.repeat(n) })],
  })),
  fc.oneof(fc.integer({ min: LIMITS.maxFileBytes + 1, max: 10_000 }), fc.constant(2 ** 30)).map((size) => ({
    kind: 'file-too-large' as const,
    code: 1009 as const,
    steps: [text({ f: oob(size, 0) })],
  })),
  fc.integer({ min: Math.ceil(LIMITS.maxRequestBytes / LIMITS.maxFileBytes), max: LIMITS.maxFiles }).map((files) => ({
    // Each file is within maxFileBytes; together they are over maxRequestBytes.
    kind: 'request-too-large' as const,
    code: 1009 as const,
    steps: [text(Object.fromEntries(Array.from({ length: files }, (_, i) => [`f${i}`, oob(LIMITS.maxFileBytes, i)])))],
  })),
  fc.integer({ min: LIMITS.maxFiles + 1, max: 40 }).map((files) => ({
    kind: 'too-many-files' as const,
    code: 1008 as const,
    steps: [text({ many: Array.from({ length: files }, () => ({ serialization: 'file/inline-text', body: '', size: 0, ...meta1 })) })],
  })),
  fc.integer({ min: 0, max: 2 }).map((sent) => ({
    kind: 'oob-timeout' as const,
    code: 1008 as const,
    steps: [text({ a: oob(1, 0), b: oob(1, 1), c: oob(1, 2) }), ...Array.from({ length: sent }, () => bin(1)), { wait: LIMITS.oobTimeoutMs + 1 }],
  })),
  fc.string({ maxLength: 20 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }).map((s) => ({ kind: 'invalid-json' as const, code: 1003 as const, steps: [{ text: s }] })),
  fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 5 }), fc.array(fc.integer(), { maxLength: 3 }), fc.boolean()).map((v) => ({
    kind: 'not-an-object' as const,
    code: 1003 as const,
    steps: [text(v)],
  })),
  fc.oneof(fc.constant<unknown>('x'), fc.constant<unknown>([1]), fc.record({ h: fc.constant<unknown>({ nested: 1 }) })).map((h) => ({
    kind: 'bad-headers' as const,
    code: 1003 as const,
    steps: [text({ HEADERS: h })],
  })),
  fc.integer({ min: 0, max: 50 }).map((n) => ({ kind: 'unexpected-binary' as const, code: 1003 as const, steps: [bin(n)] })),
  fc.record({ files: fc.integer({ min: 1, max: 3 }), sent: fc.nat() }).map(({ files, sent }) => ({
    kind: 'unexpected-text' as const,
    code: 1003 as const,
    steps: [
      text(Object.fromEntries(Array.from({ length: files }, (_, i) => [`f${i}`, oob(2, i)]))),
      ...Array.from({ length: sent % files }, () => bin(2)),
      text({ next: 'request' }),
    ],
  })),
  fc.record({ size: fc.integer({ min: 0, max: LIMITS.maxFileBytes }), delta: fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0) }).filter(({ size, delta }) => size + delta >= 0).map(({ size, delta }) => ({
    // Declared size smaller or larger than the frame.
    kind: 'size-mismatch' as const,
    code: 1003 as const,
    steps: [text({ f: oob(size, 0) }), bin(size + delta)],
  })),
  fc.constantFrom('@@@@', 'a', 'abcde', 'ab=c', 'a===', '****', 'YQ=').map((body) => ({
    kind: 'bad-base64' as const,
    code: 1003 as const,
    steps: [text({ f: { serialization: 'file/inline-base64', body, size: 3, ...meta1 } })],
  })),
  fc.constantFrom('multipart/json-files-oob', 'file/OOB', 'file', '').map((serialization) => ({
    kind: 'unknown-serialization' as const,
    code: 1003 as const,
    steps: [text({ f: { serialization, offset: 0, size: 1, ...meta1 } })],
  })),
  fc.constantFrom([0, 0], [1], [0, 2], [-1], [0.5]).map((offsets) => ({
    kind: 'bad-offset' as const,
    code: 1003 as const,
    steps: [text(Object.fromEntries(offsets.map((o, i) => [`f${i}`, oob(1, o)])))],
  })),
);

const anything: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    fc.string({ maxLength: 20 }).map((t): Step => ({ text: t })),
    fc.uint8Array({ maxLength: 20 }).map((b): Step => ({ binary: Buffer.from(b) })),
  ),
  { maxLength: 3 },
);

/** Runs steps against a decoder; returns what came out. */
function drive(decoder: HxWsDecoder, clock: FakeClock, steps: Step[], timedOut: () => ProtocolError | undefined) {
  const delivered: HxWsRequest[] = [];
  for (const step of steps) {
    if ('wait' in step) clock.advance(step.wait);
    else {
      const t = timedOut();
      if (t) return { delivered, error: t as unknown };
      try {
        const request = 'text' in step ? decoder.push(Buffer.from(step.text, 'utf8'), false) : decoder.push(step.binary, true);
        if (request) delivered.push(request);
      } catch (error) {
        return { delivered, error };
      }
    }
    const t = timedOut();
    if (t) return { delivered, error: t as unknown };
  }
  return { delivered, error: undefined };
}

it('each violation after valid requests: exactly its kind and close code, the valid ones whole, nothing after', () => {
  fc.assert(
    fc.property(fc.array(fittingRequest, { maxLength: 3 }), violation, anything, (valid, bad, tail) => {
      const clock = new FakeClock();
      let timeout: ProtocolError | undefined;
      const decoder = new HxWsDecoder({ limits: LIMITS, timers: clock, onTimeout: (e) => (timeout = e) });
      const steps: Step[] = [];
      valid.forEach((r, i) => {
        for (const f of encode(`v${i}`, r.fields, r.reverseOffsets)) steps.push(typeof f === 'string' ? { text: f } : { binary: f });
      });
      const { delivered, error } = drive(decoder, clock, [...steps, ...bad.steps, ...tail], () => timeout);
      assert.ok(error instanceof ProtocolError, `expected ${bad.kind}, got ${String(error)}`);
      assert.equal(error.kind, bad.kind, error.message);
      assert.equal(error.code, bad.code);
      assert.equal(decoder.pending, false);
      assert.deepEqual(
        delivered.map((r) => summarize(r.values)),
        valid.map((r, i) => expectedSummary(`v${i}`, r.fields)),
        'every valid request before the violation, whole and in order; nothing of the bad one',
      );
      assert.throws(() => decoder.push(Buffer.from('{}'), false), (e) => e === error);
    }),
    { numRuns: 300 },
  );
});

it('the same through attachHxWs and a real socket: the client sees the close code, the handler only whole requests', async (t) => {
  const limits = { ...LIMITS, oobTimeoutMs: 40 };
  const byConnection = new Map<string, HxWsRequest[]>();
  const errors = new Map<string, Error>();
  const server = createServer();
  const hub = attachHxWs(server, {
    limits,
    handler: (request, ctx) => void byConnection.get(ctx.req.url!)!.push(request),
    onError: (error, ctx) => void errors.set(ctx!.req.url!, error),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await hub.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as AddressInfo).port;
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fittingRequest, { maxLength: 2 }), violation, async (valid, bad) => {
      const path = `/run-${run++}`;
      byConnection.set(path, []);
      const client = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
      const closed = new Promise<number>((resolve) => client.once('close', resolve));
      const steps: Step[] = [];
      valid.forEach((r, i) => {
        for (const f of encode(`v${i}`, r.fields, r.reverseOffsets)) steps.push(typeof f === 'string' ? { text: f } : { binary: f });
      });
      for (const step of [...steps, ...bad.steps]) {
        if ('wait' in step) await new Promise((r) => setTimeout(r, limits.oobTimeoutMs + 20));
        else if (client.readyState === WebSocket.OPEN) client.send('text' in step ? step.text : step.binary, { binary: 'binary' in step });
      }
      const code = await closed;
      assert.equal(code, bad.code, `${bad.kind}: close code`);
      const error = errors.get(path);
      // ws itself refuses a frame over maxPayload (1009) before the decoder sees it.
      if (error instanceof ProtocolError) assert.equal(error.kind, bad.kind);
      else assert.match(String(error?.message), /max payload/i);
      assert.deepEqual(
        byConnection.get(path)!.map((r) => summarize(r.values)),
        valid.map((r, i) => expectedSummary(`v${i}`, r.fields)),
      );
    }),
    { numRuns: 40 },
  );
});
