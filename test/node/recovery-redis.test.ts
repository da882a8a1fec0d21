/// <reference types="node" />
/**
 * Recovery across processes: two server processes (support/cluster-node.ts with RECOVERY), each
 * `attachHxWs` with its own Redis adapter on one real `redis-server`. A page's session and the
 * log live in Redis, so a page that comes back on the other process (also after its first one
 * was killed) gets its rooms, its data and every message it missed, in stream order, once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { attachHxWs } from '../../src/server/index.js';
import { redisAdapter } from '../../src/server/redis.js';
import { comparePositions } from '../../src/protocol.js';
import { ClusterNode } from './support/cluster.js';
import { recoveringClient, stamped, until } from './support/recovering.js';
import { redisSkip, startRedis, type TestRedis } from './support/redis.js';

const skip = redisSkip();
if (skip) console.warn(`\n*** ${skip} ***\n`);

const range = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `<p>${tag}-${i}</p>`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const urlOf = (node: ClusterNode) => `ws://127.0.0.1:${node.port}/ws`;

/**
 * A Redis and two recovering server processes on it. `logged(run, n)` runs `run` (a call to a
 * process, which returns once its messages are handed to Redis) and waits until Redis has added
 * `n` more entries to the stream: messages of two processes have an order only once they are in.
 */
function pair(prefix: string, env: Record<string, string> = {}) {
  let reader: Redis;
  const added = async (): Promise<number> => {
    const info = (await reader.call('XINFO', 'STREAM', `${prefix}:log`).catch(() => [])) as unknown[];
    return Number(info[info.indexOf('entries-added') + 1] ?? 0);
  };
  const state = {
    redis: undefined as unknown as TestRedis,
    a: undefined as unknown as ClusterNode,
    b: undefined as unknown as ClusterNode,
    async logged(run: () => Promise<unknown>, n: number): Promise<void> {
      const before = await added();
      await run();
      const end = Date.now() + 5000;
      while ((await added()) < before + n) {
        if (Date.now() > end) throw new Error(`the stream did not get ${n} more entries`);
        await sleep(5);
      }
    },
  };
  before(async () => {
    state.redis = await startRedis();
    reader = new Redis(state.redis.url);
    const options = { REDIS_PREFIX: prefix, RECOVERY: '{}', ...env };
    [state.a, state.b] = await Promise.all([ClusterNode.start(state.redis.url, options), ClusterNode.start(state.redis.url, options)]);
  });
  after(async () => {
    reader?.disconnect();
    await Promise.all([state.a?.stop(), state.b?.stop()]);
    await state.redis?.stop();
  });
  return state;
}

/** A request frame with an `HX-Request-Id`. */
const request = (values: Record<string, string>, id: string) => JSON.stringify({ ...values, HEADERS: { 'HX-Request-Id': id } });

