// Server memory for one large out-of-band file: a plain `ws` server that only receives the
// frame, against `attachHxWs` decoding the same request (JSON frame + one binary frame), each in
// a fresh process, same run. Shows the decoder adds no copy of the file: the file's `bytes` is
// the frame's own Buffer. Loopback only; one request per server.
//   node bench/decoder-memory.mjs [--mb 100]
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { argv } from 'node:process';
import { tsImport } from 'tsx/esm/api';
import WebSocket, { WebSocketServer } from 'ws';

const MB = Number(argv[argv.indexOf('--mb') + 1]) || 100;
const SIZE = MB * 1024 * 1024;
const role = argv.find((a) => a.startsWith('--serve='))?.slice('--serve='.length);

if (role) await serve(role);
else await drive();

async function serve(mode) {
  const mem = () => process.memoryUsage();
  global.gc?.();
  const base = mem();
  const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers };
  const sample = setInterval(() => {
    const m = mem();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  }, 2);
  const http = createServer((_q, res) => res.writeHead(404).end());
  const finish = (extra) => {
    clearInterval(sample);
    const m = mem();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    process.send({ mode, base, peak, ...extra });
    setTimeout(() => process.exit(0), 50);
  };
  if (mode === 'raw') {
    const wss = new WebSocketServer({ server: http, maxPayload: 2 * SIZE, perMessageDeflate: false });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => isBinary && finish({ received: data.length })));
  } else {
    const { attachHxWs } = await tsImport('../src/server/index.ts', import.meta.url);
    let frame;
    const hx = attachHxWs(http, {
      limits: { maxFileBytes: 2 * SIZE, maxRequestBytes: 2 * SIZE },
      handler(request) {
        const file = request.files[0];
        // The adapter hands the frame to the decoder before this listener sees it, so compare
        // after the fact: same memory means no copy was made.
        setImmediate(() => finish({ received: file.bytes.length, sameBuffer: file.bytes.buffer === frame?.buffer }));
      },
    });
    hx.wss.on('connection', (ws) => ws.on('message', (data, isBinary) => isBinary && (frame = data)));
  }
  http.listen(0, '127.0.0.1', () => process.send({ port: http.address().port }));
}

function run(mode) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url).pathname, [`--serve=${mode}`, '--mb', String(MB)], { execArgv: ['--expose-gc'] });
    child.on('error', reject);
    child.on('message', (m) => {
      if (m.port) {
        const ws = new WebSocket(`ws://127.0.0.1:${m.port}/`, { perMessageDeflate: false });
        ws.on('open', () => {
          const bytes = Buffer.alloc(SIZE, 7);
          if (mode === 'hx') {
            ws.send(JSON.stringify({
              upload: { serialization: 'file/oob', offset: 0, name: 'big.bin', type: 'application/octet-stream', size: SIZE, lastModified: 0 },
              HEADERS: { 'HX-Request': 'true' },
            }));
          }
          ws.send(bytes, { binary: true });
        });
        ws.on('error', reject);
      } else {
        resolve(m);
        child.kill();
      }
    });
  });
}

async function drive() {
  const raw = await run('raw');
  const hx = await run('hx');
  const mb = (n) => (n / 1024 / 1024).toFixed(0);
  const grow = (r) => r.peak.rss - r.base.rss;
  console.log(`One ${MB} MiB oob file, server process memory (peak over the idle process):`);
  console.log('| server | received MiB | RSS growth MiB | ArrayBuffer peak MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, r] of [['plain ws, frame only', raw], ['attachHxWs, whole request decoded', hx]]) {
    console.log(`| ${name} | ${mb(r.received)} | ${mb(grow(r))} | ${mb(r.peak.arrayBuffers)} |`);
  }
  console.log(`RSS growth ratio (decoder / plain ws): ${(grow(hx) / grow(raw)).toFixed(2)}`);
  console.log(`file.bytes is the frame's own buffer (no copy): ${hx.sameBuffer}`);
  if (!hx.sameBuffer || hx.received !== SIZE) process.exitCode = 1;
}
