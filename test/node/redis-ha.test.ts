/// <reference types="node" />
/**
 * The Redis adapter and its recovery store on highly available Redis: a Sentinel set whose
 * master is killed while messages are published, and a three-master Cluster. Both started and
 * stopped here (support/redis-ha.ts); skipped without redis-server, an error under CI=true.
 * Two `attachHxWs` servers in this process, each with its own adapter: A publishes, B's clients
 * receive.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { attachHxWs, PublishError, type HxWsServer } from '../../src/server/index.js';
import { redisAdapter, type RedisAdapter, type RedisAdapterOptions } from '../../src/server/redis.js';
import { recoveringClient, stamped, until } from './support/recovering.js';
import { clusterSkip, startCluster, startSentinels } from './support/redis-ha.js';
import { redisSkip } from './support/redis.js';

const skip = redisSkip();
if (skip) console.warn(`\n*** ${skip} ***\n`);
const skipCluster = clusterSkip();
if (skipCluster && !skip) console.warn(`\n*** ${skipCluster} ***\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const numberOf = (text: string) => Number(/<p>m(\d+)<\/p>/.exec(text)?.[1] ?? NaN);

interface Node {
  hub: HxWsServer;
  adapter: RedisAdapter;
  url: string;
  errors: Error[];
  states: string[];
}

async function node(t: TestContext, options: RedisAdapterOptions): Promise<Node> {
  const server: Server = createServer();
  const adapter = redisAdapter({ retryDelay: () => 100, ...options });
  const errors: Error[] = [];
  const states: string[] = [];
  const hub = attachHxWs(server, {
    path: '/ws',
    adapter,
    recovery: true,
    handler() {},
    onConnection: (ctx) => {
      if (!ctx.recovered) ctx.join('room');
    },
    onError: (error) => void errors.push(error),
    onAdapterStatus: (state) => void states.push(state),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  await adapter.ready();
  return { hub, adapter, errors, states, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws` };
}

/** A plain client of `url`: every message it got, in order. */
async function listener(url: string): Promise<{ ws: WebSocket; got: number[] }> {
  const ws = new WebSocket(url);
  const got: number[] = [];
  ws.on('message', (data) => {
    const n = numberOf(String(data));
    if (Number.isFinite(n)) got.push(n);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got };
}

function reported(errors: Error[]): Set<number> {
  return new Set(errors.filter((e) => e instanceof PublishError).map((e) => numberOf((e as PublishError).published.html)));
}

describe('Redis Sentinel: the master killed while publishing', { skip }, () => {
  it('every publish is delivered or reported, none twice; the reader and recovery go on from the new master', { timeout: 60_000 }, async (t) => {
    const set = await startSentinels();
    t.after(() => set.stop());
    const options: RedisAdapterOptions = { redis: { sentinels: set.sentinels, name: set.name }, prefix: 't-sentinel' };
    const a = await node(t, options);
    const b = await node(t, options);
    const plain = await listener(b.url);
    const page = await recoveringClient(b.url);
    await until(() => b.hub.clients.size === 2);

    let n = 0;
    const publishUntil = async (done: () => boolean, limit: number): Promise<void> => {
      const end = Date.now() + limit;
      while (!done() && Date.now() < end) {
        a.hub.toRoom('room', `<p>m${n++}</p>`);
        await sleep(5);
      }
    };
    await publishUntil(() => n >= 100, 5000);
    await until(() => plain.got.length >= 50, 5000);
    // Kill the master mid-stream, and keep publishing through the failover.
    const failing = set.failover();
    let switched: { from: number; to: number; ms: number } | undefined;
    void failing.then((s) => (switched = s));
    await publishUntil(() => switched !== undefined, 25_000);
    assert.ok(switched, 'the sentinels named a new master');
    assert.notEqual(switched.to, switched.from);
    await until(() => a.adapter.state === 'up' && b.adapter.state === 'up', 15_000);
    assert.ok(a.states.includes('down'), `A saw the link go down (${a.states.join()})`);
    assert.equal(a.hub.stats().adapter.state, 'up');
    assert.ok(a.hub.stats().adapter.downs >= 1, 'hx.stats() counted the outage');
    // The recovering page drops after the failover and misses some messages.
    const position = stamped(page.texts).at(-1)?.p ?? page.answer.position;
    page.ws.terminate();
    await until(() => b.hub.clients.size === 1);
    const afterFailover = n;
    await publishUntil(() => n >= afterFailover + 100, 5000);
    const total = n;

    // Every number reached the plain client once, or went to A's onError (or both: a publish
    // the old master took but did not answer before it died).
    const errorsOf = reported(a.errors);
    await until(() => Array.from({ length: total }, (_, i) => i).every((i) => plain.got.includes(i) || errorsOf.has(i)), 15_000).catch(() => undefined);
    const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !plain.got.includes(i) && !errorsOf.has(i));
    assert.deepEqual(missing, [], `neither delivered nor reported (of ${total}; ${errorsOf.size} reported)`);
    const twice = plain.got.filter((x, i) => plain.got.indexOf(x) !== i);
    assert.deepEqual(twice, [], 'none delivered twice');
    assert.ok(plain.got.includes(total - 1), 'the reader reads on from the new master');

    // Recovery from the new master: the page's session and the log after its position.
    const back = await recoveringClient(b.url, { session: page.answer.id, position });
    assert.equal(back.answer.recovered, true, 'recovered from the new master');
    await until(() => stamped(back.texts).map((m) => numberOf(m.body)).includes(total - 1), 10_000);
    const all = [...stamped(page.texts).map((m) => numberOf(m.body)), ...stamped(back.texts).map((m) => numberOf(m.body))];
    const seen = new Set<number>();
    const dup = all.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
    assert.deepEqual(dup, [], 'the recovering page got no message twice');
    for (let i = afterFailover; i < total; i++) assert.ok(seen.has(i) || errorsOf.has(i), `the recovering page got m${i}`);
    plain.ws.close();
    back.ws.close();
  });
});

