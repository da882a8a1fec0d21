// Fan-out across processes: room messages published on three server processes reach `ws`
// clients on all three, through one Redis. Side by side in one run:
//   (a) one process, the in-memory adapter (the ceiling: no Redis, no second process)
//   (b) three processes, hx-ws-elements with the Redis adapter
//   (c) three processes, Socket.IO 4 with @socket.io/redis-adapter on the same Redis
// then (b) again with Redis killed and restarted in the middle, counting messages lost without
// a report (must be 0).
//
//   npm run bench:fanout [-- --clients 300 --messages 10000 --rooms 10 --json]
//
// Each server process has `clients` clients (the memory run: one process with all of them),
// spread over `rooms` rooms, so each room has clients/rooms members on every process. Clients
// run in three processes of their own. The publishers send `messages` messages of about 200
// bytes in all, a third each (the memory run: all from its one process), in batches of 20 per
// event-loop turn, as fast as that goes. Each message carries its publish time; clients record
// publish-to-receive latency in a log-scale histogram (1 % buckets). Throughput is deliveries
// divided by the time from the first publish to the last receive.
// Bounded: at most 2,000 clients per process, 100,000 messages, 120 s per run; 127.0.0.1 only.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const HOST = '127.0.0.1';
const now = () => performance.timeOrigin + performance.now();
const BATCH = 20;
const RUN_TIMEOUT_MS = 120_000;
const PAD = 'x'.repeat(150);

const role = argv[0];
if (role === 'server') await server();
else if (role === 'clients') await clients();
else await drive();

/** The message: `<p data-m="<time>|<origin>|<seq>">` and padding, about 200 bytes. */
function message(origin, seq) {
  return `<p id="m" hx-swap-oob="beforeend" data-m="${now().toFixed(3)}|${origin}|${seq}">${PAD}</p>`;
}

