/// <reference types="node" />
// Authentication: `authenticate(req)` before the upgrade (refusals as plain HTTP answers, its
// deadline), `ctx.user`, recovery sessions and chunked uploads bound to the identity, and
// `ctx.expire()`'s close code.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { CLOSE_EXPIRED, takeRecoveryControls } from '../../src/protocol.js';
import { refuseUpgrade, UpgradeRefusedError, type CloseInfo, type HxWsContext, type HxWsFile } from '../../src/server/index.js';
import { MemoryRecoveryStore } from '../../src/server/recovery/memory-store.js';
import { UploadStore } from '../../src/server/uploads/upload-store.js';
import { closed, connect, start } from './server-helpers.js';
import { recoveringClient, until } from './support/recovering.js';

/** The token of the URL's `token` query parameter, as a test `authenticate` reads it. */
function tokenOf(url: string | undefined): string | null {
  return new URL(url ?? '/', 'http://x').searchParams.get('token');
}

/** The HTTP status an upgrade was refused with (from ws's "Unexpected server response: N"). */
async function refusedWith(url: string): Promise<number> {
  const error = await connect(url).then(
    (ws) => {
      ws.close();
      return new Error('the upgrade was accepted');
    },
    (e: Error) => e,
  );
  const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
  assert.ok(status, `refused with an HTTP status, got: ${error.message}`);
  return Number(status);
}

test('an upgrade without credentials gets a 401 before any socket exists, the reason to onError only', async (t) => {
  let calls = 0;
  const s = await start(t, {
    authenticate: (req) => {
      calls += 1;
      return tokenOf(req.url) ?? refuseUpgrade(401, 'no token in the URL');
    },
  });
  let sockets = 0;
  s.hub.wss.on('connection', () => (sockets += 1));
  assert.equal(await refusedWith(s.url), 401);
  assert.equal(calls, 1);
  assert.equal(sockets, 0, 'ws never made a socket');
  assert.equal(s.hub.clients.size, 0);
  assert.equal(s.connections.length, 0, 'onConnection never ran');
  assert.equal(s.errors.length, 1);
  const error = s.errors[0]!;
  assert.ok(error instanceof UpgradeRefusedError);
  assert.equal(error.status, 401);
  assert.match(error.message, /refused \(401\) by authenticate: no token in the URL/);
  // The same server takes a request that has one, and the identity is ctx.user.
  const ws = await connect(`${s.url}?token=ann`);
  await until(() => s.connections.length === 1);
  assert.equal(s.connections[0]!.user, 'ann');
  ws.close();
});

test('authenticate may be async: its identity is ctx.user; 403, a falsy answer and a throw are refused', async (t) => {
  const s = await start(t, {
    authenticate: async (req) => {
      await new Promise((r) => setTimeout(r, 20));
      const token = tokenOf(req.url);
      if (token === 'banned') throw refuseUpgrade(403, 'banned user');
      if (token === 'bug') throw new Error('database down');
      if (token === null) return null;
      return { id: token, name: token.toUpperCase() };
    },
  });
  assert.equal(await refusedWith(`${s.url}?token=banned`), 403);
  assert.equal(await refusedWith(`${s.url}?token=bug`), 500);
  assert.equal(await refusedWith(s.url), 401);
  assert.deepEqual(
    s.errors.map((e) => (e as UpgradeRefusedError).status),
    [403, 500, 401],
  );
  assert.match(s.errors[1]!.message, /authenticate threw: database down/);
  assert.ok(s.errors[1]!.cause instanceof Error, 'the thrown error is the cause');
  const ws = await connect(`${s.url}?token=bob`);
  await until(() => s.connections.length === 1);
  assert.deepEqual(s.connections[0]!.user, { id: 'bob', name: 'BOB' });
  ws.close();
});

test('authenticate that does not answer within authenticateTimeoutMs: 503, and no socket', async (t) => {
  const s = await start(t, { authenticate: () => new Promise(() => {}), authenticateTimeoutMs: 150 });
  const t0 = Date.now();
  assert.equal(await refusedWith(s.url), 503);
  const took = Date.now() - t0;
  assert.ok(took >= 140 && took < 2000, `refused after the deadline (${took} ms)`);
  assert.equal(s.hub.clients.size, 0);
  assert.match(s.errors[0]!.message, /authenticateTimeoutMs \(150 ms\)/);
});

test('a client that leaves while authenticate runs: no socket, no error', async (t) => {
  let release!: () => void;
  const s = await start(t, { authenticate: () => new Promise((r) => (release = () => r('ann'))) });
  const ws = new WebSocket(s.url);
  ws.on('error', () => {});
  await until(() => release !== undefined);
  ws.terminate();
  await new Promise((r) => setTimeout(r, 50));
  release();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.hub.clients.size, 0);
  assert.equal(s.connections.length, 0);
  assert.deepEqual(s.errors, []);
});

/** A recovering client whose URL carries `token`. */
const recovering = (url: string, token: string, offer: { session?: string; position?: string } = {}) => recoveringClient(url, offer, `&token=${token}`);

