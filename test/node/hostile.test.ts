/// <reference types="node" />
// Issue 17: a few sockets must not hold the server's memory and file descriptors for as long as
// they like. Each test runs a real attachHxWs on 127.0.0.1 against raw TCP or `ws` clients; the
// memory tests run the server in a child process (child-server.ts) so its RSS is the server's.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { CloseInfo, HxWsContext, ProtocolError } from '../../src/server/index.js';
import { json, oobFile } from './helpers.js';
import { frame, header, rawConnect, texts, type RawClient } from './raw-client.js';
import { closed, connect, deferred, start, type Options } from './server-helpers.js';
import { startChild } from './support/child.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-process server that records every close with its cause. */
async function startRecording(t: TestContext, options: Options = {}) {
  const closes: Array<{ code: number; info: CloseInfo; at: number }> = [];
  const anyClose = deferred<void>();
  const env = await start(t, {
    onClose: (_ctx, code, _reason, info) => {
      closes.push({ code, info, at: Date.now() });
      anyClose.resolve();
    },
    ...options,
  });
  return { ...env, closes, anyClose: anyClose.promise };
}

/** Waits until `test()` holds, checking every 10 ms, for at most `ms`. */
async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

interface Report {
  growth: number;
  clients: number;
  closes: Array<{ code: number; cause: string }>;
  errors: string[];
}

describe('issue 17.1: frames are refused from their header; partial frames time out; connection limits', () => {
  it('a 100 MiB text frame is refused with 1009 from its header; server RSS grows < 8 MiB', async (t) => {
    const { port, ask } = await startChild(t, { closeTimeoutMs: 2000 });
    const client = await rawConnect(port);
    await ask({ type: 'mark' });
    const size = 100 * MiB;
    await client.write(header(1, size));
    const chunk = Buffer.alloc(MiB, 0x61);
    // Go on sending (as a browser would, mid-frame) until the close frame arrives.
    let done = false;
    void client.closed.then(() => (done = true));
    for (let sent = 0; sent < size && !done; sent += chunk.length) await Promise.race([client.write(chunk), client.closed]);
    const { code } = await client.closed;
    await sleep(100);
    const report = (await ask({ type: 'report' })) as unknown as Report;
    client.socket.destroy();
    assert.equal(code, 1009);
    assert.deepEqual(report.errors, ['frame-too-large']);
    assert.ok(report.growth < 8 * MiB, `server RSS grew ${(report.growth / MiB).toFixed(1)} MiB`);
  });

  it('a binary frame longer than its declared file is refused from the header (1003), earlier requests delivered', async (t) => {
    const { port, requests, errors } = await startRecording(t);
    const client = await rawConnect(port);
    await client.write(Buffer.concat([frame(1, json({ first: '1' })), frame(1, json({ f: oobFile('f', 10, 0) })), header(2, 50 * MiB)]));
    const { code } = await client.closed;
    assert.equal(code, 1003);
    assert.equal((errors[0] as ProtocolError).kind, 'size-mismatch');
    assert.deepEqual(requests.map((r) => r.values.first), ['1']);
    client.socket.destroy();
  });

  it('a text frame that stops halfway is closed after frameTimeoutMs (1008 frame-timeout)', async (t) => {
    const { url, errors, closes } = await startRecording(t, { frameTimeoutMs: 300 });
    const client = await rawConnect(Number(new URL(url).port));
    const started = Date.now();
    await client.write(Buffer.concat([header(1, 10_000), Buffer.alloc(5000, 0x20)]));
    const { code, at } = await client.closed;
    assert.equal(code, 1008);
    assert.equal((errors[0] as ProtocolError).kind, 'frame-timeout');
    assert.ok(at - started >= 250 && at - started < 3000, `closed after ${at - started} ms`);
    await until(() => closes.length === 1, 2000, 'onClose');
    assert.equal(closes[0]!.info.cause, 'protocol');
    client.socket.destroy();
  });

  it('a fragmented text message whose last fragment never comes times out too', async (t) => {
    // The server stops reading a stalled socket, so it cannot see this client go: it drops the
    // socket at closeTimeoutMs, which the server's close at the end of the test waits for.
    const { url, errors } = await startRecording(t, { frameTimeoutMs: 300, closeTimeoutMs: 300 });
    const client = await rawConnect(Number(new URL(url).port));
    await client.write(Buffer.concat([frame(1, '{"a":', false), frame(9, 'ping'), frame(0, '"b"', false)]));
    const pinging = setInterval(() => void client.write(frame(9, 'ping')), 50);
    const { code } = await client.closed;
    clearInterval(pinging);
    assert.equal(code, 1008);
    assert.equal((errors[0] as ProtocolError).kind, 'frame-timeout', 'pings are not progress: ' + (errors[0] as ProtocolError).message);
    client.socket.destroy();
  });

  it('maxConnections (503) and maxConnectionsPerAddress (429); a closed connection frees its place', async (t) => {
    const { url, origin } = await start(t, {
      maxConnections: 3,
      maxConnectionsPerAddress: 2,
      addressOf: (req) => String(req.headers['x-client'] ?? req.socket.remoteAddress),
    });
    const as = (who: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { origin, headers: { 'x-client': who } });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const a1 = await as('a');
    const a2 = await as('a');
    await assert.rejects(as('a'), /429/);
    const b1 = await as('b');
    await assert.rejects(as('c'), /503/);
    const done = closed(a1);
    a1.close();
    await done;
    await sleep(20);
    const a3 = await as('a');
    for (const ws of [a2, b1, a3]) ws.close();
  });
});

