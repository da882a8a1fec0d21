// Load test of the server helper: many concurrent `ws` clients, each sending requests with small
// files (oob, inline-base64 and inline-text in turn) through `attachHxWs`, on loopback only.
//
//   node bench/load.mjs [--clients 1000] [--seconds 30] [--window 4] [--json]
//
// The server runs in its own process (a fork of this file with `--serve`), so its peak RSS is the
// helper's memory and not the clients'. Each client keeps `window` requests in flight: it sends
// the next one when the server's delivery ack (`<hx-ws-ack>`, sent once the handler has the
// request) comes back. After `seconds` the clients stop, wait for their last acks, and the
// numbers are compared: every request sent must have been decoded once, with the right bytes.
// Bounded: at most 5,000 clients and 300 s, and only 127.0.0.1.
//
// Prints a summary; with --json, one JSON line last (test/node/load.test.ts reads it).
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
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
const sha = (buf) => createHash('sha256').update(buf).digest('base64');

if (argv.includes('--serve')) await serve();
else await drive();

/** The server process: attachHxWs on 127.0.0.1, counting what the handler gets per client. */
async function serve() {
  const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
  const decoded = new Map(); // client → requests decoded
  let bad = 0;
  let files = 0;
  let bytes = 0;
  let protocolErrors = 0;
  const rss0 = process.memoryUsage.rss();
  let rssPeak = rss0;
  let heapPeak = 0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  const http = createServer((_req, res) => res.writeHead(404).end());
  attachHxWs(http, {
    path: '/load',
    // Every client is on 127.0.0.1 here.
    maxConnectionsPerAddress: 5000,
    handler(request, ctx) {
      const client = ctx.data.client ??= new URL(ctx.req.url, 'http://x').searchParams.get('c');
      decoded.set(client, (decoded.get(client) ?? 0) + 1);
      const file = request.files[0];
      files += request.files.length;
      bytes += file?.bytes.length ?? 0;
      if (!file || sha(file.bytes) !== request.values.sum || file.serialization !== request.values.mode) bad++;
    },
    onError(error) {
      protocolErrors++;
      console.error(`[load server] ${error.message}`);
    },
  });
  await new Promise((resolve) => http.listen(0, HOST, resolve));
  process.send({ type: 'ready', port: http.address().port });
  process.on('message', (msg) => {
    if (msg.type !== 'report') return;
    clearInterval(sample);
    process.send({
      type: 'report',
      decoded: Object.fromEntries(decoded),
      bad,
      files,
      bytes,
      protocolErrors,
      rss0,
      rssPeak: Math.max(rssPeak, process.memoryUsage.rss()),
      heapPeak,
    });
    process.exit(0);
  });
}

