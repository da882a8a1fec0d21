/// <reference types="node" />
// Flood limits per connection: continuation frames per message (the fragment flood of ws's
// advisory GHSA-96hv-2xvq-fx4p, bounded whatever ws version is installed), pipelined requests
// behind a slow handler (reading pauses past maxQueuedRequests), and the request rate.
// The memory tests run the server in a child process (child-server.ts) so its RSS is the server's.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { takeControls } from '../../src/protocol.js';
import { createServer } from 'node:http';
import { attachHxWs, RequestRefusedError, type ProtocolError } from '../../src/server/index.js';
import { RequestRate } from '../../src/server/socket/request-rate.js';
import { HEADERS } from './helpers.js';
import { frame, rawConnect, texts } from './raw-client.js';
import { closed, connect, start } from './server-helpers.js';
import { startChild } from './support/child.js';
import { until } from './support/recovering.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Report {
  growth: number;
  heapGrowth: number;
  handled: number;
  bytesRead: number[];
  clients: number;
  closes: Array<{ code: number; cause: string }>;
  errors: string[];
}

describe('flood limits', () => {
  it('200,000 one-byte continuation frames on each of 20 sockets: every socket closed (1008), RSS grows < 8 MiB a socket', async (t) => {
    const { port, ask } = await startChild(t, { closeTimeoutMs: 2000 });
    const sockets = 20;
    const frames = 200_000;
    const clients = await Promise.all(Array.from({ length: sockets }, () => rawConnect(port)));
    await ask({ type: 'mark' });
    // A text message of one byte, then 199,999 one-byte continuations (none final).
    const first = frame(1, 'x', false);
    const more = frame(0, 'x', false);
    const flood = Buffer.concat([first, ...Array.from({ length: frames - 1 }, () => more)]);
    assert.equal(flood.length, frames * 7);
    const started = Date.now();
    const codes = await Promise.all(
      clients.map(async (client) => {
        void client.write(flood);
        const { code } = await client.closed;
        client.socket.destroy();
        return code;
      }),
    );
    let report = (await ask({ type: 'report' })) as unknown as Report;
    for (let i = 0; i < 50 && report.clients > 0; i++) {
      await sleep(100);
      report = (await ask({ type: 'report' })) as unknown as Report;
    }
    assert.deepEqual(codes, Array(sockets).fill(1008), 'every socket got the close frame');
    assert.equal(report.clients, 0, 'none left open');
    assert.equal(report.errors.length, sockets);
    assert.ok(report.errors.every((e) => e === 'too-many-fragments'), report.errors.join());
    const perSocket = report.growth / sockets;
    assert.ok(perSocket < 8 * MiB, `server RSS grew ${(perSocket / MiB).toFixed(2)} MiB a socket`);
    console.log(`# continuation flood: ${sockets} sockets closed in ${Date.now() - started} ms; RSS +${(report.growth / MiB).toFixed(1)} MiB in all, ${(perSocket / MiB).toFixed(2)} MiB a socket`);
  });

  it('300,000 pipelined tiny requests against a 20 ms handler: reading pauses, the heap stays bounded', async (t) => {
    const { port, ask } = await startChild(t, {}, 20);
    const client = await rawConnect(port);
    await ask({ type: 'mark' });
    const count = 300_000;
    const one = frame(1, '{}');
    const all = Buffer.concat(Array.from({ length: count }, () => one));
    void client.write(all);
    const reports: Report[] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      reports.push((await ask({ type: 'report' })) as unknown as Report);
    }
    const last = reports.at(-1)!;
    client.socket.destroy();
    const read = last.bytesRead[0]!;
    // Behind a 20 ms handler, 3 s handle about 150 requests: the server reads a little ahead, not 2.4 MB.
    assert.ok(last.handled > 50 && last.handled < 400, `handled ${last.handled}`);
    assert.ok(read < all.length / 4, `the server read ${read} of ${all.length} bytes: reading paused`);
    assert.ok(reports.at(-1)!.bytesRead[0]! - reports[1]!.bytesRead[0]! < 512 * 1024, 'and stays paused');
    assert.ok(last.heapGrowth < 32 * MiB, `heap grew ${(last.heapGrowth / MiB).toFixed(1)} MiB`);
    console.log(`# pipelined: ${last.handled} handled in 3 s, ${read} of ${all.length} bytes read, heap +${(last.heapGrowth / MiB).toFixed(1)} MiB, RSS +${(last.growth / MiB).toFixed(1)} MiB`);
  });

  it('maxQueuedRequests: more requests may wait before reading pauses', async (t) => {
    let running = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = await start(t, {
      maxQueuedRequests: 50,
      handler: async () => {
        running += 1;
        await gate;
      },
    });
    const ws = await connect(s.url);
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ HEADERS, i }));
    const ctx = await (async () => {
      await until(() => s.hub.clients.size === 1);
      return [...s.hub.clients][0]!;
    })();
    await sleep(200);
    assert.equal(running, 1);
    assert.equal(ctx.socket.isPaused, false, 'under 50 waiting: still reading');
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ HEADERS, i }));
    await until(() => ctx.socket.isPaused);
    release();
    await until(() => s.requests.length === 0 && running === 80, 5000);
    assert.equal(ctx.socket.isPaused, false, 'reading again');
    ws.close();
  });

  it('the request rate: a token bucket with a burst', () => {
    let now = 0;
    const rate = new RequestRate({ perSecond: 2, burst: 3 }, () => now);
    assert.deepEqual([rate.take(), rate.take(), rate.take(), rate.take()], [true, true, true, false]);
    now += 500; // one more token
    assert.deepEqual([rate.take(), rate.take()], [true, false]);
    now += 10_000; // never more than the burst
    assert.deepEqual([rate.take(), rate.take(), rate.take(), rate.take()], [true, true, true, false]);
    assert.throws(() => new RequestRate({ perSecond: 0 }), RangeError);
    // attachHxWs says so at once, not at each connection.
    assert.throws(() => attachHxWs(createServer(), { handler() {}, requestRate: { perSecond: 1, burst: 0.5 } }), /requestRate\.burst must be at least 1/);
    assert.throws(() => attachHxWs(createServer(), { handler() {}, maxQueuedRequests: 0 }), /maxQueuedRequests must be an integer of at least 1/);
    assert.throws(() => attachHxWs(createServer(), { handler() {}, authenticateTimeoutMs: 0 }), /authenticateTimeoutMs must be a positive number/);
  });

  it('over requestRate: a request with an id is refused and the socket kept; one without closes with 1008', async (t) => {
    const s = await start(t, { requestRate: { perSecond: 1, burst: 2 } });
    const ws = await connect(s.url);
    const got: string[] = [];
    ws.on('message', (data) => got.push(String(data)));
    for (let i = 0; i < 4; i++) ws.send(JSON.stringify({ HEADERS: { ...HEADERS, 'HX-Request-Id': `r${i}` }, i }));
    await until(() => got.length === 4);
    const { ids, refusals } = takeControls(got.join(''));
    assert.deepEqual(ids, ['r0', 'r1']);
    assert.deepEqual(
      refusals.map((r) => r.id),
      ['r2', 'r3'],
    );
    assert.equal(refusals[0]!.reason, 'over the request rate of 1 a second (burst 2)');
    assert.equal(s.requests.length, 2);
    assert.ok(s.errors.every((e) => e instanceof RequestRefusedError));
    const done = closed(ws);
    ws.send(JSON.stringify({ HEADERS, n: 1 }));
    const { code, reason } = await done;
    assert.equal(code, 1008);
    assert.match(reason, /over the request rate/);
    assert.equal((s.errors.at(-1) as unknown as ProtocolError).kind, 'rate-limited');
  });

  it('a fragmented message under maxFramesPerMessage is taken whole', async (t) => {
    const s = await start(t, { maxFramesPerMessage: 4 });
    const client = await rawConnect(Number(new URL(s.url).port));
    const body = JSON.stringify({ HEADERS: { ...HEADERS, 'HX-Request-Id': 'f' }, v: 'four' });
    const parts = [body.slice(0, 5), body.slice(5, 10), body.slice(10, 15), body.slice(15)];
    await client.write(Buffer.concat(parts.map((p, i) => frame(i === 0 ? 1 : 0, p, i === parts.length - 1))));
    await until(() => s.requests.length === 1);
    assert.equal(s.requests[0]!.values.v, 'four');
    await until(() => texts(client).length === 1);
    // Frames of 4 KiB or more do not count (browsers cut big messages into big frames): six pass.
    const big = JSON.stringify({ HEADERS: { ...HEADERS, 'HX-Request-Id': 'g' }, v: 'x'.repeat(6 * 4096) });
    const cuts = [0, 1, 2, 3, 4, 5].map((i) => big.slice(i * 4096, i === 5 ? undefined : (i + 1) * 4096));
    await client.write(Buffer.concat(cuts.map((p, i) => frame(i === 0 ? 1 : 0, p, i === cuts.length - 1))));
    await until(() => s.requests.length === 2);
    await until(() => texts(client).length === 2);
    // Five small frames: over.
    await client.write(Buffer.concat([0, 1, 2, 3, 4].map((i) => frame(i === 0 ? 1 : 0, i === 4 ? '}' : i === 0 ? '{"a":' : ' ', i === 4))));
    const { code } = await client.closed;
    assert.equal(code, 1008);
    assert.equal((s.errors[0] as ProtocolError).kind, 'too-many-fragments');
    client.socket.destroy();
  });
});