/** A TCP proxy that can stop forwarding in both directions (a blackholed path). */
async function blackholeProxy(t: TestContext, targetPort: number) {
  const pairs: Array<[Socket, Socket]> = [];
  let holes = false;
  const proxy = createTcpServer((downstream) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    pairs.push([downstream, upstream]);
    downstream.on('data', (d) => holes || upstream.write(d));
    upstream.on('data', (d) => holes || downstream.write(d));
    for (const s of [downstream, upstream]) s.on('error', () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const pair of pairs) for (const s of pair) s.destroy();
    proxy.close();
  });
  return {
    port: (proxy.address() as AddressInfo).port,
    blackhole: () => {
      holes = true;
    },
  };
}

describe('issue 17.2: heartbeat and close deadline', () => {
  it('a blackholed peer is terminated by the heartbeat (cause heartbeat) within two ping intervals', async (t) => {
    const interval = 200;
    const { port: serverPort, closes, hub } = await startRecording(t, { pingIntervalMs: interval, allowMissingOrigin: true });
    const proxy = await blackholeProxy(t, serverPort);
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    await new Promise((resolve) => client.once('open', resolve));
    client.on('error', () => {});
    await sleep(3 * interval); // pings answered: still connected
    assert.equal(hub.clients.size, 1);
    assert.equal(closes.length, 0);
    const holed = Date.now();
    proxy.blackhole();
    await until(() => closes.length === 1, 10 * interval, 'the heartbeat');
    const took = closes[0]!.at - holed;
    assert.equal(closes[0]!.info.cause, 'heartbeat');
    assert.equal(hub.clients.size, 0);
    assert.ok(took <= 2 * interval + 150, `removed ${took} ms after the path went silent`);
    client.terminate();
  });

  it('a round of pings is spread over the interval (one slot of connections per 25 ms tick), each socket pinged once per interval', async (t) => {
    const interval = 1000; // 40 slots, a tick every 25 ms
    const { url, origin } = await startRecording(t, { pingIntervalMs: interval });
    const clients = await Promise.all(Array.from({ length: 40 }, () => connect(url, origin)));
    const pings = clients.map((client) => {
      const times: number[] = [];
      client.on('ping', () => times.push(Date.now()));
      return times;
    });
    await sleep(2.5 * interval);
    for (const client of clients) client.terminate();
    for (const times of pings) {
      assert.ok(times.length >= 2 && times.length <= 3, `pinged ${times.length} times in 2.5 intervals`);
      for (let i = 1; i < times.length; i++) {
        const gap = times[i]! - times[i - 1]!;
        assert.ok(Math.abs(gap - interval) < 200, `two pings of one socket ${gap} ms apart`);
      }
    }
    // The first round: 40 sockets in 40 slots, so pings at many moments spread over the interval.
    const firsts = pings.map((times) => times[0]!).sort((a, b) => a - b);
    let moments = 1;
    for (let i = 1; i < firsts.length; i++) if (firsts[i]! - firsts[i - 1]! > 10) moments += 1;
    assert.ok(moments >= 10, `the first pings came at ${moments} moments: ${firsts.map((at) => at - firsts[0]!).join(', ')} ms`);
    assert.ok(firsts.at(-1)! - firsts[0]! >= interval / 2, `the first round took ${firsts.at(-1)! - firsts[0]!} ms`);
  });

  it('with pings spread over 40 ticks, a blackholed peer is still terminated within two ping intervals and a tick', async (t) => {
    const interval = 1000;
    const { port: serverPort, closes, hub, url, origin } = await startRecording(t, { pingIntervalMs: interval, allowMissingOrigin: true });
    // Live sockets beside it, so that its slot is one of several.
    const others = await Promise.all(Array.from({ length: 9 }, () => connect(url, origin)));
    const proxy = await blackholeProxy(t, serverPort);
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    await new Promise((resolve) => client.once('open', resolve));
    client.on('error', () => {});
    await sleep(1.5 * interval); // pings answered: still connected
    assert.equal(closes.length, 0);
    const holed = Date.now();
    proxy.blackhole();
    await until(() => closes.length === 1, 4 * interval, 'the heartbeat');
    const took = closes[0]!.at - holed;
    assert.equal(closes[0]!.info.cause, 'heartbeat');
    assert.equal(hub.clients.size, 9, 'the live ones stay');
    assert.ok(took <= 2 * interval + 25 + 150, `removed ${took} ms after the path went silent`);
    client.terminate();
    for (const other of others) other.terminate();
  });

  it('the heartbeat spares a peer busy sending a frame (it cannot pong mid-frame) and one whose reading is paused', async (t) => {
    const interval = 100;
    const release = deferred<void>();
    const requests: unknown[] = [];
    const { port, closes } = await startRecording(t, {
      pingIntervalMs: interval,
      handler: async (request) => {
        requests.push(request);
        if (request.values.slow) await release.promise; // reading is paused behind this one
      },
    });
    const client = await rawConnect(port);
    client.socket.pause(); // it reads nothing, so it never pongs: only what it sends shows it is alive
    // An upload of 40 KB in 1 KB pieces every 25 ms: 1 s, ten intervals, inside one frame.
    await client.write(Buffer.concat([frame(1, json({ f: oobFile('f', 40_000, 0) })), header(2, 40_000)]));
    for (let i = 0; i < 40; i++) {
      await client.write(Buffer.alloc(1000));
      await sleep(25);
    }
    await until(() => requests.length === 1, 2000, 'the upload');
    assert.equal(closes.length, 0, 'not dropped while it was sending');
    // From here on it reads and answers pings, as a live page does between frames.
    client.autoPong = true;
    client.socket.resume();
    // A handler that takes 5 intervals, with a request queued behind it: reading is paused.
    await client.write(Buffer.concat([frame(1, json({ slow: '1' })), frame(1, json({ next: '1' }))]));
    await sleep(5 * interval);
    release.resolve();
    await until(() => requests.length === 3, 2000, 'the queued request');
    assert.equal(closes.length, 0, 'still connected');
    client.socket.destroy();
  });

  it('close() terminates a peer that never answers its close frame, and resolves by closeTimeoutMs', async (t) => {
    const { port: serverPort, hub, closes } = await startRecording(t, { closeTimeoutMs: 300, pingIntervalMs: 0 });
    const proxy = await blackholeProxy(t, serverPort);
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    await new Promise((resolve) => client.once('open', resolve));
    client.on('error', () => {});
    proxy.blackhole();
    const started = Date.now();
    await hub.close();
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1500, `close() took ${took} ms`);
    await until(() => closes.length === 1, 1000, 'onClose');
    assert.equal(closes[0]!.info.cause, 'shutdown');
    client.terminate();
  });
});

