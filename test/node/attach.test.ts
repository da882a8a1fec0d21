/// <reference types="node" />
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import {
  attachHxWs,
  closeReason,
  HookError,
  html,
  ProtocolError,
  UpgradeRefusedError,
  type HxWsAdapter,
  type HxWsContext,
  type HxWsRequest,
} from '../../src/server/index.js';
import { json, oobFile, textFile } from './helpers.js';
import { closed, connect, deferred, nextMessage, start, type Options } from './server-helpers.js';

describe('attachHxWs: requests and replies', () => {
  it('hands a request with oob files to the handler whole, and ctx.send reaches the client', async (t) => {
    const got = deferred<HxWsRequest>();
    const { url, origin } = await start(t, {
      handler: (request, ctx) => {
        got.resolve(request);
        ctx.send(html`<div id="status">${request.files.length} files, ${String(request.values.msg)}</div>`);
      },
    });
    const client = await connect(url, origin);
    const reply = nextMessage(client);
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    client.send(json({ msg: '<hi>', photo: oobFile('p.bin', 256, 0), doc: oobFile('d.txt', 3, 1), note: textFile('n.txt', 'note') }));
    client.send(bytes);
    client.send(Buffer.from('doc'));
    const request = await got.promise;
    assert.equal(request.values.msg, '<hi>');
    assert.equal(request.headers['HX-Request'], 'true');
    assert.deepEqual(request.files.map((f) => f.bytes.toString('hex')), [bytes.toString('hex'), Buffer.from('doc').toString('hex'), Buffer.from('note').toString('hex')]);
    assert.equal(await reply, '<div id="status">3 files, &lt;hi&gt;</div>');
    client.close();
  });

  it('runs onConnection first, then handlers one at a time in order; ctx.data persists', async (t) => {
    const gate = deferred();
    const started: string[] = [];
    const firstStarted = deferred();
    const secondStarted = deferred();
    const { url, origin, hub } = await start(t, {
      onConnection: async (ctx) => {
        await Promise.resolve();
        ctx.data.user = 'ann';
      },
      handler: async (request, ctx) => {
        started.push(`${String(request.values.n)}:${String(ctx.data.user)}`);
        if (request.values.n === '1') {
          firstStarted.resolve();
          await gate.promise;
        } else secondStarted.resolve();
      },
    });
    const frames = deferred();
    let seen = 0;
    // Our own listener is added after attachHxWs's, so it runs after the frame was decoded.
    hub.wss.on('connection', (ws) => ws.on('message', () => ++seen === 2 && frames.resolve()));
    const client = await connect(url, origin);
    client.send(json({ n: '1' }));
    client.send(json({ n: '2' }));
    await Promise.all([firstStarted.promise, frames.promise]);
    assert.deepEqual(started, ['1:ann'], 'request 2 waits for request 1');
    gate.resolve();
    await secondStarted.promise;
    assert.deepEqual(started, ['1:ann', '2:ann']);
    client.close();
  });

  it('reports a throwing handler as HookError and keeps the connection', async (t) => {
    const { url, origin, errors } = await start(t, {
      handler: (request, ctx) => {
        if (request.values.boom) throw new Error('kaput');
        ctx.send('<p id="ok">ok</p>');
      },
    });
    const client = await connect(url, origin);
    const reply = nextMessage(client);
    client.send(json({ boom: '1' }));
    client.send(json({}));
    assert.equal(await reply, '<p id="ok">ok</p>');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof HookError);
    assert.equal(errors[0].hook, 'handler');
    assert.match(errors[0].message, /handler threw: kaput/);
    assert.equal(client.readyState, WebSocket.OPEN);
    client.close();
  });

  it('acks a request carrying HX-Request-Id after the handler was called, escaping the id', async (t) => {
    const gate = deferred();
    const order: string[] = [];
    const { url, origin } = await start(t, {
      handler: async (request, ctx) => {
        order.push(`handler ${String(request.values.n)}`);
        ctx.send(`<p id="r${String(request.values.n)}"></p>`);
        if (request.values.n === '1') await gate.promise; // the ack does not wait for this
      },
    });
    const client = await connect(url, origin);
    client.send(JSON.stringify({ n: '1', HEADERS: { 'HX-Request-Id': 'a"<&>\'1' } }));
    assert.equal(await nextMessage(client), '<p id="r1"></p>', 'what the handler sends synchronously comes first');
    assert.equal(await nextMessage(client), '<hx-ws-ack id="a&quot;&lt;&amp;&gt;&#39;1"></hx-ws-ack>');
    gate.resolve();
    client.send(JSON.stringify({ n: '2', HEADERS: { 'hx-request-id': 'p-2' } }));
    client.send(JSON.stringify({ n: '3', HEADERS: { 'HX-Request-Id': '' } }));
    client.send(JSON.stringify({ n: '4' }));
    const rest = [await nextMessage(client), await nextMessage(client), await nextMessage(client), await nextMessage(client)];
    assert.deepEqual(rest, ['<p id="r2"></p>', '<hx-ws-ack id="p-2"></hx-ws-ack>', '<p id="r3"></p>', '<p id="r4"></p>'], 'no ack without an id');
    assert.deepEqual(order, ['handler 1', 'handler 2', 'handler 3', 'handler 4']);
    client.close();
  });

  it('acks a request whose handler throws (it was delivered), and not at all with ack: false', async (t) => {
    const { url, origin, errors } = await start(t, {
      handler: () => {
        throw new Error('kaput');
      },
    });
    const client = await connect(url, origin);
    client.send(JSON.stringify({ HEADERS: { 'HX-Request-Id': 'x-1' } }));
    assert.equal(await nextMessage(client), '<hx-ws-ack id="x-1"></hx-ws-ack>');
    assert.ok(errors[0] instanceof HookError);
    client.close();

    const quiet = await start(t, { ack: false, handler: (request, ctx) => void ctx.send(`<p>${String(request.values.n)}</p>`) });
    const other = await connect(quiet.url, quiet.origin);
    other.send(JSON.stringify({ n: '1', HEADERS: { 'HX-Request-Id': 'x-1' } }));
    other.send(JSON.stringify({ n: '2', HEADERS: { 'HX-Request-Id': 'x-2' } }));
    assert.deepEqual([await nextMessage(other), await nextMessage(other)], ['<p>1</p>', '<p>2</p>']);
    other.close();
  });

  it('broadcast reaches every client, except the one named', async (t) => {
    const { url, origin, hub } = await start(t, {
      handler: (request, ctx) => {
        const count = ctx.broadcast(`<p id="b">${String(request.values.text)}</p>`, request.values.skipMe ? { except: ctx } : {});
        ctx.send(`<p id="count">${count}</p>`);
      },
    });
    const clients = await Promise.all([1, 2, 3].map(() => connect(url, origin)));
    const [a, b, c] = clients as [WebSocket, WebSocket, WebSocket];
    assert.equal(hub.clients.size, 3);
    let messages = clients.map(nextMessage);
    a.send(json({ text: 'one' }));
    assert.deepEqual(await Promise.all(messages), ['<p id="b">one</p>', '<p id="b">one</p>', '<p id="b">one</p>']);
    assert.equal(await nextMessage(a), '<p id="count">3</p>');

    messages = [b, c].map(nextMessage);
    const aNext = nextMessage(a);
    a.send(json({ text: 'two', skipMe: '1' }));
    assert.deepEqual(await Promise.all(messages), ['<p id="b">two</p>', '<p id="b">two</p>']);
    assert.equal(await aNext, '<p id="count">2</p>', 'the sender got its count, not the broadcast');

    messages = clients.map(nextMessage);
    assert.equal(hub.broadcast('<p id="b">server</p>'), 3);
    assert.deepEqual(await Promise.all(messages), Array(3).fill('<p id="b">server</p>'));
    for (const client of clients) client.close();
  });

  it('rooms: join, toRoom, leave, and leaving on close', async (t) => {
    const closedCtx = deferred<HxWsContext>();
    const { url, origin, hub } = await start(t, {
      handler: (request, ctx) => {
        const { join, leave, say } = request.values as Record<string, string | undefined>;
        if (join) ctx.join(join);
        if (leave) ctx.leave(leave);
        if (say) ctx.toRoom('red', `<p id="room">${say}</p>`);
        ctx.send(`<p id="ack">${[...ctx.rooms].join(',')}</p>`);
      },
      onClose: (ctx) => closedCtx.resolve(ctx),
    });
    const [a, b, c] = (await Promise.all([1, 2, 3].map(() => connect(url, origin)))) as [WebSocket, WebSocket, WebSocket];
    for (const ws of [a, b]) {
      const ack = nextMessage(ws);
      ws.send(json({ join: 'red' }));
      assert.equal(await ack, '<p id="ack">red</p>');
    }
    const [toA, toB, toC] = [a, b, c].map(nextMessage);
    c.send(json({ say: 'hello' }));
    assert.equal(await toA, '<p id="room">hello</p>');
    assert.equal(await toB, '<p id="room">hello</p>');
    assert.equal(await toC, '<p id="ack"></p>', 'c is not in the room: its first message is its ack');

    const leftAck = nextMessage(a);
    a.send(json({ leave: 'red' }));
    assert.equal(await leftAck, '<p id="ack"></p>');
    const toB2 = nextMessage(b);
    assert.equal(hub.toRoom('red', '<p id="room">only b</p>'), 1);
    assert.equal(await toB2, '<p id="room">only b</p>');

    b.close();
    const ctx = await closedCtx.promise;
    assert.equal(ctx.rooms.size, 0);
    assert.equal(hub.toRoom('red', '<p id="room">nobody</p>'), 0);
    assert.equal(ctx.send('<p>late</p>'), false, 'send on a closed socket is refused');
    a.close();
    c.close();
  });

  it('close() closes every client with 1012 (service restart), so pages come back', async (t) => {
    const { url, origin, hub } = await start(t);
    const client = await connect(url, origin);
    const done = closed(client);
    await hub.close();
    assert.equal((await done).code, 1012);
    assert.equal(hub.clients.size, 0);
  });

  it('close(1001) closes with the code given, for a shutdown with no return', async (t) => {
    const { url, origin, hub } = await start(t);
    const client = await connect(url, origin);
    const done = closed(client);
    await hub.close(1001, 'bye');
    const e = await done;
    assert.deepEqual([e.code, e.reason], [1001, 'bye']);
  });

  it('an adapter option gets joins, broadcasts, room messages and close()', async (t) => {
    const calls: string[] = [];
    const recording: HxWsAdapter = {
      start: (host) => void calls.push(`start ${host.serverId.length}`),
      publish: (message) => void calls.push(`publish ${message.room ?? '*'} ${message.html}`),
      presence: (room, count) => void calls.push(`presence ${room ?? '*'} ${count}`),
      count: () => Promise.resolve(42),
      close: async () => void calls.push('close'),
    };
    const { url, origin, hub } = await start(t, {
      adapter: recording,
      handler: (_request, ctx) => {
        ctx.join('r');
        ctx.toRoom('r', '<p id="x">room</p>');
      },
    });
    const client = await connect(url, origin);
    const got = nextMessage(client);
    client.send(json({}));
    assert.equal(await got, '<p id="x">room</p>');
    assert.equal(hub.broadcast('<p id="x">all</p>'), 1);
    assert.equal(await hub.count('r'), 42);
    await hub.close();
    assert.deepEqual(calls, [
      'start 12',
      'presence * 1',
      'presence r 1',
      'publish r <p id="x">room</p>',
      'publish * <p id="x">all</p>',
      'presence r 0',
      'presence * 0',
      'close',
    ]);
  });
});

