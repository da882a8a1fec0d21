// A real `ws` server attached to the test runner's own HTTP server (same origin as the test
// page). Tests drive it through the `ws` server command (see test/support/server.ts):
// every channel records its connections and received frames, and can send, close, drop or
// refuse on demand. No fake WebSocket anywhere.
//
// Two kinds of endpoint share the channels:
// - `/ws/<channel>`: a bare `ws` server that records every frame (what the browser put on the wire);
// - `/hx/<channel>`: the project's real server helper (`attachHxWs` from src/server, loaded through
//   tsx), which records every request its handler got (what a server author would see) and acks
//   requests that carry HX-Request-Id. The demo's chat room is attached at `/chat`.
// - `/hxu/<channel>`: the server helper that forgets a dropped chunked upload at once.
// - `/hxr/<channel>`: the server helper with recovery on (a log of 200 messages); each connection
//   is in the room named after its channel, and one that was not recovered gets a snapshot.
// - `/hxrr/<channel>`: the same, across two processes' worth of servers: two `attachHxWs`, A and
//   B, each with its own Redis adapter on a throwaway redis-server started here (a stream of about
//   200 entries), and upgrades of a channel routed to A and B in turn, as a load balancer would.
//   Without redis-server these channels are absent (`redis` says why; under CI=true the server
//   does not start).
// The close / drop / refuse / send commands work on every kind.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tsImport } from 'tsx/esm/api';
import { WebSocketServer } from 'ws';

const KEEP_BYTES = 1 << 20; // frames up to 1 MiB are kept whole for exact comparison

function newChannel() {
  return {
    sockets: new Set(),
    total: 0,
    refuse: 0,
    /** `/ws/` only: while true, upgrades are kept unanswered (in `held`) until `hold(false)`. */
    hold: false,
    held: [],
    upgrades: [],
    frames: [],
    closes: [],
    echo: false,
    maxOpen: 0,
    /** socket → connection number (`/hx/`). */
    conns: new Map(),
    /** `/hx/` only: every request the real handler got, in order. */
    deliveries: [],
    /** `/hx/` only: numbered pushes, `{ n, conn }` per socket each went to. */
    pushed: [],
    /** `/hx/` only: a reply sent for each request (`{rid}` replaced), or null. */
    reply: null,
    /** `/hx/` only: chunked files' bytes as the disk sink got them; `killAt` / `slowMs` set by `upload`. */
    upload: { received: 0, files: 0, kills: 0, pausedWrites: 0, killAt: null, slowMs: 0 },
    /** `/hxr/` only: `ctx.recovered` of each connection, in order. */
    recoveries: [],
    /** `/hxrr/` only: which server (`a` or `b`) each upgrade was routed to, in order. */
    landed: [],
  };
}

/**
 * The `/hx/` server's sink for chunked files: the real disk sink, behind a writer that counts
 * the bytes per channel, can drop the socket once `killAt` bytes arrived, and can be slow.
 */
function channelSink(disk, c, file, ctx) {
  const inner = disk(file, ctx);
  const up = c.upload;
  up.files += 1;
  const raw = ctx.socket._socket;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk, _encoding, done) {
      up.received += chunk.length;
      if (up.killAt !== null && up.received >= up.killAt) {
        up.killAt = null;
        up.kills += 1;
        ctx.socket.terminate();
      }
      const go = () => {
        if (raw?.isPaused?.()) up.pausedWrites += 1;
        if (inner.write(chunk)) done();
        else inner.once('drain', () => done());
      };
      if (up.slowMs > 0) setTimeout(go, up.slowMs);
      else go();
    },
    final(done) {
      inner.end(() => done());
    },
    destroy(error, done) {
      // Without an error: the disk sink's stream then closes unfinished and removes its file.
      inner.destroy();
      done(error);
    },
  });
  // A write still on its way when the upload is dropped fails on the destroyed stream: that
  // error belongs to the wrapper (which the server listens to), not to the process.
  inner.on('error', (error) => sink.destroy(error));
  return sink;
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** What the `/hx/` handler records of one request: enough to check it arrived whole. */
function describeRequest(request, conn) {
  return {
    conn,
    rid: request.values.rid ?? null,
    requestId: request.headers['HX-Request-Id'] ?? null,
    values: Object.fromEntries(Object.entries(request.values).filter(([, v]) => typeof v === 'string' || Array.isArray(v) && v.every((x) => typeof x === 'string'))),
    files: request.files.map((f) => {
      // A chunked file in the disk sink: read back, then removed (the handler owns it).
      const bytes = f.path ? readFileSync(f.path) : f.bytes;
      if (f.path) rmSync(f.path, { force: true });
      return { field: f.field, name: f.name, serialization: f.serialization, size: f.size, length: bytes.length, sha256: sha256(bytes), path: Boolean(f.path) };
    }),
  };
}