// ---------------------------------------------------------------------------------------------
// Server process: argv = server <kind: memory|ours|sio> <origin index> <redis url> [prefix]
async function server() {
  const [, kind, originArg, redisUrl, prefix = 'bench'] = argv;
  const origin = Number(originArg);
  const http = createServer();
  let publish;
  const reported = [];
  let close;
  if (kind === 'sio') {
    const { Server } = await import('socket.io');
    const { createAdapter } = await import('@socket.io/redis-adapter');
    const { Redis } = await import('ioredis');
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub, { key: prefix }) });
    io.on('connection', (socket) => {
      socket.join(String(socket.handshake.query.room));
      socket.emit('joined');
    });
    publish = (room, html) => io.to(room).emit('m', html);
    close = async () => {
      io.close();
      pub.disconnect();
      sub.disconnect();
    };
  } else {
    const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
    let adapter;
    if (kind === 'ours') {
      const { redisAdapter } = await tsImport('../src/server/redis.ts', import.meta.url);
      adapter = redisAdapter({ url: redisUrl, prefix, retryDelay: () => 50 });
    }
    const hx = attachHxWs(http, {
      adapter,
      handler() {},
      onConnection(ctx) {
        ctx.join(new URL(ctx.req.url, 'http://x').searchParams.get('room'));
        ctx.send('<i>joined</i>');
      },
      onError(error) {
        if (error.name === 'PublishError') reported.push(/data-m="[^|]*\|\d+\|(\d+)"/.exec(error.published.html)?.[1]);
      },
      onAdapterStatus: (state) => process.send({ event: 'status', state }),
    });
    if (adapter) await adapter.ready();
    publish = (room, html) => hx.toRoom(room, html);
    close = () => hx.close();
  }
  http.listen(0, HOST, () => process.send({ event: 'listening', port: http.address().port }));
  process.on('message', async (cmd) => {
    if (cmd.op === 'publish') {
      // Messages `from` .. `to` (exclusive) of the run; message k goes to room k % rooms.
      const { from, to, rooms, paceMs = 0, batch = BATCH } = cmd;
      let k = from;
      const step = () => {
        const end = Math.min(to, k + batch);
        for (; k < end; k++) publish(`r${k % rooms}`, message(origin, k));
        if (k < to) (paceMs ? setTimeout : setImmediate)(step, paceMs);
        else process.send({ event: 'published' });
      };
      step();
    } else if (cmd.op === 'reported') {
      process.send({ event: 'reported', reported });
    } else if (cmd.op === 'close') {
      await close();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Client process: argv = clients <kind> <url> <count> <rooms> <first index>
async function clients() {
  const [, kind, url, countArg, roomsArg, firstArg] = argv;
  const count = Number(countArg);
  const rooms = Number(roomsArg);
  const first = Number(firstArg);
  const LOG_STEP = Math.log(1.01);
  const histogram = new Map(); // bucket -> count; bucket b covers [1.01^b, 1.01^(b+1)) microseconds
  let received = 0;
  let firstAt = Infinity;
  let lastAt = 0;
  let perMessage; // seq -> receipts, only when asked (the restart run)
  let expected = Infinity;
  let doneSent = false;

  const onMessage = (text) => {
    const at = now();
    const i = text.indexOf('data-m="');
    if (i < 0) return;
    const j = text.indexOf('|', i);
    const sent = Number(text.slice(i + 8, j));
    const micros = Math.max(1, (at - sent) * 1000);
    const bucket = Math.floor(Math.log(micros) / LOG_STEP);
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    received += 1;
    if (at < firstAt) firstAt = at;
    lastAt = at;
    if (perMessage) {
      const seq = Number(text.slice(text.indexOf('|', j + 1) + 1, text.indexOf('"', j)));
      perMessage.set(seq, (perMessage.get(seq) ?? 0) + 1);
    }
    if (received >= expected && !doneSent) {
      doneSent = true;
      process.send({ event: 'received' });
    }
  };

  const sockets = [];
  if (kind === 'sio') {
    const { io } = await import('socket.io-client');
    await Promise.all(
      Array.from({ length: count }, (_, n) => {
        const socket = io(url, { transports: ['websocket'], query: { room: `r${(first + n) % rooms}` }, reconnection: true, forceNew: true });
        sockets.push(socket);
        socket.on('m', onMessage);
        return new Promise((resolve) => socket.once('joined', resolve));
      }),
    );
  } else {
    const { WebSocket } = await import('ws');
    await Promise.all(
      Array.from({ length: count }, (_, n) => {
        const ws = new WebSocket(`${url}?room=r${(first + n) % rooms}`);
        sockets.push(ws);
        return new Promise((resolve, reject) => {
          ws.once('error', reject);
          ws.once('message', () => {
            ws.on('message', (data) => onMessage(data.toString()));
            resolve();
          });
        });
      }),
    );
  }
  process.send({ event: 'connected' });
  process.on('message', (cmd) => {
    if (cmd.op === 'expect') {
      received = 0;
      histogram.clear();
      firstAt = Infinity;
      lastAt = 0;
      doneSent = false;
      expected = cmd.count;
      perMessage = cmd.perMessage ? new Map() : undefined;
      process.send({ event: 'expecting' });
    } else if (cmd.op === 'report') {
      process.send({ event: 'report', received, firstAt, lastAt, histogram: [...histogram], perMessage: perMessage ? [...perMessage] : undefined });
    } else if (cmd.op === 'close') {
      for (const s of sockets) (s.disconnect ?? s.close).call(s);
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Driver.

/** A forked role process with a queue of its events. */
function spawnRole(args) {
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const events = [];
  const waiters = [];
  child.on('message', (m) => {
    events.push(m);
    for (const w of [...waiters]) {
      if (!w.test(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  return {
    child,
    events,
    send: (m) => child.send(m),
    next(event, timeoutMs = RUN_TIMEOUT_MS) {
      const i = events.findIndex((e) => e.event === event);
      if (i >= 0) return Promise.resolve(events.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${args.slice(0, 2).join(' ')}: no "${event}" in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          test: (e) => e.event === event,
          resolve: (e) => {
            clearTimeout(timer);
            events.splice(events.indexOf(e), 1);
            resolve(e);
          },
        });
      });
    },
  };
}

function percentile(histogram, p) {
  const sorted = [...histogram].sort((x, y) => x[0] - y[0]);
  const total = sorted.reduce((s, [, c]) => s + c, 0);
  let seen = 0;
  for (const [bucket, c] of sorted) {
    seen += c;
    if (seen >= total * p) return 1.01 ** (bucket + 0.5) / 1000; // ms, bucket middle
  }
  return NaN;
}

/** One contender: servers, client processes, one publish run; returns its figures. */
async function runContender({ kind, redisUrl, perProcess, messages, rooms, processes, prefix, restart, keepOpen }) {
  const servers = Array.from({ length: processes }, (_, i) => spawnRole(['server', kind, String(i), redisUrl, prefix]));
  const ports = await Promise.all(servers.map(async (s) => (await s.next('listening')).port));
  const path = kind === 'sio' ? '' : '/';
  const scheme = kind === 'sio' ? 'http' : 'ws';
  // Three client processes; each one's clients go to one server (all to the one in the memory run).
  const clientProcs = [0, 1, 2].map((i) =>
    spawnRole(['clients', kind, `${scheme}://${HOST}:${ports[i % processes]}${path}`, String(perProcess), String(rooms), String(i * perProcess)]),
  );
  await Promise.all(clientProcs.map((c) => c.next('connected')));
  const totalClients = perProcess * 3;
  const membersPerRoom = totalClients / rooms;
  // Each client gets the messages of its room: messages / rooms; a client process gets that times its clients.
  const expectPerProc = (messages / rooms) * perProcess;
  for (const c of clientProcs) c.send({ op: 'expect', count: expectPerProc, perMessage: Boolean(restart) });
  await Promise.all(clientProcs.map((c) => c.next('expecting')));

  const started = now();
  const share = Math.ceil(messages / processes);
  for (const [i, s] of servers.entries()) {
    s.send({ op: 'publish', from: i * share, to: Math.min(messages, (i + 1) * share), rooms, paceMs: restart ? restart.paceMs : 0 });
  }
  if (restart) {
    await new Promise((r) => setTimeout(r, restart.killAfterMs));
    await restart.redis.kill();
    await new Promise((r) => setTimeout(r, restart.downMs));
    await restart.redis.start();
  }
  await Promise.all(servers.map((s) => s.next('published')));
  // Wait for every expected delivery, or (restart run: some are reported lost) for a quiet second.
  if (restart) {
    const deadline = Date.now() + 10_000;
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const c of clientProcs) c.send({ op: 'report' });
      const reports = await Promise.all(clientProcs.map((c) => c.next('report')));
      const got = reports.reduce((s, r) => s + r.received, 0);
      if (got === last || Date.now() > deadline) break;
      last = got;
    }
  } else {
    await Promise.all(clientProcs.map((c) => c.next('received')));
  }
  for (const c of clientProcs) c.send({ op: 'report' });
  const reports = await Promise.all(clientProcs.map((c) => c.next('report')));
  const histogram = new Map();
  for (const r of reports) for (const [b, n] of r.histogram) histogram.set(b, (histogram.get(b) ?? 0) + n);
  const delivered = reports.reduce((s, r) => s + r.received, 0);
  const lastAt = Math.max(...reports.map((r) => r.lastAt));
  const result = {
    kind,
    processes,
    clients: totalClients,
    messages,
    membersPerRoom,
    delivered,
    expected: messages * membersPerRoom,
    seconds: (lastAt - started) / 1000,
    perSecond: delivered / ((lastAt - started) / 1000),
    p50: percentile(histogram, 0.5),
    p99: percentile(histogram, 0.99),
  };
  /**
   * Latency below saturation: `count` more messages (numbered from `offset`), one at a time,
   * `rate` a second in all; resolves with their latency histogram.
   */
  const pacedRound = async (count, rate, offset) => {
    for (const c of clientProcs) c.send({ op: 'expect', count: (count / rooms) * perProcess });
    await Promise.all(clientProcs.map((c) => c.next('expecting')));
    const pacedShare = Math.ceil(count / processes);
    for (const [i, s] of servers.entries()) {
      const from = offset + i * pacedShare;
      s.send({ op: 'publish', from, to: Math.min(offset + count, from + pacedShare), rooms, batch: 1, paceMs: (1000 * processes) / rate });
    }
    await Promise.all(servers.map((s) => s.next('published')));
    await Promise.all(clientProcs.map((c) => c.next('received')));
    for (const c of clientProcs) c.send({ op: 'report' });
    const pacedReports = await Promise.all(clientProcs.map((c) => c.next('report')));
    const h = new Map();
    for (const r of pacedReports) for (const [b, n] of r.histogram) h.set(b, (h.get(b) ?? 0) + n);
    return h;
  };
  const close = async () => {
    for (const c of clientProcs) c.send({ op: 'close' });
    for (const s of servers) s.send({ op: 'close' });
    await Promise.all([...clientProcs, ...servers].map((p) => (p.child.exitCode === null ? once(p.child, 'exit') : null)));
  };
  if (keepOpen) return { result, pacedRound, close };
  if (restart) {
    for (const s of servers) s.send({ op: 'reported' });
    const reported = new Set((await Promise.all(servers.map((s) => s.next('reported')))).flatMap((r) => r.reported.map(Number)));
    const receipts = new Map();
    for (const r of reports) for (const [seq, n] of r.perMessage) receipts.set(seq, (receipts.get(seq) ?? 0) + n);
    let lostUnreported = 0;
    let duplicates = 0;
    let partial = 0;
    const lostSample = [];
    for (let k = 0; k < messages; k++) {
      const n = receipts.get(k) ?? 0;
      if (n > membersPerRoom) duplicates += 1;
      if (n < membersPerRoom) {
        if (reported.has(k)) partial += 1;
        else {
          lostUnreported += 1;
          if (lostSample.length < 10) lostSample.push([k, n]);
        }
      }
    }
    const downs = servers.map((s) => s.events.filter((e) => e.event === 'status' && e.state === 'down').length);
    Object.assign(result, { reported: reported.size, reachedLocalOnly: partial, lostUnreported, lostSample, duplicates, downs });
  }
  await close();
  return result;
}

async function drive() {
  const perProcess = Math.min(2000, opt('clients', 300));
  const messages = Math.min(100_000, opt('messages', 10_000));
  const rooms = opt('rooms', 10);
  const { startRedis, findRedisServer } = await tsImport('../test/node/support/redis.ts', import.meta.url);
  if (!findRedisServer()) {
    console.error('bench:fanout needs redis-server (apt-get install -y redis-server)');
    process.exit(1);
  }
  const redis = await startRedis();
  const paced = { messages: Math.min(20_000, opt('paced-messages', 1500)), rate: opt('paced-rate', 250) };
  const base = { redisUrl: redis.url, perProcess, messages, rooms };
  console.log(`fan-out: ${messages} messages of ~200 B, ${perProcess} ws clients per process x 3, ${rooms} rooms (${(perProcess * 3) / rooms} members each)\n`);
  const results = [];
  try {
    const contenders = [
      ['(a) one process, in-memory adapter', { kind: 'memory', processes: 1, prefix: 'a' }],
      ['(b) 3 processes, hx-ws Redis adapter', { kind: 'ours', processes: 3, prefix: 'b' }],
      ['(c) 3 processes, Socket.IO 4 + redis-adapter', { kind: 'sio', processes: 3, prefix: 'c' }],
    ];
    // Bursts one contender after the other (the others stay connected, idle); then the paced
    // latency in interleaved rounds (a, b, c, a, b, c, ...) so that load from elsewhere on the
    // machine falls on all three alike.
    const open = [];
    try {
      for (const [label, spec] of argv.includes('--restart-only') ? [] : contenders) {
        const handle = await runContender({ ...base, ...spec, keepOpen: true });
        const r = handle.result;
        open.push(handle);
        results.push({ label, ...r });
        console.log(`${label}: ${r.delivered}/${r.expected} delivered in ${r.seconds.toFixed(2)} s, ${Math.round(r.perSecond)}/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
      }
      const rounds = 5;
      const histograms = open.map(() => new Map());
      for (let round = 0; round < rounds && open.length; round++) {
        for (const [i, handle] of open.entries()) {
          const h = await handle.pacedRound(paced.messages / rounds, paced.rate, messages + round * paced.messages);
          for (const [b, n] of h) histograms[i].set(b, (histograms[i].get(b) ?? 0) + n);
        }
      }
      for (const [i, h] of histograms.entries()) {
        results[i].paced = { rate: paced.rate, messages: paced.messages, rounds, p50: percentile(h, 0.5), p99: percentile(h, 0.99) };
        console.log(`${results[i].label}: at ${paced.rate} msg/s, p50 ${results[i].paced.p50.toFixed(2)} ms, p99 ${results[i].paced.p99.toFixed(2)} ms`);
      }
    } finally {
      for (const handle of open) await handle.close();
    }
    const restart = await runContender({
      ...base,
      kind: 'ours',
      processes: 3,
      prefix: 'r',
      restart: { redis, paceMs: 10, killAfterMs: 600, downMs: 500 },
    });
    results.push({ label: '(b) with a Redis restart', ...restart });
    const [a, b, c] = results;
    if (!c) {
      console.log(`restart run: ${JSON.stringify(restart)}`);
      return;
    }
    const fmt = (n) => Math.round(n).toLocaleString('en-US');
    const ms = (n) => `${n.toFixed(1)} ms`;
    console.log(`\n| | delivered/s | × (a) | × (c) | p50 / p99, all at once | p50 / p99 at ${paced.rate} msg/s | p99 × (c) at ${paced.rate} msg/s |`);
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of [a, b, c]) {
      console.log(
        `| ${r.label} | ${fmt(r.perSecond)} | ${(r.perSecond / a.perSecond).toFixed(2)} | ${(r.perSecond / c.perSecond).toFixed(2)} | ${ms(r.p50)} / ${ms(r.p99)} | ${ms(r.paced.p50)} / ${ms(r.paced.p99)} | ${(r.paced.p99 / c.paced.p99).toFixed(2)} |`,
      );
    }
    console.log(
      `\nRedis killed ${restart.downs.join('/')} times seen down; ${messages} published at ~${Math.round((BATCH * 1000) / 10)}/s per process: ` +
        `${restart.reported} reported to onError (reached local sockets only: ${restart.reachedLocalOnly}), ` +
        `lost without a report: ${restart.lostUnreported}, duplicates: ${restart.duplicates}`,
    );
    if (argv.includes('--json')) console.log(JSON.stringify(results));
  } finally {
    await redis.stop();
  }
}