describe('attachHxWs: upgrade handling', () => {
  it('refuses a foreign Origin with 403 before any hook runs', async (t) => {
    const { url, requests, connections } = await start(t);
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1']) {
      await assert.rejects(connect(url, origin), /Unexpected server response: 403/);
    }
    assert.equal(connections.length, 0);
    assert.equal(requests.length, 0);
  });

  it('accepts the same origin (case and default port aside) and, by default, no Origin', async (t) => {
    const { url, port, connections } = await start(t);
    (await connect(url, `http://127.0.0.1:${port}`)).close();
    (await connect(url, `HTTP://127.0.0.1:${port}`)).close();
    (await connect(url)).close();
    assert.equal(connections.length, 3);
  });

  it('allowMissingOrigin: false refuses a request without Origin', async (t) => {
    const { url, origin } = await start(t, { allowMissingOrigin: false });
    await assert.rejects(connect(url), /Unexpected server response: 403/);
    (await connect(url, origin)).close();
  });

  it('an origins allow-list lets listed origins in and replaces the same-origin rule', async (t) => {
    const { url, origin } = await start(t, { origins: ['https://app.example'] });
    (await connect(url, 'https://APP.example:443')).close();
    await assert.rejects(connect(url, 'https://other.example'), /403/);
    await assert.rejects(connect(url, 'http://app.example'), /403/);
    await assert.rejects(connect(url, origin), /403/);
  });

  it('an origins function decides per request', async (t) => {
    const seen: Array<string | undefined> = [];
    const { url } = await start(t, { origins: (o) => (seen.push(o), o === 'https://ok.example') });
    (await connect(url, 'https://ok.example')).close();
    await assert.rejects(connect(url), /403/);
    assert.deepEqual(seen, ['https://ok.example', undefined]);
  });

  it('refuses an origins entry that is not an origin', () => {
    assert.throws(() => attachHxWs(createServer(), { origins: ['*'], handler: () => {} }), TypeError);
  });

  it('tells onError (no ctx) which Origin was refused and how to allow it', async (t) => {
    const seen: Array<[Error, HxWsContext | undefined]> = [];
    const { url, port } = await start(t, { onError: (error, ctx) => void seen.push([error, ctx]) });
    await assert.rejects(connect(url, 'http://localhost:8000'), /403/);
    assert.equal(seen.length, 1);
    const [error, ctx] = seen[0]!;
    assert.equal(ctx, undefined);
    assert.ok(error instanceof UpgradeRefusedError);
    assert.deepEqual([error.status, error.path, error.origin, error.host], [403, '/ws', 'http://localhost:8000', `127.0.0.1:${port}`]);
    assert.equal(
      error.message,
      `upgrade to /ws refused (403): Origin "http://localhost:8000" is not the server's own (Host 127.0.0.1:${port}); ` +
        'add it to attachHxWs({ origins: [...] }) to allow it',
    );
  });

  it('names the rule that refused an upgrade: the origins list, the function, a missing Origin, the Host', async (t) => {
    const listed = await start(t, { origins: ['https://app.example'] });
    await assert.rejects(connect(listed.url, 'https://other.example'), /403/);
    assert.match(listed.errors[0]!.message, /Origin "https:\/\/other.example" is not in attachHxWs\(\{ origins \}\)/);
    const decided = await start(t, { origins: () => false });
    await assert.rejects(connect(decided.url, 'https://x.example'), /403/);
    assert.match(decided.errors[0]!.message, /the origins function refused Origin "https:\/\/x.example"/);
    const strict = await start(t, { allowMissingOrigin: false });
    await assert.rejects(connect(strict.url), /403/);
    assert.match(strict.errors[0]!.message, /no Origin header and allowMissingOrigin is false/);
    const pinned = await start(t, { allowedHosts: ['app.example'] });
    await assert.rejects(connect(pinned.url, pinned.origin), /403/);
    assert.match(pinned.errors[0]!.message, new RegExp(`Host "127\\.0\\.0\\.1:${pinned.port}" is not in attachHxWs\\(\\{ allowedHosts \\}\\)`));
  });

  it('answers 404 at once to an upgrade on another path when it is the only upgrade listener', async (t) => {
    const seen: Array<[Error, HxWsContext | undefined]> = [];
    const { url, origin, connections } = await start(t, { onError: (error, ctx) => void seen.push([error, ctx]) });
    const started = Date.now();
    await assert.rejects(connect(url.replace('/ws', '/wss'), origin), /Unexpected server response: 404/);
    assert.ok(Date.now() - started < 1000, 'not after the unclaimed wait');
    assert.equal(connections.length, 0);
    assert.equal(seen.length, 1);
    const [error, ctx] = seen[0]!;
    assert.equal(ctx, undefined);
    assert.ok(error instanceof UpgradeRefusedError);
    assert.deepEqual([error.status, error.path], [404, '/wss']);
    assert.equal(error.message, 'upgrade to /wss refused (404): no upgrade listener serves this path (attachHxWs serves /ws)');
  });

  it('answers 404 after unclaimedUpgradeMs when other listeners leave the upgrade unanswered', async (t) => {
    const { server, url, origin, errors } = await start(t, { unclaimedUpgradeMs: 100 });
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, () => {});
    });
    t.after(() => other.close());
    const started = Date.now();
    await assert.rejects(connect(url.replace('/ws', '/nobody'), origin), /404/);
    assert.ok(Date.now() - started >= 90, 'waited for other listeners first');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /^upgrade to \/nobody refused \(404\)/);
    const answered = await connect(url.replace('/ws', '/other'), origin);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(answered.readyState, WebSocket.OPEN, 'an upgrade another listener took is left alone');
    assert.equal(errors.length, 1);
    answered.close();
  });

  it('unclaimedUpgradeMs: null leaves unclaimed upgrades alone', async (t) => {
    const { server, url, origin, errors } = await start(t, { unclaimedUpgradeMs: null });
    const held: Duplex[] = [];
    server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => void held.push(socket)); // never answers
    const client = new WebSocket(url.replace('/ws', '/nobody'), { origin });
    let outcome = 'pending';
    client.once('error', (e) => (outcome = e.message));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(outcome, 'pending');
    assert.equal(client.readyState, WebSocket.CONNECTING);
    assert.equal(errors.length, 0);
    client.terminate();
    for (const socket of held) socket.destroy();
  });

  it('leaves other upgrade paths to other listeners; matches its path with a query string', async (t) => {
    const { server, url, origin, connections } = await start(t);
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url !== '/other') return;
      other.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`echo ${String(data)}`)));
    });
    t.after(() => other.close());
    const client = await connect(url.replace('/ws', '/other'), origin);
    const echo = nextMessage(client);
    client.send('x');
    assert.equal(await echo, 'echo x');
    assert.equal(connections.length, 0, 'hx-ws did not touch /other');
    client.close();
    (await connect(`${url}?token=abc`, origin)).close();
    assert.equal(connections.length, 1);
  });

  it('a predicate path chooses which upgrades are served', async (t) => {
    const { url, origin, connections } = await start(t, { path: (p) => p.startsWith('/rooms/') });
    (await connect(url.replace('/ws', '/rooms/7'), origin)).close();
    assert.equal(connections.length, 1);
    assert.equal(connections[0]!.req.url, '/rooms/7');
  });
});

