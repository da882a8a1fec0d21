/// <reference types="node" />
/**
 * permessage-deflate (`attachHxWs({ compression })`) with real `ws` clients: negotiation, the
 * threshold, broadcasts framed and compressed once for every socket that can share the bytes,
 * order with direct sends, the zlib concurrency limit, the Redis adapter's path, and the `ws`
 * internals the shared frames rely on (a `ws` upgrade that changes them fails here first).
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as wsModule from 'ws';
import { WebSocket } from 'ws';
import { attachHxWs, DEFAULT_COMPRESSION, type HxWsServer } from '../../src/server/index.js';
import { redisAdapter } from '../../src/server/redis.js';
import { resolveCompression } from '../../src/server/wire/compression.js';
import { FrameWriter, frameKind, wsInternalsOk } from '../../src/server/wire/frame-writer.js';
import { json, oobFile } from './helpers.js';
import { closed, start, type Options } from './server-helpers.js';
import { redisSkip, startRedis, type TestRedis } from './support/redis.js';

const require = createRequire(import.meta.url);
/** ws's own modules (its package exports only the entry), by absolute path: the instances ws uses. */
const wsLib = join(dirname(require.resolve('ws')), 'lib');
const PerMessageDeflate = require(join(wsLib, 'permessage-deflate.js')) as { prototype: Record<string, (...args: unknown[]) => unknown> };
const Sender = (wsModule as unknown as { Sender: { frame: (data: unknown, options: { rsv1?: boolean }) => Buffer[] } }).Sender;

/** A fragment of `bytes` bytes that compresses well (a table row, repeated). */
function fragment(id: string, bytes: number): string {
  const row = `<tr><td class="name">sensor</td><td class="value">42.0</td></tr>`;
  const head = `<tbody id="${id}">`;
  return (head + row.repeat(Math.ceil(bytes / row.length))).slice(0, bytes - 8) + '</tbody>';
}

/** A client; `deflate`: what it offers (false: nothing). Its raw bytes from the server are kept. */
async function client(url: string, deflate: false | true | Record<string, unknown> = true) {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  let extensions = '';
  ws.once('upgrade', (res) => void (extensions = String(res.headers['sec-websocket-extensions'] ?? '')));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const raw: Buffer[] = [];
  (ws as unknown as { _socket: NodeJS.EventEmitter })._socket.prependListener('data', (chunk: Buffer) => void raw.push(chunk));
  const received: string[] = [];
  ws.on('message', (data: Buffer) => void received.push(data.toString('utf8')));
  return { ws, raw, received, extensions, frames: () => frames(raw) };
}

/** The frames in what a server wrote (unmasked): RSV1, opcode, payload length. */
function frames(chunks: Buffer[]): Array<{ rsv1: boolean; opcode: number; length: number }> {
  const b = Buffer.concat(chunks);
  const out = [];
  let i = 0;
  while (i + 2 <= b.length) {
    let length = b[i + 1]! & 0x7f;
    let offset = 2;
    if (length === 126) [length, offset] = [b.readUInt16BE(i + 2), 4];
    else if (length === 127) [length, offset] = [Number(b.readBigUInt64BE(i + 2)), 10];
    out.push({ rsv1: (b[i]! & 0x40) !== 0, opcode: b[i]! & 0x0f, length });
    i += offset + length;
  }
  return out;
}