test("user B offering user A's session id gets a fresh session and nothing of A's; A still resumes it", async (t) => {
  const contexts: HxWsContext[] = [];
  const handled: string[] = [];
  const s = await start(t, {
    recovery: true,
    authenticate: (req) => ({ id: tokenOf(req.url) }),
    onConnection: (ctx) => {
      contexts.push(ctx);
      if (!ctx.recovered) ctx.join(`inbox-${(ctx.user as { id: string }).id}`);
    },
    handler: (request, ctx) => void handled.push(`${(ctx.user as { id: string }).id}:${request.headers['HX-Request-Id']}`),
  });
  const a = await recovering(s.url, 'ann');
  assert.equal(a.answer.recovered, false);
  const ctxA = contexts[0]!;
  ctxA.data.secret = 'ann-only';
  const request = JSON.stringify({ HEADERS: { 'HX-Request-Id': 'r1' }, v: 1 });
  a.ws.send(request);
  await until(() => handled.length === 1);
  s.hub.toRoom('inbox-ann', '<p>before</p>');
  await until(() => a.texts.length === 2); // the ack and the message
  const position = takeRecoveryControls(a.texts[1]!).position!;
  a.ws.terminate();
  await until(() => s.hub.clients.size === 0);
  s.hub.toRoom('inbox-ann', '<p>for ann 1</p>');
  ctxA.send('<p>for ann 2</p>');

  const b = await recovering(s.url, 'bob', { session: a.answer.id, position });
  assert.equal(b.answer.recovered, false, 'not recovered');
  assert.notEqual(b.answer.id, a.answer.id, 'a session of its own');
  const ctxB = contexts[1]!;
  assert.equal(ctxB.recovered, false);
  assert.deepEqual([...ctxB.rooms], ['inbox-bob'], "not in A's rooms");
  assert.equal(ctxB.data.secret, undefined, "not A's data");
  // A's request id is B's own to use: B's session has not had it.
  b.ws.send(request);
  await until(() => handled.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(
    b.texts.every((text) => !text.includes('for ann')),
    `nothing of A's: ${JSON.stringify(b.texts)}`,
  );

  // A itself resumes its session and gets what it missed.
  const a2 = await recovering(s.url, 'ann', { session: a.answer.id, position });
  assert.equal(a2.answer.recovered, true);
  assert.equal(a2.answer.id, a.answer.id);
  await until(() => a2.texts.length === 2);
  assert.deepEqual(
    a2.texts.map((text) => takeRecoveryControls(text).rest),
    ['<p>for ann 1</p>', '<p>for ann 2</p>'],
  );
  assert.deepEqual(handled, ['ann:r1', 'bob:r1']);
  b.ws.close();
  a2.ws.close();
});

test('the memory store: a session opened under an identity is not resumed under another or none, nor the other way round', () => {
  const store = new MemoryRecoveryStore('s1');
  const position = store.position();
  const owned = store.resume({ position }, 'c1', 's:ann');
  store.keep(owned.session, 'c1', [], {});
  assert.notEqual(store.resume({ session: owned.session.id, position }, 'c2', undefined).session.id, owned.session.id, 'none');
  assert.notEqual(store.resume({ session: owned.session.id, position }, 'c3', 's:bob').session.id, owned.session.id, 'another');
  const back = store.resume({ session: owned.session.id, position }, 'c4', 's:ann');
  assert.equal(back.session.id, owned.session.id, 'the same user');
  assert.equal(back.recovered, true);
  const anonymous = store.resume({ position }, 'c5');
  store.keep(anonymous.session, 'c5', [], {});
  assert.notEqual(store.resume({ session: anonymous.session.id, position }, 'c6', 's:ann').session.id, anonymous.session.id);
});

test("chunked uploads are kept per user: B's resume of A's upload id starts B's own, A's stays", () => {
  const store = new UploadStore(undefined, 60_000);
  const file = (resume: boolean): HxWsFile =>
    ({ field: 'f', serialization: 'file/oob-chunked', name: 'a.bin', type: '', size: 10, lastModified: 0, uploadId: 'u'.repeat(22), resume, bytes: Buffer.alloc(0) }) as HxWsFile;
  const ctx = {} as HxWsContext;
  const ownerA = {};
  const opened = store.open(file(false), ownerA, ctx, 's:ann');
  assert.ok('upload' in opened);
  opened.upload.write(Buffer.alloc(4));
  store.park(opened.upload);
  const byB = store.open(file(true), {}, ctx, 's:bob');
  assert.ok('upload' in byB);
  assert.deepEqual(byB.status, { id: 'u'.repeat(22), received: 0, state: 'lost' }, 'B starts from nothing');
  assert.equal(store.size, 2, "A's upload is still kept");
  const byA = store.open(file(true), {}, ctx, 's:ann');
  assert.ok('upload' in byA);
  assert.deepEqual(byA.status, { id: 'u'.repeat(22), received: 4, state: 'partial' }, 'A resumes its own');
  store.close();
});

test('ctx.expire() closes with 4401 "credentials expired" after the queued requests; onClose says expired', async (t) => {
  const infos: CloseInfo[] = [];
  const s = await start(t, {
    authenticate: (req) => tokenOf(req.url),
    handler: (request, ctx) => {
      ctx.send('<p>handled</p>');
      if (request.values.expire) ctx.expire();
    },
    onClose: (_ctx, _code, _reason, info) => void infos.push(info),
  });
  const ws = await connect(`${s.url}?token=ann`);
  const texts: string[] = [];
  ws.on('message', (data) => texts.push(String(data)));
  const done = closed(ws);
  ws.send(JSON.stringify({ expire: true }));
  const { code, reason } = await done;
  assert.equal(code, CLOSE_EXPIRED);
  assert.equal(code, 4401);
  assert.equal(reason, 'credentials expired');
  assert.deepEqual(texts, ['<p>handled</p>']);
  await until(() => infos.length === 1);
  assert.equal(infos[0]!.cause, 'expired');
});
