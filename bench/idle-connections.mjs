// `npm run bench:connections`: what many idle connections cost one server process (issue 26),
// ours beside a plain `ws` server and Socket.IO, in one run, on loopback only.
//
//   node bench/idle-connections.mjs [--steps 4000,8000,16000] [--heartbeat-ms 5000] [--idle-ms 6000]
//                                   [--only ws,hx,sio] [--json]
//
// Three processes at a time: this driver, one server process (started with --expose-gc, so its
// RSS is the server's alone) and one client process holding every client socket. The clients
// connect from several source addresses (127.0.0.2, .3, …: `localAddress`), a few thousand
// each, so no address runs out of ephemeral ports, and each server kind gets addresses of its
// own, so the TIME_WAIT sockets of the previous kind are never in the way.
//
// For each server kind, one process grows to each step (4k, 8k, 16k) and at each step:
// - RSS per connection: (RSS after a GC with N connections − RSS after a GC before the first) / N,
//   and the slope between steps (the cost of the connections added since the previous step);
// - event-loop delay while idle (perf_hooks.monitorEventLoopDelay at 1 ms resolution; its figures include that 1 ms), p99 and
//   max over `--idle-ms`, which is longer than the heartbeat interval, so one heartbeat round (a
//   ping to every socket) falls inside it;
// - broadcast: a 200-byte fragment to every connection, from the server's call to the last
//   client's receipt (clock: performance.timeOrigin + now() in both processes), median of 3;
//   and the server process's CPU time (user + system) from the call to the next event-loop turn,
//   when its writes are done: the part of the broadcast that does not depend on the machine's
//   other load.
//
// The kinds, each with the same heartbeat interval:
// - ws:  `new WebSocketServer({ server })` with the usual ping/terminate heartbeat, `send` in a loop;
// - hx:  `attachHxWs` (default limits, but maxConnections and maxConnectionsPerAddress raised),
//        `hub.broadcast`;
// - sio: Socket.IO 4 on the websocket transport only (pingInterval = the heartbeat), `io.emit`;
//        its clients speak Engine.IO 4 over a plain `ws` client (open, "40", pong), which costs
//        the client process far less than socket.io-client does.
import { execSync, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const FRAGMENT = `<div id="tick" hx-swap-oob="true">${'x'.repeat(200 - '<div id="tick" hx-swap-oob="true"></div>'.length)}</div>`;

const role = argv[0];
if (role === '--serve') await serve(argv[1], Number(arg('heartbeat-ms', 5000)));
else if (role === '--clients') await clients();
else await drive();

/** A server process of one kind: answers the driver's rss, idle and broadcast requests. */
async function serve(kind, heartbeatMs) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  let broadcast;
  let count;
  if (kind === 'ws') {
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      ws.alive = true;
      ws.on('pong', () => (ws.alive = true));
      ws.on('message', () => (ws.alive = true));
      ws.on('error', () => {});
    });
    setInterval(() => {
      for (const ws of wss.clients) {
        if (!ws.alive) {
          ws.terminate();
          continue;
        }
        ws.alive = false;
        ws.ping();
      }
    }, heartbeatMs).unref();
    broadcast = (text) => {
      for (const ws of wss.clients) ws.send(text);
    };
    count = () => wss.clients.size;
  } else if (kind === 'hx') {
    const { tsImport } = await import('tsx/esm/api');
    const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
    const hub = attachHxWs(http, {
      path: '/c',
      maxConnections: 100_000,
      maxConnectionsPerAddress: 100_000,
      pingIntervalMs: heartbeatMs,
      handler: () => {},
      onError: () => {},
    });
    broadcast = (text) => hub.broadcast(text);
    count = () => hub.clients.size;
  } else if (kind === 'sio') {
    const { Server } = await import('socket.io');
    const io = new Server(http, { transports: ['websocket'], pingInterval: heartbeatMs, pingTimeout: 20_000, perMessageDeflate: false, serveClient: false });
    broadcast = (text) => io.emit('m', text);
    count = () => io.engine.clientsCount;
  } else throw new Error(`unknown kind ${kind}`);
  await new Promise((resolve) => http.listen(0, HOST, resolve));
  process.on('message', async (msg) => {
    if (msg.type === 'rss') {
      globalThis.gc?.();
      await sleep(50);
      globalThis.gc?.();
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      process.send({ type: 'rss', rss, heap: heapUsed + external, arrayBuffers, clients: count() });
    } else if (msg.type === 'idle') {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      await sleep(msg.ms);
      h.disable();
      process.send({ type: 'idle', p99: h.percentile(99) / 1e6, max: h.max / 1e6, clients: count() });
    } else if (msg.type === 'broadcast') {
      const cpu0 = process.cpuUsage();
      const t0 = now();
      broadcast(FRAGMENT);
      const syncMs = now() - t0;
      // Writes that a server defers to the next tick (attachHxWs uncorks there) are done by the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      const cpu = process.cpuUsage(cpu0);
      process.send({ type: 'broadcast', t0, syncMs, flushMs: now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  process.send({ type: 'ready', port: http.address().port });
}

/** The client process: opens connections as told, counts broadcast receipts. */
async function clients() {
  let sockets = [];
  let expect = 0;
  let got = 0;
  let last = 0;
  const onFragment = () => {
    got += 1;
    last = now();
    if (got === expect) process.send({ type: 'received', last, got });
  };
  const open = (url, kind, localAddress) =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
      let done = false;
      const finish = (ok) => {
        if (done) return;
        done = true;
        resolve(ok ? ws : null);
      };
      ws.on('error', () => finish(false));
      ws.on('close', () => finish(false));
      if (kind === 'sio') {
        ws.on('message', (data) => {
          const text = String(data);
          if (text === '2') ws.send('3');
          else if (text.startsWith('42')) onFragment();
          else if (text.startsWith('40')) finish(true);
          else if (text.startsWith('0')) ws.send('40');
        });
      } else {
        ws.on('open', () => finish(true));
        ws.on('message', onFragment);
      }
    });
  process.on('message', async (msg) => {
    if (msg.type === 'connect') {
      const { url, kind, count, addresses } = msg;
      let failed = 0;
      const started = now();
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const ws = await open(url, kind, addresses[i % addresses.length]);
          if (ws) sockets.push(ws);
          else failed += 1;
        }
      };
      await Promise.all(Array.from({ length: 200 }, worker));
      process.send({ type: 'connected', open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length, failed, ms: now() - started });
    } else if (msg.type === 'expect') {
      expect = msg.count;
      got = 0;
      process.send({ type: 'expecting' });
    } else if (msg.type === 'status') {
      process.send({ type: 'status', got, expect, last, open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length });
    } else if (msg.type === 'close') {
      for (const ws of sockets) ws.terminate();
      sockets = [];
      await sleep(200);
      process.send({ type: 'closed' });
    }
  });
  process.send({ type: 'ready' });
}