async function until(probe: () => boolean, what = 'condition', ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`${what}: not met in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Counts `Sender.frame` calls with RSV1 set (each one a compressed frame built) while `body` runs. */
async function compressedFramesBuilt(body: () => Promise<void> | void): Promise<number> {
  const original = Sender.frame;
  let count = 0;
  Sender.frame = (data, options) => {
    if (options.rsv1) count += 1;
    return original.call(Sender, data, options);
  };
  try {
    await body();
  } finally {
    Sender.frame = original;
  }
  return count;
}

// First in the file on purpose: ws keeps one zlib limiter per process, set by the first server
// (or client) that makes a permessage-deflate instance.
describe('compression: bounded memory', () => {
  it('honours concurrencyLimit: never more zlib operations at once than the limit', async (t) => {
    let running = 0;
    let most = 0;
    const wrap = (name: string) => {
      const original = PerMessageDeflate.prototype[name]!;
      PerMessageDeflate.prototype[name] = function (this: unknown, ...args: unknown[]) {
        const callback = args[2] as (...results: unknown[]) => void;
        running += 1;
        most = Math.max(most, running);
        return original.call(this, args[0], args[1], (...results: unknown[]) => {
          running -= 1;
          callback(...results);
        });
      };
      t.after(() => void (PerMessageDeflate.prototype[name] = original));
    };
    wrap('_decompress');
    wrap('_compress');
    let handled = 0;
    const s = await start(t, { compression: { concurrencyLimit: 2 }, handler: () => void (handled += 1), maxConnectionsPerAddress: 1000 });
    const clients = await Promise.all(Array.from({ length: 20 }, () => client(s.url)));
    const body = JSON.stringify({ HEADERS: { 'HX-Request': 'true' }, text: fragment('x', 20_000) });
    for (const c of clients) for (let i = 0; i < 5; i++) c.ws.send(body);
    await until(() => handled === 100, 'every request handled');
    assert.ok(most >= 1 && most <= 2, `at most 2 zlib operations at once, saw ${most}`);
    for (const c of clients) c.ws.close();
  });

  it('keeps no compressor per socket: broadcasts and direct sends are compressed outside ws', async (t) => {
    const s = await start(t, { compression: true });
    const clients = await Promise.all([client(s.url), client(s.url)]);
    const big = fragment('b', 8000);
    s.hub.broadcast(big);
    for (const ctx of s.connections) ctx.send(big);
    await until(() => clients.every((c) => c.received.length === 2));
    for (const ctx of s.connections) {
      const deflate = (ctx.socket as unknown as { _extensions: Record<string, { _deflate: unknown }> })._extensions['permessage-deflate'];
      assert.equal(deflate?._deflate, null, 'no zlib deflate stream was made for the socket');
    }
    for (const c of clients) {
      assert.deepEqual(c.received, [big, big]);
      assert.ok(c.frames().every((f) => f.rsv1 && f.length < 1000), 'both compressed');
      c.ws.close();
    }
  });
});

describe('compression: what pages send', () => {
  it('decompresses requests, whole or fragmented, and keeps no decompressor between them', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    const body = JSON.stringify({ HEADERS: { 'HX-Request': 'true' }, text: fragment('q', 30_000) });
    c.ws.send(body);
    c.ws.send(body.slice(0, 10_000), { fin: false });
    c.ws.send(body.slice(10_000), { fin: true });
    c.ws.send(body);
    await until(() => s.requests.length === 3, 'three requests');
    for (const request of s.requests) assert.equal(request.values.text, fragment('q', 30_000));
    const deflate = (s.connections[0]!.socket as unknown as { _extensions: Record<string, { _inflate: unknown }> })._extensions['permessage-deflate'];
    assert.equal(deflate?._inflate, null, 'the inflate stream was closed after the last message');
    c.ws.close();
  });

  for (const [name, send] of [
    ['in one frame', (ws: WebSocket) => ws.send('a'.repeat(2 * 1024 * 1024))],
    [
      'in fragments',
      (ws: WebSocket) => {
        for (let i = 0; i < 3; i++) ws.send('a'.repeat(600 * 1024), { fin: i === 2 });
      },
    ],
  ] as const) {
    it(`stops a compressed text message ${name} once it inflates past maxTextFrameBytes (1009), not at ws's maxPayload`, async (t) => {
      const s = await start(t, { compression: true });
      const c = await client(s.url);
      const shut = closed(c.ws);
      send(c.ws);
      assert.equal((await shut).code, 1009);
      assert.ok(
        s.errors.some((e) => (e as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
        `ws refused it while inflating: ${s.errors.map((e) => e.message).join('; ')}`,
      );
      assert.equal(s.requests.length, 0);
    });
  }

  it('stops a compressed binary frame once it inflates past the file it carries', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    const shut = closed(c.ws);
    // Declared 100,000 bytes: the compressed frame (about 5 KB) passes the frame guard.
    c.ws.send(json({ file: oobFile('a.bin', 100_000, 0) }));
    c.ws.send(Buffer.alloc(5 * 1024 * 1024));
    assert.equal((await shut).code, 1009);
    assert.ok(s.errors.some((e) => (e as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
    assert.equal(s.requests.length, 0);
  });

  // The frame guard judges a binary frame from its header against the file the decoder expects;
  // the JSON that declares it may still be inflating in ws then: the binary frame waits for it.
  it('still takes compressed messages up to the limits: a text of maxTextFrameBytes, then a file of its declared size', async (t) => {
    const s = await start(t, { compression: true, limits: { maxTextFrameBytes: 64 * 1024 } });
    const c = await client(s.url);
    const text = json({ note: 'b'.repeat(64 * 1024 - json({ note: '' }).length) });
    assert.equal(text.length, 64 * 1024);
    c.ws.send(text.slice(0, 30_000), { fin: false });
    c.ws.send(text.slice(30_000), { fin: true });
    c.ws.send(json({ file: oobFile('z.bin', 300_000, 0) }));
    c.ws.send(Buffer.alloc(300_000));
    await until(() => s.requests.length === 2, `both requests (${s.errors.map((e) => e.message).join('; ')})`);
    assert.equal(s.requests[1]!.files[0]!.bytes.length, 300_000);
    c.ws.close();
  });

  it('takes a file the page compressed although it could not shrink it (its frame is longer than the file)', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url, { threshold: 0 });
    const file = randomBytes(300_000);
    c.ws.send(json({ file: oobFile('noise.bin', file.length, 0) }));
    c.ws.send(file, { compress: true });
    await until(() => s.requests.length === 1, `the request (${s.errors.map((e) => e.message).join('; ')})`);
    assert.ok(Buffer.from(s.requests[0]!.files[0]!.bytes).equals(file));
    c.ws.close();
  });

  it('keeps the decompressor of a page with context takeover (it needs its window)', async (t) => {
    const s = await start(t, { compression: { clientNoContextTakeover: false } });
    const c = await client(s.url);
    const body = JSON.stringify({ HEADERS: { 'HX-Request': 'true' }, text: fragment('k', 5000) });
    for (let i = 0; i < 3; i++) c.ws.send(body);
    await until(() => s.requests.length === 3, 'three requests');
    const deflate = (s.connections[0]!.socket as unknown as { _extensions: Record<string, { _inflate: unknown }> })._extensions['permessage-deflate'];
    assert.notEqual(deflate?._inflate, null);
    c.ws.close();
  });
});

