// Recovery after a drop: N clients in one room lose their connection, M messages are sent to the
// room while they are down for D ms, then they all reconnect. Measured per contender: the time
// from the reconnect until every client has every message, and the bytes the server wrote on the
// new connections. Contenders: hx-ws-elements' recovery (attachHxWs({ recovery }), clients
// speaking docs/protocol.md 5a over `ws`) and Socket.IO's connection state recovery (its
// in-memory adapter: its Redis pub/sub adapter does not support recovery), both on loopback in
// this one process, clients included (so figures include the clients' own CPU).
//
//   node bench/recovery.mjs [--clients 100] [--messages 1000] [--down 5000] [--rounds 3]
import { once } from 'node:events';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    messages: { type: 'string', default: '1000' },
    down: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
  },
});
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const DOWN_MS = Number(values.down);
const ROUNDS = Number(values.rounds);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const body = (i) => `<div id="log" hx-swap-oob="beforeend"><p>message ${i} of the room, a line of chat text</p></div>`;

/** An HTTP server on loopback that counts the bytes written on each TCP connection it accepts. */
async function countingServer() {
  const server = createServer();
  const sockets = new Set();
  server.on('connection', (s) => sockets.add(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, sockets, port: server.address().port };
}

async function until(check, ms, what) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}

async function hxContender() {
  const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
  const { formatOffer, takeRecoveryControls } = await tsImport('../src/protocol.ts', import.meta.url);
  const { WebSocket } = await import('ws');
  const { server, sockets, port } = await countingServer();
  const hx = attachHxWs(server, { path: '/ws', recovery: true, handler() {}, onConnection: (ctx) => ctx.join('room') });
  const url = `ws://127.0.0.1:${port}/ws?hx-ws-recover=1`;
  const clients = Array.from({ length: CLIENTS }, () => ({ session: undefined, position: undefined, got: 0, ws: null, recovered: null }));
  const open = (c) =>
    new Promise((resolve, reject) => {
      const ws = (c.ws = new WebSocket(url));
      ws.on('error', reject);
      ws.on('open', () => ws.send(formatOffer({ session: c.session, position: c.position })));
      ws.on('message', (data) => {
        const { session, position, rest } = takeRecoveryControls(String(data));
        if (session) {
          c.session = session.id;
          c.position = session.position;
          c.recovered = session.recovered;
          resolve();
          return;
        }
        if (position !== undefined) c.position = position;
        if (rest.length) c.got += 1;
      });
    });
  return {
    name: 'hx-ws-elements recovery',
    async connect() {
      await Promise.all(clients.map(open));
    },
    async drop() {
      for (const c of clients) c.ws.terminate();
      await until(() => hx.clients.size === 0, 5000, 'hx: all closed');
      for (const c of clients) c.got = 0;
    },
    publish(i) {
      hx.toRoom('room', body(i));
    },
    async reconnect() {
      sockets.clear();
      await Promise.all(clients.map(open));
    },
    done: () => clients.every((c) => c.got >= MESSAGES),
    warm: () => clients.every((c) => c.got >= 1),
    recovered: () => clients.filter((c) => c.recovered).length,
    bytes: () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    async close() {
      for (const c of clients) c.ws.close();
      await hx.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function socketIoContender() {
  const { Server } = await import('socket.io');
  const { io: connectIo } = await import('socket.io-client');
  const { server, sockets, port } = await countingServer();
  const io = new Server(server, {
    transports: ['websocket'],
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
  });
  io.on('connection', (socket) => {
    if (!socket.recovered) socket.join('room');
  });
  const clients = Array.from({ length: CLIENTS }, () => ({ got: 0, socket: null, recovered: null }));
  for (const c of clients) {
    c.socket = connectIo(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    c.socket.on('m', () => (c.got += 1));
  }
  const connected = (c) =>
    new Promise((resolve) => {
      c.socket.once('connect', () => {
        c.recovered = c.socket.recovered;
        resolve();
      });
    });
  return {
    name: 'Socket.IO connection state recovery',
    async connect() {
      await Promise.all(clients.map(connected));
    },
    async drop() {
      // The server cuts the transport (not a namespace disconnect, which would not be recovered).
      for (const s of io.sockets.sockets.values()) s.conn.close();
      await until(() => clients.every((c) => !c.socket.connected), 5000, 'socket.io: all closed');
      for (const c of clients) c.got = 0;
    },
    publish(i) {
      io.to('room').emit('m', body(i));
    },
    async reconnect() {
      sockets.clear();
      const all = clients.map(connected);
      for (const c of clients) c.socket.connect();
      await Promise.all(all);
    },
    done: () => clients.every((c) => c.got >= MESSAGES),
    warm: () => clients.every((c) => c.got >= 1),
    progress: () => clients.map((c) => c.got).join(' '),
    recovered: () => clients.filter((c) => c.recovered).length,
    bytes: () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    async close() {
      for (const c of clients) c.socket.close();
      io.close();
      server.closeAllConnections();
    },
  };
}

async function round(make) {
  const contender = await make();
  await contender.connect();
  // One message before the drop: Socket.IO recovers only a client that has an offset (one that
  // got no packet since it connected is not recovered).
  contender.publish(-1);
  await until(contender.warm, 5000, `${contender.name}: warm-up message`);
  await contender.drop();
  const downSince = Date.now();
  for (let i = 0; i < MESSAGES; i++) contender.publish(i);
  await sleep(Math.max(0, DOWN_MS - (Date.now() - downSince)));
  const start = performance.now();
  await contender.reconnect();
  await until(contender.done, 20_000, `${contender.name}: caught up`).catch((e) => {
    throw new Error(`${e.message} (${contender.recovered()} recovered; ${contender.progress?.()})`);
  });
  const ms = performance.now() - start;
  const result = { name: contender.name, ms, bytes: contender.bytes(), recovered: contender.recovered() };
  await contender.close();
  return result;
}

const results = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const make of r % 2 ? [socketIoContender, hxContender] : [hxContender, socketIoContender]) {
    const res = await round(make);
    results.push(res);
    console.log(`round ${r + 1}: ${res.name}: caught up in ${res.ms.toFixed(0)} ms, ${(res.bytes / 1024).toFixed(0)} KiB written, ${res.recovered}/${CLIENTS} recovered`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\n${CLIENTS} clients down ${DOWN_MS} ms while ${MESSAGES} messages went to their room; medians of ${ROUNDS} rounds:`);
console.log('| contender | time to catch up | bytes written on the new connections | recovered |');
console.log('| --- | --- | --- | --- |');
for (const name of [...new Set(results.map((r) => r.name))]) {
  const mine = results.filter((r) => r.name === name);
  console.log(`| ${name} | ${median(mine.map((r) => r.ms)).toFixed(0)} ms | ${(median(mine.map((r) => r.bytes)) / 1024 / 1024).toFixed(2)} MiB | ${median(mine.map((r) => r.recovered))}/${CLIENTS} |`);
}
process.exit(0);