describe('recovery through Redis: two processes', { skip }, () => {
  const c = pair('t-rec');

  it('a page back on the other process gets its rooms, data and every missed message in stream order, once', async () => {
    const first = await recoveringClient(urlOf(c.a));
    assert.equal(first.answer.recovered, false);
    assert.match(first.answer.position!, /^\d+-\d+$/, 'positions are stream ids');
    await until(() => first.texts.length === 1);
    assert.deepEqual(stamped(first.texts).map((m) => m.body), ['<p>snapshot</p>']);
    first.ws.send(request({ op: 'set', key: 'user', value: 'ann' }, 'set-1'));
    await until(() => first.texts.length === 2); // its ack
    await c.a.call('toRoom', { room: 'lobby', html: '<p>before</p>' });
    await until(() => first.texts.length === 3);
    const last = stamped([first.texts[2]!])[0]!;
    assert.equal(last.body, '<p>before</p>');
    first.ws.close();
    await sleep(100); // the close reaches process A, which saves the session
    // While the page is away: room messages from both processes, a broadcast, a direct send.
    await c.logged(() => c.a.call('burst', { room: 'lobby', count: 30, prefix: 'a' }), 30);
    await c.logged(() => c.b.call('burst', { room: 'lobby', count: 30, prefix: 'b' }), 30);
    await c.logged(() => c.b.call('toRoom', { room: 'elsewhere', html: '<p>not for it</p>' }), 1);
    await c.logged(() => c.b.call('broadcast', { html: '<p>all</p>' }), 1);
    await c.logged(() => c.a.call('direct', { html: '<p>direct</p>' }), 1);
    const second = await recoveringClient(urlOf(c.b), { session: first.answer.id, position: last.p });
    assert.deepEqual(second.answer, { id: first.answer.id, recovered: true, position: last.p });
    const expected = [...range(30, 'a'), ...range(30, 'b'), '<p>all</p>', '<p>direct</p>'];
    await until(() => second.texts.length >= expected.length, 5000);
    second.ws.send(request({ op: 'get', key: 'user' }, 'get-1'));
    await c.a.call('toRoom', { room: 'lobby', html: '<p>live</p>' }); // its rooms were restored on B
    await until(() => second.texts.filter((t) => !t.startsWith('<hx-ws-ack')).length >= expected.length + 2, 5000);
    await sleep(100); // a duplicate would have arrived by now
    const got = stamped(second.texts.filter((t) => !t.startsWith('<hx-ws-ack')));
    const bodies = got.map((m) => m.body);
    assert.deepEqual(bodies.slice(0, expected.length), expected);
    assert.deepEqual(bodies.slice(expected.length).sort(), ['<p>live</p>', '<p>user=ann</p>'], 'data restored, room kept, nothing twice');
    for (let i = 1; i < got.length; i++) assert.ok(comparePositions(got[i]!.p, got[i - 1]!.p)! > 0, 'positions grow');
    assert.deepEqual(await c.b.call('recoveries'), [true]);
    second.ws.close();
  });

  it('after its process was killed, the page resumes on the other one and a resent request id is not handled again', async () => {
    const a2 = await ClusterNode.start(c.redis.url, { REDIS_PREFIX: 't-rec', RECOVERY: '{}' });
    const first = await recoveringClient(urlOf(a2));
    await until(() => first.texts.length === 1); // the snapshot
    first.ws.send(request({ op: 'set', key: 'k', value: 'v' }, 'req-1'));
    await until(() => first.texts.length === 2);
    assert.equal(first.texts[1], '<hx-ws-ack id="req-1"></hx-ws-ack>');
    await a2.call('toRoom', { room: 'lobby', html: '<p>m</p>' });
    await until(() => first.texts.length === 3);
    const last = stamped([first.texts[2]!])[0]!.p;
    await a2.kill(); // no goodbye: the session was saved when it joined
    await c.logged(() => c.b.call('burst', { room: 'lobby', count: 20, prefix: 'k' }), 20);
    const handledBefore = (await c.b.call<string[]>('handled')).length;
    const second = await recoveringClient(urlOf(c.b), { session: first.answer.id, position: last });
    assert.equal(second.answer.recovered, true);
    await until(() => second.texts.length >= 20, 5000);
    assert.deepEqual(stamped(second.texts.slice(0, 20)).map((m) => m.body), range(20, 'k'));
    second.ws.send(request({ op: 'set', key: 'k', value: 'v' }, 'req-1')); // the page resends it
    await until(() => second.texts.length === 21);
    assert.equal(second.texts[20], '<hx-ws-ack id="req-1"></hx-ws-ack>', 'acked again');
    second.ws.send(request({ op: 'get', key: 'x' }, 'req-2'));
    await until(() => second.texts.length >= 23);
    assert.deepEqual((await c.b.call<string[]>('handled')).slice(handledBefore), ['req-2'], 'req-1 handed to a handler once, on the first process');
    second.ws.close();
  });
});

describe('recovery through Redis: messages during the replay', { skip }, () => {
  const c = pair('t-rec-live');

  it('messages sent while the page replays on the other process arrive after the missed ones, in order, none twice', async () => {
    const first = await recoveringClient(urlOf(c.a));
    await until(() => first.texts.length === 1);
    const last = stamped(first.texts)[0]!.p;
    first.ws.close();
    await sleep(100);
    await c.logged(() => c.a.call('burst', { room: 'lobby', count: 300, prefix: 'm' }), 300);
    // Ten more bursts from both processes, while the page resumes on B and its replay runs.
    const more = (async () => {
      for (let i = 0; i < 10; i++) {
        await (i % 2 ? c.b : c.a).call('burst', { room: 'lobby', count: 30, prefix: `l${i}` });
        await sleep(3);
      }
    })();
    const second = await recoveringClient(urlOf(c.b), { session: first.answer.id, position: last });
    assert.equal(second.answer.recovered, true);
    await more;
    await until(() => second.texts.length >= 600, 10_000);
    await sleep(200);
    const got = stamped(second.texts);
    assert.equal(got.length, 600, 'none twice');
    for (let i = 1; i < got.length; i++) assert.ok(comparePositions(got[i]!.p, got[i - 1]!.p)! > 0, 'stream order');
    const bodies = got.map((m) => m.body);
    assert.deepEqual(bodies.slice(0, 300), range(300, 'm'), 'the missed ones first');
    for (let i = 0; i < 10; i++) assert.deepEqual(bodies.filter((b) => b.startsWith(`<p>l${i}-`)), range(30, `l${i}`), `burst ${i} whole and in order`);
    second.ws.close();
  });
});