describe('compression: the option', () => {
  it('is off by default: a client offering deflate gets plain frames', async (t) => {
    const s = await start(t);
    const c = await client(s.url);
    assert.equal(c.extensions, '');
    s.hub.broadcast(fragment('a', 4000));
    await until(() => c.received.length === 1);
    assert.deepEqual(c.frames().map((f) => f.rsv1), [false]);
    c.ws.close();
  });

  it('true negotiates permessage-deflate without context takeover either way', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    assert.match(c.extensions, /^permessage-deflate/);
    assert.match(c.extensions, /server_no_context_takeover/);
    assert.match(c.extensions, /client_no_context_takeover/);
    const plain = await client(s.url, false);
    assert.equal(plain.extensions, '', 'a client that offers nothing still connects');
    c.ws.close();
    plain.ws.close();
  });

  it('refuses bad values, naming the option', () => {
    const server = createServer();
    const make = (compression: unknown) => () => attachHxWs(server, { handler: () => {}, compression: compression as Options['compression'] });
    assert.throws(make('yes'), { name: 'TypeError', message: /compression must be true, false or an object.*"yes"/ });
    assert.throws(make({ level: 12 }), { name: 'RangeError', message: /compression\.level must be an integer from 1 to 9, got 12/ });
    assert.throws(make({ threshold: -1 }), { name: 'RangeError', message: /compression\.threshold/ });
    assert.throws(make({ concurrencyLimit: 1.5 }), { name: 'RangeError', message: /compression\.concurrencyLimit/ });
    assert.throws(make({ memLevel: 0 }), { name: 'RangeError', message: /compression\.memLevel/ });
    assert.throws(make({ serverNoContextTakeover: 'no' }), { name: 'TypeError', message: /compression\.serverNoContextTakeover must be a boolean/ });
    assert.throws(make({ treshold: 10 }), { name: 'TypeError', message: /compression\.treshold is not an option/ });
    assert.equal(server.listenerCount('upgrade'), 0, 'nothing was attached');
    assert.deepEqual(resolveCompression({ level: 9 }), { ...DEFAULT_COMPRESSION, level: 9 });
    assert.equal(resolveCompression(false), undefined);
  });

  it('respects the threshold: shorter messages go uncompressed, longer ones compressed', async (t) => {
    const s = await start(t, { compression: { threshold: 500 } });
    const c = await client(s.url);
    const short = fragment('s', 499);
    const long = fragment('l', 500);
    s.hub.broadcast(short);
    s.hub.broadcast(long);
    for (const ctx of s.connections) {
      ctx.send(short);
      ctx.send(long);
    }
    await until(() => c.received.length === 4);
    assert.deepEqual(c.received, [short, long, short, long]);
    assert.deepEqual(c.frames().map((f) => f.rsv1), [false, true, false, true]);
    c.ws.close();
  });

  it('counts wire bytes: compressed broadcasts take fewer bytes than their text', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    for (let i = 0; i < 10; i++) s.hub.broadcast(fragment(`w${i}`, 5000));
    await until(() => c.received.length === 10);
    const stats = s.hub.stats();
    assert.equal(stats.bytesOut, 50_000);
    const onWire = c.frames().reduce((n, f) => n + f.length + (f.length < 126 ? 2 : 4), 0);
    assert.equal(stats.wireBytesOut, onWire, 'the counter is what the client read');
    assert.ok(stats.wireBytesOut < stats.bytesOut / 5, `${stats.wireBytesOut} bytes on the wire for ${stats.bytesOut}`);
    c.ws.close();
  });
});