describe('issue 17.3: bounded send buffers', () => {
  it('200 sockets that never read, under broadcast: each closed with cause backpressure (1013), server RSS bounded', async (t) => {
    const maxBufferedBytes = 256 * 1024;
    const { port, ask } = await startChild(t, { maxBufferedBytes, closeTimeoutMs: 500 });
    const clients: RawClient[] = [];
    for (let i = 0; i < 200; i++) {
      const c = await rawConnect(port);
      c.socket.pause(); // never read again
      clients.push(c);
    }
    await ask({ type: 'mark' });
    // Broadcast 2 KB messages in rounds until no socket is open (each has to fill the kernel's
    // buffers first, a few MB on loopback), for at most 100 rounds or 20 s.
    const started = Date.now();
    let report: Report;
    let rounds = 0;
    for (;;) {
      const { sent } = (await ask({ type: 'broadcast', count: 250, bytes: 2048 })) as { sent: number };
      rounds += 1;
      if (sent === 0 || rounds >= 100 || Date.now() - started > 20_000) break; // none open any more
    }
    // The 1013 handshakes the clients never answer end after closeTimeoutMs.
    for (let waited = 0; ; waited += 100) {
      report = (await ask({ type: 'report' })) as unknown as Report;
      if (report.clients === 0 || waited > 5000) break;
      await sleep(100);
    }
    console.log(`backpressure: ${rounds} rounds of 250 × 2 KB broadcasts, server RSS +${(report.growth / MiB).toFixed(0)} MiB`);
    for (const c of clients) c.socket.destroy();
    assert.equal(report.clients, 0, 'every stalled socket was dropped');
    assert.equal(report.closes.filter((c) => c.cause === 'backpressure').length, 200);
    // Unbounded, each socket held its whole backlog (20 MB offered each); bounded, about
    // maxBufferedBytes each, and freed once closed.
    assert.ok(report.growth < 200 * 4 * maxBufferedBytes, `server RSS grew ${(report.growth / MiB).toFixed(0)} MiB`);
  });

  it('a non-reading client fed by its own handler gets 1013, and the reader next to it stays', async (t) => {
    const { url, origin, closes } = await startRecording(t, {
      maxBufferedBytes: 512 * 1024,
      closeTimeoutMs: 300,
      handler: (request, ctx: HxWsContext) => {
        for (let i = 0; i < Number(request.values.n); i++) if (!ctx.send(`<p>${'y'.repeat(64 * 1024)}</p>`)) break;
      },
    });
    const reader = await connect(url, origin);
    let got = 0;
    reader.on('message', () => void got++);
    const stalled = await rawConnect(Number(new URL(url).port));
    stalled.socket.pause();
    await stalled.write(frame(1, json({ n: 400 }))); // 25 MiB
    await until(() => closes.length === 1, 5000, 'the 1013');
    assert.equal(closes[0]!.info.cause, 'backpressure');
    reader.send(json({ n: 3 }));
    await until(() => got === 3, 2000, 'the reader');
    stalled.socket.destroy();
    reader.close();
  });

  it('a ping flood from a client that does not read its pongs is dropped as backpressure, not buffered without end', async (t) => {
    const { url, closes } = await startRecording(t, { maxBufferedBytes: 256 * 1024, closeTimeoutMs: 300 });
    const client = await rawConnect(Number(new URL(url).port));
    client.socket.pause();
    const ping = frame(9, Buffer.alloc(125, 1));
    for (let i = 0; i < 40 && closes.length === 0; i++) await client.write(Buffer.concat(Array.from({ length: 2000 }, () => ping)));
    await until(() => closes.length === 1, 5000, 'the close');
    // 1013 from maxBufferedBytes, or a drop (1006) by ws's own cap on unsent pongs.
    assert.equal(closes[0]!.info.cause, 'backpressure');
    assert.ok([1013, 1006].includes(closes[0]!.code));
    client.socket.destroy();
  });
});

