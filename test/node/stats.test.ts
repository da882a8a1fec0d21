/// <reference types="node" />
// hx.stats(): each counter moves at the place it counts, and statsToPrometheus renders them.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  CLOSE_CAUSES,
  statsToPrometheus,
  type AdapterHost,
  type CloseCause,
  type HxWsAdapter,
  type HxWsContext,
  type HxWsStats,
  type StatsCloseCause,
} from '../../src/server/index.js';
import { closed, connect, start } from './server-helpers.js';
import { recoveringClient, until } from './support/recovering.js';

// The close causes counted are exactly those onClose is told (a compile error when they drift).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameCauses: Same<CloseCause, StatsCloseCause> = true;
void sameCauses;

/** Stops reading the client's TCP socket (it reads neither messages nor pings). */
function deafen(ws: WebSocket): void {
  (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
}

function refusedStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('admitted')));
    ws.once('error', () => {});
  });
}

describe('hx.stats()', () => {
  it('starts at zero, with every cause and status listed', async (t) => {
    const s = await start(t);
    assert.deepEqual(s.hub.stats(), {
      connections: 0,
      rooms: 0,
      messagesIn: 0,
      bytesIn: 0,
      messagesOut: 0,
      bytesOut: 0,
      wireBytesOut: 0,
      refusals: { 401: 0, 403: 0, 404: 0, 429: 0, 500: 0, 503: 0 },
      closes: { peer: 0, protocol: 0, heartbeat: 0, backpressure: 0, shutdown: 0, expired: 0 },
      adapter: { state: 'none', downs: 0 },
      recovery: { hits: 0, misses: 0, fresh: 0 },
    } satisfies HxWsStats);
  });

  it('counts connections, rooms, and messages and bytes in and out (UTF-8, one per socket)', async (t) => {
    const s = await start(t, {
      onConnection: (ctx) => ctx.join(`room-${s.hub.clients.size}`),
      handler: (_request, ctx) => void ctx.send('<p>é</p>'),
    });
    const a = await connect(s.url);
    const b = await connect(s.url);
    await until(() => s.hub.stats().rooms === 2);
    assert.equal(s.hub.stats().connections, 2);
    const frame = JSON.stringify({ message: 'héllo' });
    a.send(frame);
    await until(() => s.hub.stats().messagesOut === 1);
    let now = s.hub.stats();
    assert.equal(now.messagesIn, 1);
    assert.equal(now.bytesIn, Buffer.byteLength(frame));
    assert.equal(now.bytesOut, Buffer.byteLength('<p>é</p>'), '9 bytes, not 8 characters');
    assert.equal(s.hub.broadcast('<p>all</p>'), 2);
    now = s.hub.stats();
    assert.equal(now.messagesOut, 3, 'a broadcast to two sockets counts two');
    assert.equal(now.bytesOut, 9 + 2 * '<p>all</p>'.length);
    assert.equal(now.wireBytesOut, now.bytesOut + 3 * 2, 'uncompressed: each payload and its 2-byte header');
    b.close();
    await until(() => s.hub.stats().connections === 1);
    assert.equal(s.hub.stats().rooms, 1, 'its room went with it');
    a.close();
  });

  it('counts refusals by status: 403 origin, 404 path, 503 maxConnections, 429 per address', async (t) => {
    const s = await start(t, { maxConnections: 2, maxConnectionsPerAddress: 1, unclaimedUpgradeMs: 10, onError: () => {} });
    assert.equal(await refusedStatus(s.url, 'https://elsewhere.example'), 403);
    assert.equal(await refusedStatus(s.url.replace('/ws', '/nope')), 404);
    const first = await connect(s.url);
    assert.equal(await refusedStatus(s.url), 429);
    const other = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(s.url, { localAddress: '127.0.0.2' });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const third = await new Promise<number>((resolve) => {
      const ws = new WebSocket(s.url, { localAddress: '127.0.0.3' });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => {});
    });
    assert.equal(third, 503);
    assert.deepEqual(s.hub.stats().refusals, { 401: 0, 403: 1, 404: 1, 429: 1, 500: 0, 503: 1 });
    first.close();
    other.close();
  });

  it('counts the refusals of authenticate: 401, and 500 when it throws', async (t) => {
    let mode: 'refuse' | 'throw' = 'refuse';
    const s = await start(t, {
      onError: () => {},
      authenticate: () => {
        if (mode === 'throw') throw new Error('the session store is down');
        return null;
      },
    });
    assert.equal(await refusedStatus(s.url), 401);
    mode = 'throw';
    assert.equal(await refusedStatus(s.url), 500);
    const { refusals } = s.hub.stats();
    assert.equal(refusals[401], 1);
    assert.equal(refusals[500], 1);
  });

  it('counts closes by cause: peer, protocol, heartbeat, backpressure, expired, shutdown', async (t) => {
    const causes: CloseCause[] = [];
    const onClose = (_c: HxWsContext, _code: number, _r: string, info: { cause: CloseCause }): void => void causes.push(info.cause);
    // The heartbeat on a server of its own: a deafened client elsewhere must fill its buffer first.
    const beating = await start(t, { pingIntervalMs: 100, onClose });
    const heartbeat = await connect(beating.url);
    deafen(heartbeat);
    await until(() => beating.hub.stats().closes.heartbeat === 1, 5000);
    heartbeat.terminate();
    assert.deepEqual(beating.hub.stats().closes, { peer: 0, protocol: 0, heartbeat: 1, backpressure: 0, shutdown: 0, expired: 0 });

    // A short closeTimeoutMs: the backpressure close is counted when the socket is gone, which
    // for a client that reads nothing is at closeTimeoutMs (5 s by default).
    const s = await start(t, { maxBufferedBytes: 16 * 1024, closeTimeoutMs: 300, onError: () => {}, onClose });
    const peer = await connect(s.url);
    peer.close();
    await until(() => s.hub.stats().closes.peer === 1);

    const protocol = await connect(s.url);
    protocol.send('not json');
    await closed(protocol);
    await until(() => s.hub.stats().closes.protocol === 1);

    const slow = await connect(s.url);
    await until(() => s.hub.clients.size === 1);
    deafen(slow);
    const ctx = [...s.hub.clients][0] as HxWsContext;
    // Sent until the kernel's buffers are full and ws's passes the mark.
    for (let i = 0; i < 20_000 && s.hub.clients.size > 0; i++) {
      ctx.send(`<p>${'x'.repeat(4096)}</p>`);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => s.hub.stats().closes.backpressure === 1, 5000);
    slow.terminate();

    const expiring = await connect(s.url);
    await until(() => s.hub.clients.size === 1);
    ([...s.hub.clients][0] as HxWsContext).expire();
    await closed(expiring);
    await until(() => s.hub.stats().closes.expired === 1);

    const last = await connect(s.url);
    await until(() => s.hub.clients.size === 1);
    await s.hub.close();
    assert.notEqual(last.readyState, WebSocket.OPEN);
    assert.deepEqual(s.hub.stats().closes, { peer: 1, protocol: 1, heartbeat: 0, backpressure: 1, shutdown: 1, expired: 1 });
    await until(() => causes.length === 6);
    assert.deepEqual([...causes].sort(), [...CLOSE_CAUSES].sort(), 'the same causes onClose was told');
  });

  it('follows the adapter: its last state and how many times it went down', async (t) => {
    let host: AdapterHost | undefined;
    const adapter: HxWsAdapter = {
      start: (h) => void (host = h),
      publish: () => undefined,
      presence: () => {},
      count: () => Promise.resolve(0),
      close: () => Promise.resolve(),
    };
    const s = await start(t, { adapter, onAdapterStatus: () => {} });
    host!.status('up');
    assert.deepEqual(s.hub.stats().adapter, { state: 'up', downs: 0 });
    host!.status('down', new Error('gone'));
    host!.status('down', new Error('still gone'));
    assert.deepEqual(s.hub.stats().adapter, { state: 'down', downs: 1 }, 'one outage, told twice');
    host!.status('up');
    host!.status('down');
    assert.deepEqual(s.hub.stats().adapter, { state: 'down', downs: 2 });
  });

  it('counts recovery: a first socket is fresh, a known position a hit, a trimmed one a miss; replayed messages count as sent', async (t) => {
    const s = await start(t, { recovery: { maxLogMessages: 5 }, onConnection: (ctx) => ctx.join('lobby') });
    const a = await recoveringClient(s.url);
    assert.deepEqual(s.hub.stats().recovery, { hits: 0, misses: 0, fresh: 1 });
    const position = a.answer.position;
    a.ws.terminate();
    await until(() => s.hub.clients.size === 0);
    s.hub.toRoom('lobby', '<p>missed</p>');
    const out = s.hub.stats().messagesOut;
    const b = await recoveringClient(s.url, { session: a.answer.id, position });
    assert.equal(b.answer.recovered, true);
    await until(() => b.texts.length === 1);
    assert.equal(s.hub.stats().messagesOut, out + 2, 'the session answer and the replayed message');
    assert.deepEqual(s.hub.stats().recovery, { hits: 1, misses: 0, fresh: 1 });
    b.ws.terminate();
    await until(() => s.hub.clients.size === 0);
    for (let i = 0; i < 10; i++) s.hub.toRoom('lobby', `<p>${i}</p>`);
    const c = await recoveringClient(s.url, { session: b.answer.id, position });
    assert.equal(c.answer.recovered, false);
    assert.deepEqual(s.hub.stats().recovery, { hits: 1, misses: 1, fresh: 1 });
    c.ws.close();
  });
});