describe('attachHxWs: protocol violations', () => {
  async function violate(t: TestContext, options: Options, send: (ws: WebSocket) => void) {
    const closedOnServer = deferred<number>();
    const env = await start(t, { ...options, onClose: (_ctx, code) => closedOnServer.resolve(code) });
    const client = await connect(env.url, env.origin);
    const done = closed(client);
    send(client);
    const result = await done;
    assert.ok(Buffer.byteLength(result.reason) <= 123);
    const serverCode = await closedOnServer.promise;
    assert.equal(env.requests.length, 0, 'handler never called');
    assert.equal(env.errors.length, 1, 'onError called once');
    return { ...result, serverCode, error: env.errors[0]! };
  }

  it('a binary frame with nothing pending closes with 1003', async (t) => {
    const { code, reason, error, serverCode } = await violate(t, {}, (ws) => ws.send(Buffer.from([1, 2])));
    assert.equal(code, 1003);
    assert.equal(serverCode, 1003, 'onClose sees the code too');
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.kind, 'unexpected-binary');
    assert.match(reason, /binary frame/);
  });

  it('too many files closes with 1008', async (t) => {
    const { code, error } = await violate(t, { limits: { maxFiles: 1 } }, (ws) =>
      ws.send(json({ a: textFile('a', 'a'), b: textFile('b', 'b') })),
    );
    assert.equal(code, 1008);
    assert.equal((error as ProtocolError).kind, 'too-many-files');
  });

  it('a text frame over maxTextFrameBytes (under maxPayload) closes with 1009 from the decoder', async (t) => {
    const { code, error } = await violate(t, { limits: { maxTextFrameBytes: 100, maxFileBytes: 1000 } }, (ws) =>
      ws.send(json({ s: 'x'.repeat(200) })),
    );
    assert.equal(code, 1009);
    assert.equal((error as ProtocolError).kind, 'frame-too-large');
  });

  it('a frame over maxPayload is cut off by ws with 1009', async (t) => {
    const { code, error, serverCode } = await violate(t, { limits: { maxTextFrameBytes: 100, maxFileBytes: 1000 } }, (ws) =>
      ws.send(Buffer.alloc(5000)),
    );
    assert.equal(code, 1009);
    // ws stops reading after such an error, so the server never sees the client's close frame.
    assert.equal(serverCode, 1006);
    assert.match(error.message, /max payload/i);
  });

  it('oob frames that never come close with 1008', async (t) => {
    const { code, error } = await violate(t, { limits: { oobTimeoutMs: 50 } }, (ws) => ws.send(json({ f: oobFile('x', 1, 0) })));
    assert.equal(code, 1008);
    assert.equal((error as ProtocolError).kind, 'oob-timeout');
  });

  it('a long error message is cut to a valid close reason', () => {
    const reason = closeReason(`field ${'é'.repeat(200)}`);
    assert.ok(Buffer.byteLength(reason) <= 123);
    assert.ok(reason.endsWith('...'));
    assert.equal(closeReason('short'), 'short');
  });
});

describe('attachHxWs: a socket closing mid-request', () => {
  for (const how of ['close', 'terminate'] as const) {
    it(`delivers nothing of the unfinished request (${how})`, async (t) => {
      const closedOnServer = deferred();
      const { url, origin, hub, requests, errors } = await start(t, { onClose: () => closedOnServer.resolve() });
      let seen = 0;
      const twoFrames = deferred();
      hub.wss.on('connection', (ws) => ws.on('message', () => ++seen === 3 && twoFrames.resolve()));
      const client = await connect(url, origin);
      client.send(json({ whole: 'yes' }));
      client.send(json({ a: oobFile('a', 1, 0), b: oobFile('b', 1, 1) }));
      client.send(Buffer.from('a'));
      await twoFrames.promise;
      client[how]();
      await closedOnServer.promise;
      assert.deepEqual(
        requests.map((r) => r.values),
        [{ whole: 'yes' }],
        'the earlier whole request only',
      );
      assert.equal(errors.filter((e) => e instanceof ProtocolError).length, 0);
    });
  }
});