describe('issue 17.4: only file bytes are upload progress', () => {
  it('an oob request kept alive by pings alone fails at oobTimeoutMs (1008 oob-timeout)', async (t) => {
    const { url, errors, requests } = await startRecording(t, { limits: { oobTimeoutMs: 400 } });
    const client = await rawConnect(Number(new URL(url).port));
    // Two files declared, the first sent whole, then pings between frames, where they are legal.
    const request = json({ f: oobFile('f', 2 * MiB, 0), g: oobFile('g', 2 * MiB, 1) });
    await client.write(Buffer.concat([frame(1, request), frame(2, Buffer.alloc(2 * MiB))]));
    const lastFileByte = Date.now();
    const pinging = setInterval(() => void client.write(frame(9, 'p')), 50);
    const { code, at } = await client.closed;
    clearInterval(pinging);
    assert.equal(code, 1008);
    assert.equal((errors[0] as ProtocolError).kind, 'oob-timeout');
    assert.ok(at - lastFileByte >= 350 && at - lastFileByte < 3000, `failed ${at - lastFileByte} ms after the last file byte`);
    assert.equal(requests.length, 0);
    client.socket.destroy();
  });

  it('a trickle of one file byte every 40 ms fails as too-slow', async (t) => {
    const { url, errors } = await startRecording(t, { limits: { oobTimeoutMs: 400, minBytesPerSecond: 1000 } });
    const client = await rawConnect(Number(new URL(url).port));
    await client.write(Buffer.concat([frame(1, json({ f: oobFile('f', 100_000, 0) })), header(2, 100_000)]));
    const trickle = setInterval(() => void client.write(Buffer.from([7])), 40);
    const { code } = await client.closed;
    clearInterval(trickle);
    assert.equal(code, 1008);
    assert.equal((errors[0] as ProtocolError).kind, 'too-slow');
    client.socket.destroy();
  });
});