describe('recovery through Redis: options', { skip }, () => {
  it('maxLogMessages and maxLogBytes are refused with the Redis adapter, which names maxLen instead', async () => {
    const redis = await startRedis();
    try {
      for (const name of ['maxLogMessages', 'maxLogBytes']) {
        const adapter = redisAdapter({ url: redis.url, prefix: 't-rec-opts' });
        try {
          assert.throws(() => attachHxWs(createServer(), { adapter, recovery: { [name]: 1000 }, handler() {} }), {
            name: 'RangeError',
            message: new RegExp(`^hx-ws recovery: ${name} does not apply with the Redis adapter .*redisAdapter\\(\\{ maxLen \\}\\)`),
          });
        } finally {
          await adapter.close();
        }
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('recovery through Redis: a trimmed stream', { skip }, () => {
  const c = pair('t-rec-trim', { MAX_LEN: '50' });

  it('a position trimmed away gives a new session, recovered false and the snapshot, no partial replay', async () => {
    const first = await recoveringClient(urlOf(c.a));
    await until(() => first.texts.length === 1);
    await c.a.call('toRoom', { room: 'lobby', html: '<p>m</p>' });
    await until(() => first.texts.length === 2);
    const last = stamped([first.texts[1]!])[0]!.p;
    first.ws.close();
    await sleep(100);
    await c.logged(() => c.a.call('burst', { room: 'lobby', count: 400, prefix: 't' }), 400);
    const second = await recoveringClient(urlOf(c.b), { session: first.answer.id, position: last });
    assert.equal(second.answer.recovered, false);
    assert.notEqual(second.answer.id, first.answer.id, 'a new session');
    await until(() => second.texts.length === 1);
    await sleep(200);
    assert.deepEqual(stamped(second.texts).map((m) => m.body), ['<p>snapshot</p>'], 'the snapshot only');
    assert.deepEqual(await c.b.call('recoveries'), [false]);
    second.ws.close();
  });
});

describe('recovery through Redis: an expired session', { skip }, () => {
  const c = pair('t-rec-ttl', { RECOVERY: JSON.stringify({ maxDisconnectionMs: 300 }) });

  it('a page back after maxDisconnectionMs gets a new session on the other process', async () => {
    const first = await recoveringClient(urlOf(c.a));
    await until(() => first.texts.length === 1);
    first.ws.close();
    await sleep(700);
    const second = await recoveringClient(urlOf(c.b), { session: first.answer.id, position: first.answer.position });
    assert.equal(second.answer.recovered, false);
    assert.notEqual(second.answer.id, first.answer.id);
    await until(() => second.texts.length === 1);
    assert.deepEqual(stamped(second.texts).map((m) => m.body), ['<p>snapshot</p>']);
    second.ws.close();
  });
});

describe('recovery through Redis: sessions belong to the user who opened them', { skip }, () => {
  it("user B offering user A's session id gets a fresh session and nothing of A's; A resumes it", async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const server = createServer();
    const hub = attachHxWs(server, {
      path: (pathname) => pathname.startsWith('/ws/'),
      adapter: redisAdapter({ url: redis.url, prefix: 't-rec-owner' }),
      recovery: true,
      // The token is the path's last segment (`/ws/ann`): recoveringClient adds its own query.
      authenticate: (req) => new URL(req.url ?? '/', 'http://x').pathname.slice('/ws/'.length) || null,
      onConnection: (ctx) => {
        if (!ctx.recovered) ctx.join(`inbox-${String(ctx.user)}`);
      },
      handler() {},
      onError() {},
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    await until(() => hub.position() !== undefined, 5000);
    const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
    const a = await recoveringClient(`${url}/ann`);
    hub.toRoom('inbox-ann', '<p>before</p>');
    await until(() => a.texts.length === 1, 5000);
    const position = stamped(a.texts)[0]!.p;
    a.ws.terminate();
    await until(() => hub.clients.size === 0, 5000);
    hub.toRoom('inbox-ann', '<p>for ann</p>');
    await sleep(100);
    const b = await recoveringClient(`${url}/bob`, { session: a.answer.id, position });
    assert.equal(b.answer.recovered, false);
    assert.notEqual(b.answer.id, a.answer.id);
    await sleep(200);
    assert.ok(b.texts.every((text) => !text.includes('ann')), JSON.stringify(b.texts));
    const a2 = await recoveringClient(`${url}/ann`, { session: a.answer.id, position });
    assert.equal(a2.answer.recovered, true);
    assert.equal(a2.answer.id, a.answer.id);
    await until(() => a2.texts.length === 1, 5000);
    assert.deepEqual(stamped(a2.texts).map((m) => m.body), ['<p>for ann</p>']);
    b.ws.close();
    a2.ws.close();
  });
});
