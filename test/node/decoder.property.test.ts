/// <reference types="node" />
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { it } from 'node:test';
import fc from 'fast-check';
import { HxWsDecoder, ProtocolError, type DecoderLimits, type HxWsFile, type HxWsRequest } from '../../src/server/index.js';
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