/** Waits for the next message of `type` from `child`. */
function reply(child, type, ms = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no ${type} within ${ms} ms`));
    }, ms);
    const on = (m) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

function ask(child, message, type, ms) {
  const answer = reply(child, type, ms);
  child.send(message);
  return answer;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function drive() {
  const steps = arg('steps', '4000,8000,16000').split(',').map(Number);
  const heartbeatMs = Number(arg('heartbeat-ms', 5000));
  const idleMs = Number(arg('idle-ms', Math.max(6000, heartbeatMs + 1000)));
  const kinds = arg('only', 'ws,hx,sio').split(',');
  const json = argv.includes('--json');
  const log = (line) => console.error(line);
  const fdLimit = Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim());
  const top = Math.max(...steps);
  if (Number.isFinite(fdLimit) && fdLimit < top + 500) {
    console.error(`bench:connections: the open-file limit is ${fdLimit}, too low for ${top} connections (+500); raise it (ulimit -n) or pass --steps`);
    process.exit(1);
  }
  const load = () => execSync('cat /proc/loadavg', { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  const startLoad = load();
  log(`open-file limit ${fdLimit}; heartbeat ${heartbeatMs} ms; idle window ${idleMs} ms; load ${startLoad}`);
  const self = fileURLToPath(import.meta.url);
  const client = fork(self, ['--clients'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await reply(client, 'ready');
  const results = [];
  // Each kind its own source addresses: 127.0.0.(2 + 4k) … (5 + 4k), 4 of them, 4,000 clients each at 16k.
  const perAddress = 4000;
  const addressCount = Math.ceil(top / perAddress);
  for (const [k, kind] of kinds.entries()) {
    const addresses = Array.from({ length: addressCount }, (_, i) => `127.0.0.${2 + k * addressCount + i}`);
    const server = fork(self, ['--serve', kind, '--heartbeat-ms', String(heartbeatMs)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { port } = await reply(server, 'ready');
    const url = kind === 'sio' ? `ws://${HOST}:${port}/socket.io/?EIO=4&transport=websocket` : `ws://${HOST}:${port}/c`;
    const base = await ask(server, { type: 'rss' }, 'rss');
    let held = 0;
    let previous = { n: 0, rss: base.rss };
    for (const n of steps) {
      const connected = await ask(client, { type: 'connect', url, kind, count: n - held, addresses }, 'connected', 300_000);
      held = n;
      if (connected.failed > 0) log(`  ${kind}: ${connected.failed} connections failed`);
      await sleep(1000);
      const mem = await ask(server, { type: 'rss' }, 'rss');
      const idle = await ask(server, { type: 'idle', ms: idleMs }, 'idle', idleMs + 30_000);
      const times = [];
      const sync = [];
      const cpu = [];
      for (let r = 0; r < 3; r++) {
        await ask(client, { type: 'expect', count: mem.clients }, 'expecting');
        const received = reply(client, 'received', 30_000);
        const sent = await ask(server, { type: 'broadcast' }, 'broadcast');
        const { last } = await received;
        times.push(last - sent.t0);
        sync.push(sent.syncMs);
        cpu.push(sent.cpuMs);
        await sleep(300);
      }
      const row = {
        kind,
        n,
        clients: mem.clients,
        openAfterIdle: idle.clients,
        rssMiB: mem.rss / MiB,
        kibPerConnection: (mem.rss - base.rss) / mem.clients / 1024,
        kibPerAddedConnection: (mem.rss - previous.rss) / (n - previous.n) / 1024,
        heapKibPerConnection: (mem.heap - base.heap) / mem.clients / 1024,
        idleP99Ms: idle.p99,
        idleMaxMs: idle.max,
        broadcastMs: median(times),
        broadcastSyncMs: median(sync),
        broadcastCpuMs: median(cpu),
        connectMs: connected.ms,
      };
      previous = { n, rss: mem.rss };
      results.push(row);
      log(
        `  ${kind} ${n}: ${row.clients} open (${row.openAfterIdle} after idle), RSS ${row.rssMiB.toFixed(0)} MiB, ${row.kibPerConnection.toFixed(2)} KiB/conn (added: ${row.kibPerAddedConnection.toFixed(2)}; JS heap + external ${row.heapKibPerConnection.toFixed(2)}), ` +
          `idle p99 ${row.idleP99Ms.toFixed(1)} ms (max ${row.idleMaxMs.toFixed(1)}), broadcast ${row.broadcastMs.toFixed(1)} ms (send loop ${row.broadcastSyncMs.toFixed(1)}, server CPU ${row.broadcastCpuMs.toFixed(1)})`,
      );
    }
    await ask(client, { type: 'close' }, 'closed');
    server.kill();
    await sleep(1500);
  }
  client.kill();
  const end = load();
  // The table: each row's ratio to the plain ws server at the same step.
  const names = { ws: 'plain `ws`', hx: '`attachHxWs`', sio: 'Socket.IO 4' };
  const lines = [
    '| server | connections | RSS KiB/conn | × ws | KiB/added conn | heap KiB/conn | × ws | broadcast 200 B, ms | × ws | its server CPU, ms | × ws | idle p99 ms | idle max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of results) {
    const ws = results.find((r) => r.kind === 'ws' && r.n === row.n);
    const ratio = (a, b) => (b ? (a / b).toFixed(2) : '');
    lines.push(
      `| ${names[row.kind]} | ${row.n.toLocaleString('en')}${row.clients === row.n ? '' : ` (${row.clients} open)`} | ${row.kibPerConnection.toFixed(2)} | ${ratio(row.kibPerConnection, ws?.kibPerConnection)} | ${row.kibPerAddedConnection.toFixed(2)} | ${row.heapKibPerConnection.toFixed(2)} | ${ratio(row.heapKibPerConnection, ws?.heapKibPerConnection)} | ${row.broadcastMs.toFixed(1)} | ${ratio(row.broadcastMs, ws?.broadcastMs)} | ${row.broadcastCpuMs.toFixed(1)} | ${ratio(row.broadcastCpuMs, ws?.broadcastCpuMs)} | ${row.idleP99Ms.toFixed(1)} | ${row.idleMaxMs.toFixed(1)} |`,
    );
  }
  console.log(lines.join('\n'));
  console.log(`\nheartbeat ${heartbeatMs} ms, idle window ${idleMs} ms, Node ${process.version}, load ${end} at the end`);
  if (json) console.log(JSON.stringify({ heartbeatMs, idleMs, node: process.version, loadAverage: { start: startLoad, end }, results }));
  process.exit(0);
}
