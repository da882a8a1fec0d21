// `npm run bench:drops`: delivery under repeated network drops (issue 26), on loopback only.
//
//   node bench/drops.mjs [--clients 20] [--rate 50] [--seconds 30] [--period 5000] [--cut 2000] [--json]
//
// Every contender's clients reach its server through a TCP proxy of this bench. Every `--period`
// ms the proxy cuts the network for `--cut` ms: the connections through it stop carrying bytes
// either way (what the server writes is accepted by the proxy and thrown away, as on a link that
// went dark) and new connections are refused; when the cut ends, the dead connections are reset
// on both sides, so the clients see them drop and connect again. Meanwhile the server sends
// `--rate` numbered messages a second to every client (a broadcast), for `--seconds`; then the
// cuts stop, and the clients get up to 10 s to reconnect and (the recovering ones) catch up. Reported per contender: distinct messages
// delivered / expected (every client should have every message), duplicates (a number a client
// got twice), reconnects.
//
// The contenders, side by side in the same run (same schedule, the proxies cut together):
// - hx plain:   attachHxWs without recovery; a `ws` client that reconnects after 100–300 ms;
// - hx recover: attachHxWs({ recovery: true }); the client speaks the recovery protocol of
//               docs/protocol.md (its offer with session and last position, as bench/recovery.mjs);
// - Socket.IO with connection state recovery (socket.io-client, websocket transport, reconnection
//               delay 100–300 ms as ours);
// - Socket.IO by default (no recovery), as an anchor.
// All in this one process: the servers, the proxies and the clients.
import net from 'node:net';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    period: { type: 'string', default: '5000' },
    cut: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const SECONDS = Math.min(100, Number(values.seconds));
const PERIOD = Number(values.period);
const CUT = Number(values.cut);
const HOST = '127.0.0.1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const backoff = () => 100 + Math.random() * 200;
const body = (i) => `<div id="log" hx-swap-oob="beforeend"><p data-n="${i}">message ${i}, a line of text</p></div>`;
const numberOf = (text) => Number(/data-n="(\d+)"/.exec(text)?.[1] ?? NaN);

/** A TCP proxy to `port` that can cut the network (see the header). */
async function proxy(port) {
  let down = false;
  const pairs = new Set();
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(port, HOST);
    const pair = { client, upstream, dark: false };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d) => pair.dark || upstream.write(d));
    upstream.on('data', (d) => pair.dark || client.write(d));
    const end = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    port: server.address().port,
    cut() {
      down = true;
      for (const pair of pairs) pair.dark = true;
    },
    restore() {
      down = false;
      for (const pair of [...pairs]) {
        if (!pair.dark) continue;
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
    },
    close() {
      server.close();
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
  };
}

/** What each client got: a count per message number. */
function tally() {
  return { seen: new Map(), reconnects: 0, recovered: 0 };
}

function got(c, n) {
  if (!Number.isFinite(n)) return;
  c.seen.set(n, (c.seen.get(n) ?? 0) + 1);
}