describe('compression: one frame for many sockets', () => {
  it('mixed sockets (deflate, no deflate, context takeover, small window) get the same messages in order, direct sends between broadcasts', async (t) => {
    const s = await start(t, { compression: { serverNoContextTakeover: false, threshold: 100 } });
    const shared1 = await client(s.url, { serverNoContextTakeover: true });
    const shared2 = await client(s.url, { serverNoContextTakeover: true });
    const takeover = await client(s.url, true);
    const plain = await client(s.url, false);
    const small = await client(s.url, { serverNoContextTakeover: true, serverMaxWindowBits: 10 });
    const all = [shared1, shared2, takeover, plain, small];
    assert.match(takeover.extensions, /^permessage-deflate/);
    assert.doesNotMatch(takeover.extensions, /server_no_context_takeover/);
    assert.match(small.extensions, /server_max_window_bits=10/);
    const expected: string[] = [];
    const built = await compressedFramesBuilt(async () => {
      for (let i = 0; i < 20; i++) {
        const b = fragment(`b${i}`, 300 + i * 200);
        s.hub.broadcast(b);
        expected.push(b);
        const d = `<p id="d">direct ${i} ${'y'.repeat(i * 30)}</p>`;
        for (const ctx of s.connections) ctx.send(d);
        expected.push(d);
        s.hub.toRoom('nobody', b); // a room with no member: nothing sent
      }
      await until(() => all.every((c) => c.received.length === expected.length), 'every message');
    });
    for (const c of all) assert.deepEqual(c.received, expected);
    // Per broadcast: one frame for both shared sockets, one for the small window, one by ws for
    // the socket with context takeover. The direct sends of 100+ bytes: one each per compressing
    // socket; ws compresses every message of the socket with context takeover, whatever its size.
    const directCompressed = expected.filter((m, i) => i % 2 === 1 && Buffer.byteLength(m) >= 100).length;
    assert.equal(built, 20 * 3 + directCompressed * 3 + 20);
    assert.ok(plain.frames().every((f) => !f.rsv1));
    assert.ok(shared1.frames().filter((f) => f.rsv1).length >= 20);
    for (const c of all) c.ws.close();
  });

  it('a prepared frame never overtakes a message ws is still compressing on the same socket', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    const [ctx] = s.connections;
    const big = fragment('big', 200_000);
    // ws.send compresses asynchronously: its sender is busy (the internal this relies on).
    ctx!.socket.send(big);
    assert.equal((ctx!.socket as unknown as { _sender: { _state: number } })._sender._state, 1, 'ws is compressing');
    s.hub.broadcast('<p id="after">after</p>');
    ctx!.send(fragment('third', 3000));
    await until(() => c.received.length === 3);
    assert.deepEqual(c.received, [big, '<p id="after">after</p>', fragment('third', 3000)]);
    c.ws.close();
  });
});