describe('statsToPrometheus', () => {
  const stats: HxWsStats = {
    connections: 3,
    rooms: 2,
    messagesIn: 10,
    bytesIn: 1000,
    messagesOut: 20,
    bytesOut: 4000,
    wireBytesOut: 4100,
    refusals: { 401: 0, 403: 1, 404: 0, 429: 2, 500: 0, 503: 0 },
    closes: { peer: 5, protocol: 1, heartbeat: 0, backpressure: 0, shutdown: 0, expired: 0 },
    adapter: { state: 'up', downs: 1 },
    recovery: { hits: 4, misses: 1, fresh: 7 },
  };

  it('renders every counter in the text format, each with HELP and TYPE', () => {
    const text = statsToPrometheus(stats);
    assert.ok(text.endsWith('\n'));
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(samples, [
      'hx_ws_connections 3',
      'hx_ws_rooms 2',
      'hx_ws_messages_received_total 10',
      'hx_ws_received_bytes_total 1000',
      'hx_ws_messages_sent_total 20',
      'hx_ws_sent_bytes_total 4000',
      'hx_ws_sent_wire_bytes_total 4100',
      'hx_ws_upgrades_refused_total{status="401"} 0',
      'hx_ws_upgrades_refused_total{status="403"} 1',
      'hx_ws_upgrades_refused_total{status="404"} 0',
      'hx_ws_upgrades_refused_total{status="429"} 2',
      'hx_ws_upgrades_refused_total{status="500"} 0',
      'hx_ws_upgrades_refused_total{status="503"} 0',
      'hx_ws_connections_closed_total{cause="peer"} 5',
      'hx_ws_connections_closed_total{cause="protocol"} 1',
      'hx_ws_connections_closed_total{cause="heartbeat"} 0',
      'hx_ws_connections_closed_total{cause="backpressure"} 0',
      'hx_ws_connections_closed_total{cause="shutdown"} 0',
      'hx_ws_connections_closed_total{cause="expired"} 0',
      'hx_ws_adapter_up 1',
      'hx_ws_adapter_downs_total 1',
      'hx_ws_recovery_total{result="hit"} 4',
      'hx_ws_recovery_total{result="miss"} 1',
      'hx_ws_recovery_total{result="fresh"} 7',
    ]);
    assert.match(text, /^# HELP hx_ws_connections .+\n# TYPE hx_ws_connections gauge\n/);
    assert.match(text, /# TYPE hx_ws_messages_sent_total counter\n/);
    // Every metric's TYPE line comes once, before its samples.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length);
  });

  it('takes a prefix and labels (escaped), leaves out adapter_up until the adapter reports, and refuses bad names', () => {
    const text = statsToPrometheus({ ...stats, adapter: { state: 'none', downs: 0 } }, 'chat', { server: 'a"b\\c\nd' });
    assert.match(text, /^chat_connections\{server="a\\"b\\\\c\\nd"\} 3$/m);
    assert.match(text, /^chat_upgrades_refused_total\{server="a\\"b\\\\c\\nd",status="429"\} 2$/m);
    assert.doesNotMatch(text, /adapter_up/);
    assert.match(statsToPrometheus({ ...stats, adapter: { state: 'down', downs: 2 } }), /^hx_ws_adapter_up 0$/m);
    assert.throws(() => statsToPrometheus(stats, 'bad-prefix'), TypeError);
    assert.throws(() => statsToPrometheus(stats, 'ok', { 'bad-label': 'x' }), TypeError);
  });
});