async function hxContender(recover) {
  const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
  const { formatOffer, takeRecoveryControls } = await tsImport('../src/protocol.ts', import.meta.url);
  const server = createServer();
  const hx = attachHxWs(server, { path: '/ws', recovery: recover, handler() {}, onError() {} });
  server.listen(0, HOST);
  await once(server, 'listening');
  const p = await proxy(server.address().port);
  const url = `ws://${HOST}:${p.port}/ws${recover ? '?hx-ws-recover=1' : ''}`;
  let stopped = false;
  const clients = Array.from({ length: CLIENTS }, () => ({ ...tally(), session: undefined, position: undefined, ws: null, open: false }));
  const open = (c) => {
    const ws = (c.ws = new WebSocket(url, { perMessageDeflate: false }));
    ws.on('error', () => {});
    ws.on('open', () => {
      if (recover) ws.send(formatOffer({ session: c.session, position: c.position }));
      else c.open = true;
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (!recover) return got(c, numberOf(text));
      const { session, position, rest } = takeRecoveryControls(text);
      if (session) {
        if (c.session !== undefined && session.recovered) c.recovered += 1;
        c.session = session.id;
        if (session.position !== undefined) c.position = session.position;
        c.open = true;
      }
      if (rest.length) got(c, numberOf(rest));
      if (position !== undefined) c.position = position;
    });
    ws.on('close', () => {
      c.open = false;
      if (stopped) return;
      c.reconnects += 1;
      setTimeout(() => open(c), backoff());
    });
  };
  for (const c of clients) open(c);
  return {
    name: recover ? 'hx-ws recover mode' : 'hx-ws plain mode',
    recovers: recover,
    proxy: p,
    clients,
    ready: () => clients.every((c) => c.open),
    publish: (i) => hx.broadcast(body(i)),
    async close() {
      stopped = true;
      for (const c of clients) c.ws.terminate();
      p.close();
      await hx.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function socketIoContender(recover) {
  const { Server } = await import('socket.io');
  const { io: connectIo } = await import('socket.io-client');
  const server = createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    ...(recover ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true } } : {}),
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const p = await proxy(server.address().port);
  const clients = Array.from({ length: CLIENTS }, () => {
    const c = { ...tally(), socket: null, open: false };
    c.socket = connectIo(`http://${HOST}:${p.port}`, {
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
      randomizationFactor: 0.5,
    });
    c.socket.on('m', (text) => got(c, numberOf(text)));
    c.socket.on('connect', () => {
      c.open = true;
      if (c.socket.recovered) c.recovered += 1;
    });
    c.socket.on('disconnect', () => {
      c.open = false;
      c.reconnects += 1;
    });
    return c;
  });
  return {
    name: recover ? 'Socket.IO connection state recovery' : 'Socket.IO default',
    recovers: recover,
    proxy: p,
    clients,
    ready: () => clients.every((c) => c.open),
    publish: (i) => io.emit('m', body(i)),
    async close() {
      for (const c of clients) c.socket.close();
      p.close();
      io.close();
      server.closeAllConnections();
    },
  };
}

async function until(check, ms) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(20);
  return check();
}

const contenders = [await hxContender(false), await hxContender(true), await socketIoContender(true), await socketIoContender(false)];
if (!(await until(() => contenders.every((c) => c.ready()), 10_000))) throw new Error('the clients did not all connect');
// Socket.IO recovers only a client that got a packet since it connected: one before the run.
for (const c of contenders) c.publish(-1);
await sleep(300);

const total = Math.round(RATE * SECONDS);
const start = Date.now();
let cuts = 0;
let cutting = false;
const schedule = setInterval(() => {
  const t = (Date.now() - start) % PERIOD;
  const inCut = t >= PERIOD - CUT;
  if (inCut && !cutting) {
    cutting = true;
    cuts += 1;
    for (const c of contenders) c.proxy.cut();
  } else if (!inCut && cutting) {
    cutting = false;
    for (const c of contenders) c.proxy.restore();
  }
}, 5);
console.error(`${contenders.length} contenders × ${CLIENTS} clients, ${RATE} messages/s for ${SECONDS} s, the network cut for ${CUT} ms every ${PERIOD} ms`);
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / RATE;
  if (due > Date.now()) await sleep(due - Date.now());
  for (const c of contenders) c.publish(i);
}
clearInterval(schedule);
if (cutting) for (const c of contenders) c.proxy.restore();
// Time to reconnect and catch up: until every client is back and the recovering ones have it all.
const complete = (c) => c.clients.every((k) => [...Array(total).keys()].every((i) => k.seen.has(i)));
await until(() => contenders.every((c) => c.ready() && (!c.recovers || complete(c))), 10_000);
await sleep(500);

const rows = contenders.map((c) => {
  let delivered = 0;
  let duplicates = 0;
  let reconnects = 0;
  let recovered = 0;
  for (const k of c.clients) {
    for (const [n, times] of k.seen) {
      if (n < 0 || n >= total) continue;
      delivered += 1;
      duplicates += times - 1;
    }
    reconnects += k.reconnects;
    recovered += k.recovered;
  }
  return { name: c.name, expected: total * CLIENTS, delivered, duplicates, reconnects, recovered };
});
for (const c of contenders) await c.close();
console.log(`| contender | delivered / expected | % | duplicates | reconnects | recovered reconnects |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.delivered.toLocaleString('en')} / ${r.expected.toLocaleString('en')} | ${((100 * r.delivered) / r.expected).toFixed(2)} | ${r.duplicates} | ${r.reconnects} | ${r.recovered} |`);
}
console.log(`\n${CLIENTS} clients each, ${total} messages at ${RATE}/s, ${cuts} cuts of ${CUT} ms every ${PERIOD} ms, Node ${process.version}`);
if (values.json) console.log(JSON.stringify({ clients: CLIENTS, rate: RATE, seconds: SECONDS, period: PERIOD, cut: CUT, cuts, rows }));
process.exit(0);
