// permessage-deflate: what `attachHxWs({ compression })` saves and costs, each variant in its
// own server process, all in one run, every figure also as a ratio to compression off:
//   - bytes on the wire per client: the demo's chat (its message markup, 200 messages) and a
//     dashboard (a 50-row table fragment, updated `--updates` times);
//   - server CPU per message (the dashboard's updates to the small group of clients);
//   - RSS per connection (`--clients` connections, each sent a broadcast and a direct message,
//     after GC) and after a burst of compressed requests from every client;
//   - fan-out deliveries/s (200 chat messages broadcast to every connection), from the first
//     broadcast to the last message read, and the server's CPU per delivery meanwhile (the
//     clients' own decompression runs on the same cores: the server figure is the one that scales).
//
//   npm run bench:compression [-- --clients 1000 --updates 1000 --small 20 --only on,off --json]
//
// Clients are `ws` clients in one child process offering deflate as browsers do (no
// server_no_context_takeover asked), reading every message; bytes on the wire are their TCP
// sockets' bytesRead. 127.0.0.1 only; at most 5,000 clients.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const HOST = '127.0.0.1';
const role = argv[0];

/** The variants, each one server process. The first is the anchor of every ratio. */
const VARIANTS = {
  off: false,
  on: true,
  'level 6': { level: 6 },
  'level 9': { level: 9 },
  'threshold 0': { threshold: 0 },
  'threshold 256': { threshold: 256 },
  'threshold 1024': { threshold: 1024 },
  'concurrency 1': { concurrencyLimit: 1 },
  'concurrency 100': { concurrencyLimit: 100 },
  'client takeover': { clientNoContextTakeover: false },
  takeover: { serverNoContextTakeover: false },
  'takeover memLevel 4': { serverNoContextTakeover: false, memLevel: 4 },
};

if (role === 'server') await server();
else if (role === 'clients') await clients();
else await drive();

// ---------------------------------------------------------------------------------------------
// The messages.

const AUTHORS = ['ann', 'bo', 'carmen', 'dmitri', 'eve', 'farouk'];
const WORDS = 'the build is green again ship it after lunch who has the staging keys I pushed a fix for the flaky upload test can someone review'.split(' ');