function describeFrame(data, isBinary, conn) {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const frame = {
    conn,
    binary: isBinary,
    size: buf.length,
    sha256: sha256(buf),
  };
  if (buf.length <= KEEP_BYTES) {
    if (isBinary) frame.base64 = buf.toString('base64');
    else frame.text = buf.toString('utf8');
  }
  return frame;
}

function toWire(frame) {
  if (typeof frame === 'string') return [frame, { binary: false }];
  if (frame && typeof frame.base64 === 'string') return [Buffer.from(frame.base64, 'base64'), { binary: true }];
  if (frame && typeof frame.repeat === 'string') return [frame.repeat.repeat(frame.times), { binary: false }];
  throw new Error(`cannot send frame ${JSON.stringify(frame)}`);
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function wsTestServer({ prefix = '/ws/' } = {}) {
  /** @type {Map<string, ReturnType<typeof newChannel>>} */
  const channels = new Map();
  const channel = (name) => {
    let c = channels.get(name);
    if (!c) channels.set(name, (c = newChannel()));
    c.name = name;
    return c;
  };
  let wss;
  let hx;
  let hxr;
  let chat;
  let chatHx;
  let uploadDir;
  let hxForgetful;
  let nextConn = 1;
  /** `/hxrr/`: the two servers, the test Redis, a client to look at its stream, or why not. */
  const cluster = { servers: {}, redis: undefined, reader: undefined, missing: undefined };
  /** `/hxrr/`: the server each upgrade goes to, decided once per request. */
  const routes = new WeakMap();
  const routeOf = (req) => {
    let to = routes.get(req);
    if (!to) {
      const c = channelOf(req, '/hxrr/');
      to = c.landed.length % 2 === 0 ? 'a' : 'b';
      c.landed.push(to);
      routes.set(req, to);
    }
    return to;
  };
  /** How many entries the `/hxrr/` stream has had added. */
  const added = async () => {
    const info = await cluster.reader.call('XINFO', 'STREAM', 'hxws-browser:log').catch(() => []);
    return Number(info[info.indexOf('entries-added') + 1] ?? 0);
  };

  /** Records an upgrade; refuses it (503) while the channel's refuse count lasts. */
  const admit = (req, socket, c) => {
    c.upgrades.push({
      url: req.url,
      at: Date.now(),
      host: req.headers.host,
      origin: req.headers.origin ?? null,
      cookie: req.headers.cookie ?? null,
      protocol: req.headers['sec-websocket-protocol'] ?? null,
    });
    if (c.refuse <= 0) return true;
    c.refuse -= 1;
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return false;
  };

  const opened = (c, ws) => {
    c.total += 1;
    c.sockets.add(ws);
    c.maxOpen = Math.max(c.maxOpen, c.sockets.size);
  };

  const channelOf = (req, pathPrefix) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    return pathname.startsWith(pathPrefix) ? channel(pathname.slice(pathPrefix.length).split('/')[0]) : undefined;
  };

  /** `/hx/` upgrades refused by `refuse`; the helper's path predicate skips them. */
  const refused = new WeakSet();
  const onHxUpgrade = (req, socket) => {
    const c = channelOf(req, '/hx/') ?? channelOf(req, '/hxr/') ?? channelOf(req, '/hxu/') ?? channelOf(req, '/hxrr/');
    if (c && !admit(req, socket, c)) refused.add(req);
  };

  const onUpgrade = (req, socket, head) => {
    const c = channelOf(req, prefix);
    if (!c) return; // not ours (the runner's own /wds socket, /hx/, /chat)
    if (!admit(req, socket, c)) return;
    if (c.hold) c.held.push({ req, socket, head });
    else accept(req, socket, head, c);
  };

  const accept = (req, socket, head, c) => {
    const url = new URL(req.url, 'http://localhost');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = nextConn++;
      c.conns.set(ws, conn);
      opened(c, ws);
      ws.on('message', (data, isBinary) => {
        c.frames.push(describeFrame(data, isBinary, conn));
        if (c.echo && !isBinary) ws.send(data.toString());
      });
      ws.on('close', (code) => {
        c.sockets.delete(ws);
        c.closes.push({ conn, code });
      });
      const greet = url.searchParams.get('greet');
      if (greet) ws.send(greet);
      if (url.searchParams.get('echo') === '1') c.echo = true;
    });
  };

  /** `/hxrr/`: the test Redis and the two servers on it (see the top of this file). */
  const startCluster = async (server, hxChannel, attachHxWs) => {
    const { findRedisServer, startRedis, INSTALL_HINT } = await tsImport('../node/support/redis.ts', import.meta.url);
    if (!findRedisServer()) {
      cluster.missing = `redis-server not found: the browser tests of recovery through Redis are SKIPPED; ${INSTALL_HINT}`;
      if (process.env.CI === 'true') throw new Error(`CI=true but ${cluster.missing}`);
      return;
    }
    const { redisAdapter } = await tsImport('../../src/server/redis.ts', import.meta.url);
    const { Redis } = await import('ioredis');
    cluster.redis = await startRedis();
    cluster.reader = new Redis(cluster.redis.url);
    for (const name of ['a', 'b']) {
      const adapter = redisAdapter({ url: cluster.redis.url, prefix: 'hxws-browser', maxLen: 200, retryDelay: () => 50 });
      cluster.servers[name] = attachHxWs(server, {
        path: (pathname, req) => pathname.startsWith('/hxrr/') && !refused.has(req) && routeOf(req) === name,
        adapter,
        recovery: true,
        onAdapterStatus() {},
        onConnection(ctx) {
          const c = hxChannel(ctx, '/hxrr/');
          delete ctx.data.channel; // ctx.data is saved in Redis as JSON
          c.recoveries.push(ctx.recovered ?? null);
          ctx.join(c.name); // a no-op for a restored session
          if (!ctx.recovered) ctx.send(`<div id="snapshot" hx-swap-oob="true">snapshot ${c.recoveries.length}</div>`);
        },
        handler() {},
        onError() {},
      });
      await adapter.ready();
    }
  };

  const commands = {
    state(c) {
      return {
        open: c.sockets.size,
        maxOpen: c.maxOpen,
        total: c.total,
        upgrades: c.upgrades,
        closes: c.closes,
        frameCount: c.frames.length,
        deliveryCount: c.deliveries.length,
      };
    },
    deliveries(c, { from = 0 } = {}) {
      return c.deliveries.slice(from);
    },
    pushed(c) {
      return c.pushed;
    },
    /**
     * Sends `template` with `{i}` = start, start+1, ... to every open socket, recording each.
     * A socket the server has begun to close is still in `c.sockets` until its close completes,
     * but `ws` drops what is sent on it: it is skipped, so nothing is recorded as pushed that
     * never went out.
     */
    push(c, { start, count, template }) {
      for (const ws of c.sockets) {
        if (ws.readyState !== ws.OPEN) continue;
        for (let i = start; i < start + count; i++) {
          ws.send(template.replaceAll('{i}', String(i)));
          c.pushed.push({ n: i, conn: c.conns.get(ws) });
        }
      }
      return c.sockets.size;
    },
    /** Chunked uploads: `killAt` drops the socket once that many bytes arrived; `slowMs` per 64 KiB write. */
    upload(c, { killAt = null, slowMs = 0 }) {
      Object.assign(c.upload, { killAt, slowMs });
      return true;
    },
    uploadState(c) {
      return { ...c.upload, onDisk: readdirSync(uploadDir).length };
    },
    /** `/hxr/`: `toRoom(room ?? channel)` of `template` with `{i}` = start ... start+count-1. */
    roomcast(c, { start = 0, count, template, room }) {
      for (let i = start; i < start + count; i++) hxr.toRoom(room ?? c.name, template.replaceAll('{i}', String(i)));
      return count;
    },
    /** `/hxr/`: the log position a page rendered now resumes from. */
    position() {
      return hxr.position();
    },
    recoveries(c) {
      return c.recoveries;
    },
    /** `/hxrr/`: whether the Redis channels are there, and if not why. */
    redis() {
      return { available: !cluster.missing, reason: cluster.missing ?? null };
    },
    /** `/hxrr/`: where each upgrade of the channel went. */
    landed(c) {
      return c.landed;
    },
    /**
     * `/hxrr/`: `toRoom(channel)` on server `via` of `template` with `{i}` = start ...; resolves
     * once Redis has them all (the order of the stream is the order of delivery).
     */
    async redisRoomcast(c, { start = 0, count, template, via = 'a' }) {
      const before = await added();
      for (let i = start; i < start + count; i++) cluster.servers[via].toRoom(c.name, template.replaceAll('{i}', String(i)));
      const end = Date.now() + 5000;
      while ((await added()) < before + count) {
        if (Date.now() > end) throw new Error(`redisRoomcast: Redis did not get ${count} entries`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return count;
    },
    reply(c, { template = null }) {
      c.reply = template;
      return true;
    },
    /** Every `every`-th request given to the handler cuts the TCP connection before its ack. */
    dropAfterDelivery(c, { every = 0 }) {
      c.dropEvery = every;
      return true;
    },
    frames(c, { from = 0 } = {}) {
      return c.frames.slice(from);
    },
    send(c, { frames }) {
      const wire = frames.map(toWire);
      for (const ws of c.sockets) for (const [data, opts] of wire) ws.send(data, opts);
      return c.sockets.size;
    },
    flood(c, { count, template }) {
      // `{i}` in the template becomes the message number, 0-based.
      for (const ws of c.sockets) for (let i = 0; i < count; i++) ws.send(template.replaceAll('{i}', String(i)));
      return count;
    },
    close(c, { code = 1000, reason = '' }) {
      for (const ws of c.sockets) ws.close(code, reason);
      return true;
    },
    drop(c) {
      for (const ws of c.sockets) ws.terminate();
      return true;
    },
    /** Cuts the TCP connection of every tab of the demo's chat room (`/chat`; any channel name). */
    dropChat() {
      let n = 0;
      for (const ctx of chatHx?.clients ?? []) {
        ctx.socket.terminate();
        n += 1;
      }
      return n;
    },
    refuse(c, { count = 1 }) {
      c.refuse = count;
      return true;
    },
    /**
     * `on`: leave the channel's next upgrades unanswered (keep it under 3 s: the server helpers
     * on this server answer an unclaimed upgrade with 404 after that). `on: false` answers the
     * held upgrades whose socket the browser has not given up on yet.
     * @returns how many held upgrades were answered
     */
    hold(c, { on = true }) {
      c.hold = on;
      if (on) return 0;
      const held = c.held.splice(0);
      const live = held.filter(({ socket }) => !socket.destroyed);
      for (const { req, socket, head } of live) accept(req, socket, head, c);
      return live.length;
    },
    echo(c, { on = true }) {
      c.echo = on;
      return true;
    },
    reset(c) {
      for (const ws of c.sockets) ws.terminate();
      for (const { socket } of c.held) socket.destroy();
      channels.delete(c.name);
      return true;
    },
  };

  return {
    name: 'ws-test-server',
    async serverStart({ server }) {
      wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
      server.on('upgrade', onUpgrade);
      server.on('upgrade', onHxUpgrade); // before attachHxWs's own listener, so a refusal wins
      const { attachHxWs } = await tsImport('../../src/server/index.ts', import.meta.url);
      const { chatRoom } = await tsImport('../../demo/chat.ts', import.meta.url);
      const { diskSink } = await tsImport('../../src/server/index.ts', import.meta.url);
      uploadDir = mkdtempSync(join(tmpdir(), 'hx-ws-test-uploads-'));
      const disk = diskSink({ dir: uploadDir });
      /** Records a connection of a server helper on its channel. */
      const hxChannel = (ctx, prefix) => {
        const c = channelOf(ctx.req, prefix);
        ctx.data.channel = c;
        ctx.data.conn = nextConn++;
        c.conns.set(ctx.socket, ctx.data.conn);
        opened(c, ctx.socket);
        ctx.socket.on('close', (code) => {
          c.sockets.delete(ctx.socket);
          c.closes.push({ conn: ctx.data.conn, code });
        });
        return c;
      };
      const hxOptions = (prefix) => ({
        fileSink: (file, ctx) => channelSink(disk, ctx.data.channel, file, ctx),
        path: (pathname, req) => pathname.startsWith(prefix) && !refused.has(req),
        onConnection: (ctx) => void hxChannel(ctx, prefix),
        handler(request, ctx) {
          const c = ctx.data.channel;
          const record = describeRequest(request, ctx.data.conn);
          c.deliveries.push(record);
          if (c.reply) ctx.send(c.reply.replaceAll('{rid}', String(record.rid)));
          if (c.dropEvery && c.deliveries.length % c.dropEvery === 0) ctx.socket.terminate();
        },
        onError() {
          // Protocol errors close the socket with their code; the tests look at the code.
        },
      });
      hx = attachHxWs(server, hxOptions('/hx/'));
      // The same, but a chunked upload cut off by a drop is forgotten at once (`upload-restarted`).
      hxForgetful = attachHxWs(server, { ...hxOptions('/hxu/'), resumeWindowMs: 1 });
      // The server helper with recovery on: a log of 200 messages; each connection is in the room
      // named after its channel, and one that was not recovered gets a snapshot.
      hxr = attachHxWs(server, {
        ...hxOptions('/hxr/'),
        recovery: { maxLogMessages: 200 },
        onConnection(ctx) {
          const c = hxChannel(ctx, '/hxr/');
          c.recoveries.push(ctx.recovered ?? null);
          ctx.join(c.name); // a no-op for a restored session
          if (!ctx.recovered) {
            ctx.send(`<div id="snapshot" hx-swap-oob="true">snapshot ${c.recoveries.length}</div>`);
          }
        },
      });
      await startCluster(server, hxChannel, attachHxWs);
      chat = chatRoom();
      chatHx = chat.attach(server);
    },
    async serve(context) {
      // The demo chat room's uploaded files, as `npm start` serves them.
      if (!context.path.startsWith('/files/')) return undefined;
      const found = await chat?.file(context.path);
      if (!found) return undefined;
      for (const [name, value] of Object.entries(found.headers)) context.set(name, value);
      return { body: found.bytes, type: found.headers['Content-Type'] };
    },
    async serverStop() {
      for (const c of channels.values()) for (const ws of c.sockets) ws.terminate();
      for (const c of channels.values()) for (const { socket } of c.held) socket.destroy();
      await Promise.all([hx?.close(), hxForgetful?.close(), hxr?.close(), chat?.close(), ...Object.values(cluster.servers).map((x) => x.close()), new Promise((resolve) => wss?.close(() => resolve()))]);
      cluster.reader?.disconnect();
      await cluster.redis?.stop();
      if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
    },
    async executeCommand({ command, payload }) {
      if (command !== 'ws') return undefined;
      const { channel: name, action, ...args } = payload;
      const fn = commands[action];
      if (!fn) throw new Error(`ws test server: unknown action ${action}`);
      const c = channel(name);
      c.name = name;
      return fn(c, args) ?? null;
    },
  };
}