describe('compression: the ws internals it relies on', () => {
  it('ws frames as expected (a failure here means a ws upgrade changed Sender.frame or sendFrame)', () => {
    assert.equal(wsInternalsOk(), true, 'ws.Sender.frame / Sender.prototype.sendFrame are not as hx-ws expects');
    const [header, payload] = Sender.frame(Buffer.alloc(300, 0x61), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: true } as never);
    assert.deepEqual([...header!], [0xc1, 126, 0x01, 0x2c]);
    assert.equal(payload!.length, 300);
  });

  it('each server socket has a _sender whose _state is 0 at rest and which has sendFrame', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    const sender = (s.connections[0]!.socket as unknown as { _sender: { _state: unknown; sendFrame: unknown; _socket: unknown } })._sender;
    assert.equal(sender._state, 0);
    assert.equal(typeof sender.sendFrame, 'function');
    assert.ok(sender._socket, 'the sender writes to the TCP socket');
    const deflate = (s.connections[0]!.socket as unknown as { _extensions: Record<string, Record<string, unknown>> })._extensions['permessage-deflate'];
    assert.equal(typeof deflate?.decompress, 'function', 'ws changed PerMessageDeflate#decompress');
    assert.ok(deflate && '_inflate' in deflate, 'ws changed PerMessageDeflate#_inflate');
    assert.equal(typeof deflate?._maxPayload, 'number', 'ws changed PerMessageDeflate#_maxPayload');
    const receiver = (s.connections[0]!.socket as unknown as { _receiver: Record<string, unknown> })._receiver;
    assert.equal(typeof receiver._opcode, 'number', 'ws changed Receiver#_opcode');
    assert.equal(typeof receiver._messageLength, 'number', 'ws changed Receiver#_messageLength');
    assert.equal((deflate?.params as Record<string, unknown>).client_no_context_takeover, true);
    c.ws.close();
  });

  it('reads the negotiated parameters from the extensions the server answered', () => {
    assert.equal(frameKind(undefined), 0);
    assert.equal(frameKind('permessage-deflate; server_no_context_takeover; client_no_context_takeover'), 15);
    assert.equal(frameKind('permessage-deflate; server_no_context_takeover; server_max_window_bits=11'), 11);
    assert.equal(frameKind('permessage-deflate'), 'ws', 'context takeover: ws compresses');
    assert.equal(frameKind('permessage-deflate; server_no_context_takeover; server_max_window_bits=8'), 'ws');
    assert.equal(frameKind('x-other'), 'ws');
  });

  it('falls back to ws.send when the internals are not usable: same messages, nothing shared', async (t) => {
    const s = await start(t, { compression: true });
    const c = await client(s.url);
    const writer = new FrameWriter(resolveCompression(true), false);
    const socket = s.connections[0]!.socket;
    writer.send(socket, fragment('f', 2000));
    writer.send(socket, 'short');
    await until(() => c.received.length === 2);
    assert.deepEqual(c.received, [fragment('f', 2000), 'short']);
    assert.deepEqual(writer.counts, { framed: 0, compressed: 0, viaWs: 2 });
    c.ws.close();
  });
});

const skip = redisSkip();
describe('compression: through the Redis adapter', { skip }, () => {
  let redis: TestRedis;
  const servers: Array<{ hub: HxWsServer; url: string; close: () => Promise<void> }> = [];
  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const http = createServer();
      const hub = attachHxWs(http, { path: '/ws', handler: () => {}, compression: true, adapter: redisAdapter({ url: redis.url, prefix: 'deflate' }), onError: () => {}, onAdapterStatus: () => {} });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
      servers.push({ hub, url, close: async () => {
          await hub.close();
          http.closeAllConnections();
          http.close();
        },
      });
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    await redis?.stop();
  });

  it('a broadcast published on one process is compressed once on the other, for all its sockets', async () => {
    const [a, b] = servers;
    const here = await client(a!.url);
    const there = await Promise.all([client(b!.url), client(b!.url), client(b!.url, false)]);
    await until(() => a!.hub.stats().adapter.state === 'up' && b!.hub.stats().adapter.state === 'up', 'adapters up');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the stream readers are reading
    const messages = Array.from({ length: 10 }, (_, i) => fragment(`r${i}`, 3000));
    const built = await compressedFramesBuilt(async () => {
      for (const m of messages) a!.hub.broadcast(m);
      await until(() => [here, ...there].every((c) => c.received.length === 10), 'all delivered', 10_000);
    });
    for (const c of [here, ...there]) assert.deepEqual(c.received, messages);
    assert.equal(built, 20, 'one compressed frame per message on each process');
    assert.ok(there[0]!.frames().every((f) => f.rsv1));
    assert.ok(there[2]!.frames().every((f) => !f.rsv1));
    for (const c of [here, ...there]) c.ws.close();
  });
});