describe('issue 17.5: handled requests are acknowledged before a protocol close', () => {
  const withId = (id: string) => JSON.stringify({ HEADERS: { 'HX-Request': 'true', 'HX-Request-Id': id }, n: id });
  const breakers: Array<[string, Buffer, number]> = [
    ['a binary frame nobody asked for', frame(2, Buffer.alloc(10)), 1003],
    ['invalid JSON', frame(1, '{"oops"'), 1003],
    ['a text frame over the limit', header(1, 2 * MiB), 1009],
  ];
  for (const [name, bad, code] of breakers) {
    it(`three requests then ${name} in one TCP write: three acks, then the close`, async (t) => {
      let handled = 0;
      const { url } = await startRecording(t, {
        handler: async () => {
          handled += 1;
          await sleep(20); // queued handlers are still running when the bad frame is seen
        },
      });
      const client = await rawConnect(Number(new URL(url).port));
      await client.write(Buffer.concat([frame(1, withId('r1')), frame(1, withId('r2')), frame(1, withId('r3')), bad]));
      const result = await client.closed;
      assert.equal(result.code, code);
      assert.deepEqual(texts(client), ['r1', 'r2', 'r3'].map((id) => `<hx-ws-ack id="${id}"></hx-ws-ack>`));
      assert.equal(handled, 3);
      client.socket.destroy();
    });
  }
});

describe('issue 17.6: DNS rebinding', () => {
  it('the same-origin rule alone lets a rebinding page in; allowedHosts refuses it with 403', async (t) => {
    const rebinding = { origin: 'http://evil.example:8080', headers: { host: 'evil.example:8080' } };
    const open = await start(t);
    const ws = new WebSocket(open.url, rebinding);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    const pinned = await start(t, { allowedHosts: ['127.0.0.1', 'localhost'] });
    const refused = new WebSocket(pinned.url, rebinding);
    await assert.rejects(new Promise((resolve, reject) => refused.once('open', resolve).once('error', reject)), /403/);
    (await connect(pinned.url, pinned.origin)).close();
  });
});
