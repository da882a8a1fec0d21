/// <reference types="node" />
// Recovery on one process: sessions, the log, replay after a drop, trimming, resume-from, and
// request ids handed to the handler once. Raw `ws` clients speak the wire format of
// docs/protocol.md ("Recovery") directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { comparePositions } from '../../src/protocol.js';
import type { HxWsContext } from '../../src/server/index.js';
import { start } from './server-helpers.js';
import { recoveringClient, stamped, until } from './support/recovering.js';

test('a dropped page gets every room message, broadcast and direct send it missed, in order, then live ones', async (t) => {
  const contexts: HxWsContext[] = [];
  const s = await start(t, {
    recovery: true,
    onConnection: (ctx) => {
      contexts.push(ctx);
      if (!ctx.recovered) ctx.join('lobby');
    },
  });
  const a = await recoveringClient(s.url);
  assert.equal(a.answer.recovered, false);
  assert.match(a.answer.id!, /^[A-Za-z0-9_-]{22}$/, '128 bits in base64url');
  assert.equal(contexts[0]!.recovered, false);
  contexts[0]!.data.user = 'ann';
  s.hub.toRoom('lobby', '<p>before</p>');
  await until(() => a.texts.length === 1);
  const last = stamped(a.texts)[0]!.p;
  a.ws.terminate();
  await until(() => s.hub.clients.size === 0);
  for (let i = 0; i < 50; i++) s.hub.toRoom('lobby', `<p>r${i}</p>`);
  s.hub.toRoom('elsewhere', '<p>not for it</p>');
  s.hub.broadcast('<p>all</p>');
  contexts[0]!.send('<p>direct</p>');
  const b = await recoveringClient(s.url, { session: a.answer.id, position: last });
  assert.deepEqual(b.answer, { id: a.answer.id, recovered: true, position: last });
  await until(() => b.texts.length === 52);
  const second = contexts[1]!;
  assert.equal(second.recovered, true);
  assert.deepEqual([...second.rooms], ['lobby'], 'rooms restored');
  assert.equal(second.data.user, 'ann', 'data restored');
  s.hub.toRoom('lobby', '<p>live</p>');
  await until(() => b.texts.length === 53);
  const got = stamped(b.texts);
  assert.deepEqual(
    got.map((m) => m.body),
    [...Array.from({ length: 50 }, (_, i) => `<p>r${i}</p>`), '<p>all</p>', '<p>direct</p>', '<p>live</p>'],
  );
  for (let i = 1; i < got.length; i++) assert.ok(comparePositions(got[i]!.p, got[i - 1]!.p)! > 0, 'positions grow');
  b.ws.close();
});