/** The demo's chat item (demo/chat.ts), as a beforeend swap into #messages. */
function chatMessage(html, oob, n) {
  const words = Array.from({ length: 4 + ((n * 7) % 23) }, (_, i) => WORDS[(n * 3 + i * 5) % WORDS.length]).join(' ');
  const time = `${String(9 + (n % 9)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
  const item = html`<li class="msg"><span class="who">${AUTHORS[n % AUTHORS.length]}</span><time>${time}</time>
          <p>${words}</p>${[]}</li>`;
  return String(oob('messages', item, { swap: 'beforeend', tag: 'ul' }));
}

/** A dashboard: a 50-row table body, replaced whole (update `n`). */
function dashboard(n) {
  let rows = '';
  for (let i = 0; i < 50; i++) {
    const value = ((Math.sin(n * 0.1 + i) + 1) * 50).toFixed(1);
    const state = value > 90 ? 'alert' : value > 70 ? 'warn' : 'ok';
    rows += `<tr id="sensor-${i}"><td class="name">sensor ${i}</td><td class="value">${value}</td><td class="state ${state}">${state}</td><td class="seen">12:${String(n % 60).padStart(2, '0')}:${String(i).padStart(2, '0')}</td></tr>`;
  }
  return `<tbody id="sensors" hx-swap-oob="true">${rows}</tbody>`;
}

// ---------------------------------------------------------------------------------------------
// Server process: argv = server <variant name>
async function server() {
  const compression = VARIANTS[argv[1]];
  const { attachHxWs, html, oob } = await tsImport('../src/server/index.ts', import.meta.url);
  const http = createServer();
  let handled = 0;
  const hx = attachHxWs(http, {
    compression,
    maxConnections: 10_000,
    maxConnectionsPerAddress: 10_000,
    pingIntervalMs: 0,
    handler() {
      handled += 1;
    },
    onError() {},
  });
  const rss = () => {
    globalThis.gc?.();
    globalThis.gc?.();
    return process.memoryUsage().rss;
  };
  http.listen(0, HOST, () => process.send({ event: 'listening', port: http.address().port }));
  process.on('message', async (cmd) => {
    if (cmd.op === 'chat' || cmd.op === 'dashboard') {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let n = 0; n < cmd.count; n++) {
        hx.broadcast(cmd.op === 'chat' ? chatMessage(html, oob, n) : dashboard(n));
        // Every 50 messages, wait for the send buffers to drain under 256 KiB, as a stream that
        // minds backpressure would (a socket with context takeover queues messages behind its
        // compressor, and over maxBufferedBytes it would be closed).
        if (n % 50 === 49) {
          do await new Promise((resolve) => setImmediate(resolve));
          while ([...hx.clients].some((ctx) => ctx.socket.bufferedAmount > 256 * 1024));
        }
      }
      const used = process.cpuUsage(cpu);
      process.send({ event: 'sent', cpuMicros: used.user + used.system, ms: performance.now() - started });
    } else if (cmd.op === 'prime') {
      // Every connection gets a broadcast and a direct message (so any per-socket state exists).
      hx.broadcast(dashboard(1));
      for (const ctx of hx.clients) ctx.send(dashboard(2));
      process.send({ event: 'primed' });
    } else if (cmd.op === 'cpu') {
      const used = process.cpuUsage();
      process.send({ event: 'cpu', micros: used.user + used.system });
    } else if (cmd.op === 'rss') {
      process.send({ event: 'rss', rss: rss(), connections: hx.clients.size, handled });
    } else if (cmd.op === 'close') {
      await hx.close(1001, 'bench over');
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Client process: argv = clients <url>
async function clients() {
  const [, url] = argv;
  const { WebSocket } = await import('ws');
  const sockets = [];
  let received = 0;
  let expected = Infinity;
  let lastAt = 0;
  const check = () => {
    if (received >= expected) {
      expected = Infinity;
      process.send({ event: 'received', at: performance.timeOrigin + lastAt });
    }
  };
  const open = (n) =>
    Promise.all(
      Array.from({ length: n }, () => {
        const ws = new WebSocket(url, { perMessageDeflate: true });
        sockets.push(ws);
        ws.on('message', () => {
          received += 1;
          lastAt = performance.now();
          check();
        });
        return new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
      }),
    );
  process.on('message', async (cmd) => {
    if (cmd.op === 'open') {
      await open(cmd.count - sockets.length);
      process.send({ event: 'opened', count: sockets.length });
    } else if (cmd.op === 'expect') {
      received = 0;
      expected = cmd.count;
      process.send({ event: 'expecting' });
      check();
    } else if (cmd.op === 'bytes') {
      // Bytes read by the first `count` sockets (the handshake included, the same for all variants).
      const bytes = sockets.slice(0, cmd.count).reduce((n, ws) => n + ws._socket.bytesRead, 0);
      process.send({ event: 'bytes', bytes });
    } else if (cmd.op === 'requests') {
      // Each client sends `count` requests of about 10 KB (compressed when negotiated).
      const body = JSON.stringify({ HEADERS: { 'HX-Request': 'true' }, note: dashboard(7).slice(0, 10_000) });
      for (const ws of sockets) for (let i = 0; i < cmd.count; i++) ws.send(body);
      process.send({ event: 'requested' });
    } else if (cmd.op === 'close') {
      for (const ws of sockets) ws.terminate();
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.send({ event: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// Driver.

function until(child, event) {
  return new Promise((resolve) => {
    const on = (message) => {
      if (message.event !== event) return;
      child.off('message', on);
      resolve(message);
    };
    child.on('message', on);
  });
}

async function ask(child, cmd, event) {
  if (process.env.BENCH_DEBUG) process.stderr.write(`  ${cmd.op}\n`);
  const answer = until(child, event);
  child.send(cmd);
  return answer;
}

async function runVariant(name, { clientsCount, updates, small }) {
  const self = fileURLToPath(import.meta.url);
  const srv = fork(self, ['server', name], { execArgv: ['--expose-gc'] });
  const { port } = await until(srv, 'listening');
  const cli = fork(self, ['clients', `ws://${HOST}:${port}/`]);
  await until(cli, 'ready');
  const result = { name };
  // The small group: bytes per client and CPU per message.
  await ask(cli, { op: 'open', count: small }, 'opened');
  const baseBytes = (await ask(cli, { op: 'bytes', count: small }, 'bytes')).bytes;
  const stream = async (op, count) => {
    await ask(cli, { op: 'expect', count: count * small }, 'expecting');
    const done = until(cli, 'received');
    const sent = await ask(srv, { op, count }, 'sent');
    await done;
    return sent;
  };
  const chat = await stream('chat', 200);
  const chatBytes = (await ask(cli, { op: 'bytes', count: small }, 'bytes')).bytes;
  result.chatBytesPerClient = (chatBytes - baseBytes) / small;
  const dash = await stream('dashboard', updates);
  const dashBytes = (await ask(cli, { op: 'bytes', count: small }, 'bytes')).bytes;
  result.dashboardBytesPerClient = (dashBytes - chatBytes) / small;
  result.cpuMicrosPerMessage = dash.cpuMicros / updates;
  result.cpuMicrosPerDelivery = dash.cpuMicros / (updates * small);
  void chat;
  // RSS per connection: from `small` to `clientsCount` connections, each primed.
  const before = (await ask(srv, { op: 'rss' }, 'rss')).rss;
  await ask(cli, { op: 'open', count: clientsCount }, 'opened');
  await ask(cli, { op: 'expect', count: 2 * clientsCount }, 'expecting');
  const primed = until(cli, 'received');
  await ask(srv, { op: 'prime' }, 'primed');
  await primed;
  const after = (await ask(srv, { op: 'rss' }, 'rss')).rss;
  result.rssPerConnection = (after - before) / (clientsCount - small);
  // Fan-out: 200 chat messages to every connection.
  await ask(cli, { op: 'expect', count: 200 * clientsCount }, 'expecting');
  const delivered = until(cli, 'received');
  const cpu0 = (await ask(srv, { op: 'cpu' }, 'cpu')).micros;
  const t0 = performance.timeOrigin + performance.now();
  await ask(srv, { op: 'chat', count: 200 }, 'sent');
  const { at } = await delivered;
  result.fanoutPerSecond = (200 * clientsCount) / ((at - t0) / 1000);
  result.fanoutServerMicrosPerDelivery = ((await ask(srv, { op: 'cpu' }, 'cpu')).micros - cpu0) / (200 * clientsCount);
  // A burst of compressed requests (5 of 10 KB from every client): RSS after it.
  cli.send({ op: 'requests', count: 5 });
  for (;;) {
    const now = await ask(srv, { op: 'rss' }, 'rss');
    if (now.handled >= 5 * clientsCount) {
      result.rssPerConnectionAfterRequests = (now.rss - before) / (clientsCount - small);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  cli.send({ op: 'close' });
  srv.send({ op: 'close' });
  await Promise.all([once(cli, 'exit'), once(srv, 'exit')]);
  return result;
}

async function drive() {
  const clientsCount = Math.min(5000, Number(opt('clients', 1000)));
  const updates = Number(opt('updates', 1000));
  const small = Number(opt('small', 20));
  const only = opt('only', undefined)?.split(',');
  const names = Object.keys(VARIANTS).filter((n) => !only || only.includes(n));
  const results = [];
  for (const name of names) {
    process.stderr.write(`${name}...\n`);
    results.push(await runVariant(name, { clientsCount, updates, small }));
  }
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ clients: clientsCount, updates, small, results }, null, 2));
    return;
  }
  const anchor = results[0];
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const ratio = (value, base) => `${(value / base).toFixed(2)}×`;
  console.log(`\ncompression: ${clientsCount} connections, chat 200 messages, dashboard ${updates} updates, bytes per client over ${small} clients`);
  console.log(`ratios against "${anchor.name}", same run\n`);
  const header = ['variant', 'chat bytes/client', 'dashboard bytes/client', 'CPU µs/message', 'CPU µs/delivery', 'RSS/conn', 'RSS/conn after requests', 'deliveries/s', 'server CPU µs/delivery'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of results) {
    console.log(
      `| ${[
        r.name,
        `${kib(r.chatBytesPerClient)} (${ratio(r.chatBytesPerClient, anchor.chatBytesPerClient)})`,
        `${kib(r.dashboardBytesPerClient)} (${ratio(r.dashboardBytesPerClient, anchor.dashboardBytesPerClient)})`,
        `${r.cpuMicrosPerMessage.toFixed(0)} (${ratio(r.cpuMicrosPerMessage, anchor.cpuMicrosPerMessage)})`,
        `${r.cpuMicrosPerDelivery.toFixed(1)}`,
        `${kib(r.rssPerConnection)} (${ratio(r.rssPerConnection, anchor.rssPerConnection)})`,
        `${kib(r.rssPerConnectionAfterRequests)}`,
        `${Math.round(r.fanoutPerSecond).toLocaleString('en')} (${ratio(r.fanoutPerSecond, anchor.fanoutPerSecond)})`,
        `${r.fanoutServerMicrosPerDelivery.toFixed(2)} (${ratio(r.fanoutServerMicrosPerDelivery, anchor.fanoutServerMicrosPerDelivery)})`,
      ].join(' | ')} |`,
    );
  }
}