describe('Redis Cluster: three masters', { skip: skipCluster }, () => {
  it('with a hash-tagged prefix, messages, presence and recovery work across processes', { timeout: 60_000 }, async (t) => {
    const cluster = await startCluster();
    t.after(() => cluster.stop());
    assert.throws(() => redisAdapter({ cluster: { nodes: cluster.nodes }, prefix: 't-cluster' }), /hash tag/, 'keys in one slot need a hash tag');
    const options: RedisAdapterOptions = { cluster: { nodes: cluster.nodes }, prefix: '{t-cluster}' };
    const a = await node(t, options);
    const b = await node(t, options);
    const plain = await listener(b.url);
    const page = await recoveringClient(b.url);
    await until(() => b.hub.clients.size === 2);
    for (let i = 0; i < 50; i++) a.hub.toRoom('room', `<p>m${i}</p>`);
    await until(() => plain.got.length === 50, 5000);
    assert.deepEqual(plain.got, Array.from({ length: 50 }, (_, i) => i));
    await until(() => stamped(page.texts).length === 50, 5000);
    assert.equal(await a.hub.count('room'), 2, 'presence across processes');
    const position = stamped(page.texts).at(-1)!.p;
    page.ws.terminate();
    await until(() => b.hub.clients.size === 1);
    for (let i = 50; i < 60; i++) a.hub.toRoom('room', `<p>m${i}</p>`);
    const back = await recoveringClient(a.url, { session: page.answer.id, position });
    assert.equal(back.answer.recovered, true, 'the session and the log are found from the other process');
    await until(() => stamped(back.texts).length === 10, 5000);
    assert.deepEqual(stamped(back.texts).map((m) => numberOf(m.body)), Array.from({ length: 10 }, (_, i) => 50 + i));
    assert.deepEqual(a.errors, []);
    plain.ws.close();
    back.ws.close();
  });
});