test('a position the log trimmed away gets a new session, recovered false and no partial replay', async (t) => {
  const contexts: HxWsContext[] = [];
  const s = await start(t, {
    recovery: { maxLogMessages: 10 },
    onConnection: (ctx) => {
      contexts.push(ctx);
      ctx.join('lobby');
      if (!ctx.recovered) ctx.send('<p>snapshot</p>');
    },
  });
  const a = await recoveringClient(s.url);
  await until(() => a.texts.length === 1);
  const last = stamped(a.texts)[0]!.p;
  a.ws.terminate();
  await until(() => s.hub.clients.size === 0);
  for (let i = 0; i < 20; i++) s.hub.toRoom('lobby', `<p>r${i}</p>`);
  const b = await recoveringClient(s.url, { session: a.answer.id, position: last });
  assert.equal(b.answer.recovered, false);
  assert.notEqual(b.answer.id, a.answer.id, 'a new session');
  await until(() => b.texts.length === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(stamped(b.texts).map((m) => m.body), ['<p>snapshot</p>'], 'the snapshot only');
  assert.equal(contexts[1]!.recovered, false);
  b.ws.close();
});

test('resume-from: messages published between rendering the page and opening its socket are replayed', async (t) => {
  const s = await start(t, { recovery: true, onConnection: (ctx) => ctx.join('lobby') });
  const rendered = s.hub.position()!;
  s.hub.toRoom('lobby', '<p>gap 1</p>');
  s.hub.broadcast('<p>gap 2</p>');
  const a = await recoveringClient(s.url, { position: rendered });
  assert.equal(a.answer.recovered, true);
  await until(() => a.texts.length === 2);
  assert.deepEqual(stamped(a.texts).map((m) => m.body), ['<p>gap 1</p>', '<p>gap 2</p>']);
  a.ws.close();
});

test('a request id of a session reaches the handler once, and is acked each time', async (t) => {
  const s = await start(t, { recovery: true });
  const a = await recoveringClient(s.url);
  const request = JSON.stringify({ n: '1', HEADERS: { 'HX-Request-Id': 'page-1' } });
  a.ws.send(request);
  await until(() => a.texts.length === 1);
  assert.equal(a.texts[0], '<hx-ws-ack id="page-1"></hx-ws-ack>', 'acks are not stamped');
  a.ws.terminate();
  await until(() => s.hub.clients.size === 0);
  const b = await recoveringClient(s.url, { session: a.answer.id, position: a.answer.position });
  assert.equal(b.answer.recovered, true);
  b.ws.send(request);
  await until(() => b.texts.length === 1);
  assert.equal(b.texts[0], '<hx-ws-ack id="page-1"></hx-ws-ack>');
  assert.equal(s.requests.length, 1, 'handled once');
  b.ws.close();
});

test('a client that does not ask never sees a control element; recovery off answers an offer with no session', async (t) => {
  const on = await start(t, { recovery: true });
  const plain = new WebSocket(on.url);
  const texts: string[] = [];
  plain.on('message', (d) => texts.push(String(d)));
  await new Promise((r) => plain.once('open', r));
  await until(() => on.hub.clients.size === 1);
  on.hub.broadcast('<p>x</p>');
  await until(() => texts.length === 1);
  assert.deepEqual(texts, ['<p>x</p>']);
  assert.equal([...on.hub.clients][0]!.recovered, undefined);
  plain.close();

  const off = await start(t, {});
  const c = await recoveringClient(off.url, { session: 'x', position: 'y' });
  assert.deepEqual(c.answer, { recovered: false });
  assert.equal(off.requests.length, 0, 'the offer is not a request');
  c.ws.close();
});

/** Stops reading the client's TCP socket (it reads neither messages nor pings). */
function deafen(ws: WebSocket): void {
  (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
}

for (const kind of ['backpressure', 'heartbeat'] as const) {
  test(`a page closed for ${kind} keeps its session and catches up on its reconnect, nothing missing`, async (t) => {
    const causes: string[] = [];
    const s = await start(t, {
      recovery: true,
      ...(kind === 'backpressure' ? { maxBufferedBytes: 64 * 1024 } : { pingIntervalMs: 100 }),
      onConnection: (ctx) => ctx.join('lobby'),
      onClose: (_ctx, _code, _reason, info) => void causes.push(info.cause),
    });
    const a = await recoveringClient(s.url);
    s.hub.toRoom('lobby', '<p>m0</p>');
    await until(() => a.texts.length === 1);
    const last = stamped(a.texts)[0]!.p;
    deafen(a.ws);
    const body = 'x'.repeat(1024);
    let sent = 1;
    // Backpressure: sent until the buffer passes the mark; heartbeat: sent while the pings go unanswered.
    while (s.hub.clients.size > 0) {
      s.hub.toRoom('lobby', `<p>m${sent++}</p><!--${body}-->`);
      await new Promise((r) => setTimeout(r, kind === 'backpressure' ? 0 : 20));
    }
    await until(() => causes.length === 1, 5000).catch((e: Error) => {
      throw new Error(`${e.message}: causes ${causes.join()}, sent ${sent}`);
    });
    assert.deepEqual(causes, [kind]);
    for (let i = 0; i < 5; i++) s.hub.toRoom('lobby', `<p>m${sent++}</p><!--${body}-->`); // and some after the close
    a.ws.terminate();
    const b = await recoveringClient(s.url, { session: a.answer.id, position: last });
    assert.equal(b.answer.recovered, true);
    await until(() => b.texts.length === sent - 1, 5000).catch((e: Error) => {
      throw new Error(`${e.message}: ${b.texts.length} of ${sent - 1}`);
    });
    assert.deepEqual(
      stamped(b.texts).map((m) => /^<p>(m\d+)<\/p>/.exec(m.body)![1]),
      Array.from({ length: sent - 1 }, (_, i) => `m${i + 1}`),
    );
    b.ws.close();
  });
}
