// What one connection costs the server helper, idle and stalled (issue 17), on loopback only.
//
//   node bench/connections.mjs [--idle 1000] [--stalled 20] [--stall-mib 16] [--json]
//
// The server (attachHxWs with default limits, but maxConnectionsPerAddress raised since every
// client is 127.0.0.1) runs in its own process, started with --expose-gc, so RSS is the server's.
// 1. idle: `--idle` ws clients connect and do nothing; RSS growth / clients.
// 2. stalled text: `--stalled` raw TCP clients each send the header of a 100 MiB text frame and
//    `--stall-mib` MiB of it, then stop; RSS growth / client while they hang there, and when the
//    server let go of them.
// 3. stalled upload: the same with a declared 100 MiB oob file (a binary frame the server did ask
//    for): held until the upload times out (oobTimeoutMs, 30 s by default).
// Bounded: at most 5,000 idle and 100 stalled clients, 64 MiB each, 45 s per phase.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { WebSocket } from 'ws';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const HOST = '127.0.0.1';
const MiB = 1024 * 1024;

if (argv.includes('--serve')) await serve();
else await drive();

async function serve() {
  const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
  const http = createServer((_req, res) => res.writeHead(404).end());
  const hub = attachHxWs(http, { path: '/c', maxConnectionsPerAddress: 5000, handler: () => {}, onError: () => {} });
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20).unref();
  await new Promise((resolve) => http.listen(0, HOST, resolve));
  process.on('message', (msg) => {
    if (msg.type === 'rss') {
      globalThis.gc?.();
      const rss = process.memoryUsage.rss();
      process.send({ type: 'rss', rss, peak: Math.max(peak, rss), clients: hub.clients.size });
      peak = rss;
    }
  });
  process.send({ type: 'ready', port: http.address().port });
}

async function drive() {
  const IDLE = Math.min(5000, Math.max(1, opt('idle', 1000)));
  const STALLED = Math.min(100, Math.max(1, opt('stalled', 20)));
  const STALL = Math.min(64, Math.max(1, opt('stall-mib', 16))) * MiB;
  const json = argv.includes('--json');
  const log = (line) => console.error(line);
  const { rawConnect, header, frame } = await tsImport('../test/node/raw-client.ts', import.meta.url);
  // Each phase gets a fresh server process, so that memory one phase freed does not hide the
  // next one's growth.
  let server;
  let port;
  const next = (type) => new Promise((resolve) => server.once('message', (m) => (m.type === type ? resolve(m) : resolve(next(type)))));
  const restart = async () => {
    server?.kill();
    server = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    ({ port } = await next('ready'));
  };
  const rss = async () => {
    server.send({ type: 'rss' });
    return next('rss');
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const result = {};

  // 1. Idle connections.
  await restart();
  const base = await rss();
  const idle = [];
  for (let i = 0; i < IDLE; i += 100) {
    const batch = Array.from({ length: Math.min(100, IDLE - i) }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${HOST}:${port}/c`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }));
    idle.push(...(await Promise.all(batch)));
  }
  await sleep(500);
  const withIdle = await rss();
  result.idleKiBPerConnection = Math.round((withIdle.rss - base.rss) / IDLE / 1024 * 10) / 10;
  log(`idle: ${IDLE} connections, server RSS ${(base.rss / MiB).toFixed(0)} → ${(withIdle.rss / MiB).toFixed(0)} MB: ${result.idleKiBPerConnection} KiB each`);
  for (const ws of idle) ws.terminate();
  await sleep(500);

  // 2 and 3. Stalled frames.
  for (const [name, opening] of [
    ['text', () => header(1, 100 * MiB)],
    ['upload', () => Buffer.concat([frame(1, JSON.stringify({ f: { serialization: 'file/oob', offset: 0, size: 100 * MiB, name: 'f', type: 'x/y', lastModified: 1 } })), header(2, 100 * MiB)])],
  ]) {
    await restart();
    const before = await rss();
    const started = Date.now();
    const clients = [];
    const chunk = Buffer.alloc(MiB, 0x61);
    for (let i = 0; i < STALLED; i++) {
      const c = await rawConnect(port, '/c');
      let closed = false;
      c.closed.then(() => (closed = true));
      await c.write(opening());
      for (let sent = 0; sent < STALL && !closed; sent += MiB) await Promise.race([c.write(chunk), c.closed]);
      clients.push(c);
    }
    await sleep(500);
    const held = await rss();
    const perClient = (held.peak - before.rss) / STALLED / MiB;
    // How long until the server let go of them (they never send another byte).
    let freedAfter = null;
    while (Date.now() - started < 45_000) {
      const now = await rss();
      if (now.clients === 0) {
        freedAfter = Date.now() - started;
        break;
      }
      await sleep(250);
    }
    for (const c of clients) c.socket.destroy();
    result[`${name}StalledMiBPerConnection`] = Math.round(perClient * 10) / 10;
    result[`${name}StalledFreedAfterMs`] = freedAfter;
    log(`stalled ${name}: ${STALLED} × ${STALL / MiB} MiB sent of a 100 MiB frame: server RSS peak +${perClient.toFixed(1)} MiB each, ${freedAfter === null ? 'still held after 45 s' : `all closed after ${(freedAfter / 1000).toFixed(1)} s`}`);
    await sleep(500);
  }
  server.kill();
  if (json) console.log(JSON.stringify(result));
  process.exit(0);
}