/** The client side: opens the sockets, sends for `seconds`, drains, asks the server for its count. */
async function drive() {
  const CLIENTS = Math.min(5000, Math.max(1, opt('clients', 1000)));
  const SECONDS = Math.min(300, Math.max(1, opt('seconds', 30)));
  const WINDOW = Math.min(64, Math.max(1, opt('window', 4)));
  const json = argv.includes('--json');
  const log = (line) => console.error(line);

  const server = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const fromServer = (type) => new Promise((resolve) => server.on('message', (m) => m.type === type && resolve(m)));
  const { port } = await fromServer('ready');
  log(`load: ${CLIENTS} clients × ${SECONDS} s, window ${WINDOW}, server pid ${server.pid} on ${HOST}:${port}`);

  const MODES = ['file/oob', 'file/inline-base64', 'file/inline-text'];
  const pool = randomBytes(64 * 1024);
  let sending = true;

  /** One client: a socket and its counts. */
  function client(index) {
    const c = { sent: 0, acked: 0, inFlight: 0, closedEarly: false, ws: null };
    const nextRequest = () => {
      const n = c.sent++;
      const mode = MODES[(index + n) % 3];
      const size = 64 + ((index * 7919 + n * 104729) % 4032); // 64 B .. 4 KiB
      const start = (index * 31 + n * 17) % (pool.length - size);
      let bytes = pool.subarray(start, start + size);
      if (mode === 'file/inline-text') bytes = Buffer.from(bytes.toString('base64').slice(0, size), 'utf8');
      const descriptor = { serialization: mode, name: `f${n}.bin`, type: mode === 'file/inline-text' ? 'text/plain' : 'application/octet-stream', size: bytes.length, lastModified: 1 };
      if (mode === 'file/oob') descriptor.offset = 0;
      else descriptor.body = mode === 'file/inline-text' ? bytes.toString('utf8') : bytes.toString('base64');
      const values = { rid: String(n), msg: 'hello', mode, sum: sha(bytes), file: descriptor, HEADERS: { 'HX-Request': 'true', 'HX-Request-Id': `c${index}-${n}` } };
      c.ws.send(JSON.stringify(values));
      if (mode === 'file/oob') c.ws.send(bytes, { binary: true });
      c.inFlight++;
    };
    const opened = new Promise((resolve, reject) => {
      c.ws = new WebSocket(`ws://${HOST}:${port}/load?c=${index}`, { perMessageDeflate: false });
      c.ws.once('open', resolve);
      c.ws.once('error', reject);
    });
    c.ws.on('message', (data) => {
      const text = data.toString();
      if (!text.startsWith('<hx-ws-ack')) return;
      c.acked++;
      c.inFlight--;
      if (sending) nextRequest();
      else if (c.inFlight === 0) c.drained?.();
    });
    c.ws.on('close', () => {
      if (sending) c.closedEarly = true;
    });
    c.start = () => {
      for (let i = 0; i < WINDOW; i++) nextRequest();
    };
    c.opened = opened;
    return c;
  }

  const clients = [];
  const t0 = performance.now();
  for (let i = 0; i < CLIENTS; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(CLIENTS, i + 100); j++) batch.push(client(j));
    await Promise.all(batch.map((c) => c.opened));
    clients.push(...batch);
  }
  log(`load: ${CLIENTS} sockets open in ${Math.round(performance.now() - t0)} ms`);

  const started = performance.now();
  for (const c of clients) c.start();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  sending = false;
  const drainStart = performance.now();
  const drained = await Promise.race([
    Promise.all(clients.map((c) => (c.inFlight === 0 ? undefined : new Promise((resolve) => (c.drained = resolve))))).then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 30_000)),
  ]);
  const elapsed = (performance.now() - started) / 1000;
  const drainMs = Math.round(performance.now() - drainStart);
  server.send({ type: 'report' });
  const report = await fromServer('report');
  for (const c of clients) c.ws.terminate();

  const sent = clients.map((c) => c.sent);
  const decodedPer = clients.map((_, i) => report.decoded[String(i)] ?? 0);
  const totalSent = sent.reduce((a, b) => a + b, 0);
  const totalDecoded = decodedPer.reduce((a, b) => a + b, 0);
  const mean = totalDecoded / CLIENTS;
  const min = Math.min(...decodedPer);
  const max = Math.max(...decodedPer);
  const result = {
    clients: CLIENTS,
    seconds: SECONDS,
    window: WINDOW,
    sent: totalSent,
    decoded: totalDecoded,
    acked: clients.reduce((a, c) => a + c.acked, 0),
    mismatched: clients.filter((c, i) => c.sent !== decodedPer[i]).length,
    bad: report.bad,
    protocolErrors: report.protocolErrors,
    closedEarly: clients.filter((c) => c.closedEarly).length,
    drained,
    drainMs,
    requestsPerSecond: Math.round(totalDecoded / elapsed),
    fileBytes: report.bytes,
    perClient: { min, mean: Math.round(mean * 10) / 10, max, minOverMean: Math.round((min / mean) * 1000) / 1000 },
    serverRss0MB: Math.round(report.rss0 / 1048576),
    serverRssPeakMB: Math.round(report.rssPeak / 1048576),
    serverHeapPeakMB: Math.round(report.heapPeak / 1048576),
  };
  log(
    `load: ${result.decoded} of ${result.sent} requests decoded (${result.requestsPerSecond}/s, ${(result.fileBytes / 1048576).toFixed(1)} MiB of files), ` +
      `${result.bad} with wrong bytes, ${result.protocolErrors} protocol errors, ${result.closedEarly} sockets closed early, drained in ${drainMs} ms`,
  );
  log(`load: per client min ${min} / mean ${result.perClient.mean} / max ${max} (min/mean ${result.perClient.minOverMean})`);
  log(`load: server RSS ${result.serverRss0MB} MB at start, peak ${result.serverRssPeakMB} MB; heap peak ${result.serverHeapPeakMB} MB`);
  if (json) console.log(JSON.stringify(result));
  const ok = drained && result.sent === result.decoded && result.mismatched === 0 && result.bad === 0 && result.protocolErrors === 0 && result.closedEarly === 0;
  process.exit(ok ? 0 : 1);
}
