// The project's server helper (attachHxWs) in its own process, for one upload at a time, so that
// its RSS is the memory of a process that does nothing but receive. Chunked files go to the
// built-in disk sink (a temporary directory); unchunked oob files arrive in memory, as they
// always did. Started with `fork()` (with tsx); speaks over IPC:
//   child -> parent  { type: 'ready', port }, then { type: 'connected' } per socket
//   parent -> child  { type: 'expect', bytes, killAt }   killAt: drop the socket once the disk
//                    sink has that many bytes (null: never)
//   child -> parent  { type: 'done', at, size, path, wireBytes, sinkBytes, kills, rss0, rssPeak }
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { attachHxWs, diskSink } from '../src/server/index.ts';

const now = () => performance.timeOrigin + performance.now();
const rss = () => process.memoryUsage.rss();
const dir = mkdtempSync(join(tmpdir(), 'hx-ws-bench-sink-'));
const disk = diskSink({ dir, ...(process.env.HX_SINK_HWM ? { highWaterMark: Number(process.env.HX_SINK_HWM) } : {}) });

let expect = null;
let rss0 = rss();
let rssPeak = rss0;
/** Bytes read from TCP on every socket since `expect`, and bytes handed to the disk sink. */
let wireBytes = 0;
let sinkBytes = 0;
let kills = 0;
/** With HX_SINK_MEM: what the process's RSS is made of (Linux), printed at the expect and at the peak. */
const procStatus = () =>
  existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => /^(RssAnon|RssFile|Threads)/.test(l)).join(' ') : '';
let atPeak = null;
setInterval(() => {
  const r = rss();
  if (r > rssPeak && process.env.HX_SINK_MEM) {
    atPeak = process.memoryUsage();
    atPeak.status = procStatus();
  }
  rssPeak = Math.max(rssPeak, r);
}, 5).unref();

const GiB = 1024 ** 3;
const http = createServer((_, res) => res.writeHead(404).end());
attachHxWs(http, {
  origins: () => true,
  limits: { maxFileBytes: 2 * GiB, maxRequestBytes: 2 * GiB + 1024 * 1024 },
  // Chromium sends a big message as frames of about 128 KiB: the unchunked file needs thousands.
  maxFramesPerMessage: 1 << 20,
  fileSink: (file, ctx) => {
    const inner = disk(file, ctx);
    // Counts what the sink gets, and drops the socket at `killAt` (the resume figure).
    const write = inner.write.bind(inner);
    inner.write = (chunk, ...rest) => {
      sinkBytes += chunk.length;
      if (expect?.killAt != null && sinkBytes >= expect.killAt) {
        expect.killAt = null;
        kills += 1;
        ctx.socket.terminate();
      }
      return write(chunk, ...rest);
    };
    return inner;
  },
  onConnection(ctx) {
    ctx.req.socket.on('data', (d) => (wireBytes += d.length));
    process.send({ type: 'connected' });
  },
  handler(request) {
    const at = now();
    rssPeak = Math.max(rssPeak, rss());
    const file = request.files[0];
    const size = file.path ? statSync(file.path).size : file.bytes.length;
    if (file.path) rmSync(file.path, { force: true });
    if (atPeak) console.error(`at peak MB ${JSON.stringify(Object.fromEntries(Object.entries(atPeak).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v / 2 ** 20) : v])))} rss0 ${Math.round(rss0 / 2 ** 20)}`);
    process.send({ type: 'done', at, size, path: Boolean(file.path), wireBytes, sinkBytes, kills, rss0, rssPeak });
    expect = null;
  },
  onError(error) {
    if (expect) console.error(`bench sink: ${error.message}`);
  },
});

process.on('message', (m) => {
  if (m?.type === 'expect') {
    expect = m;
    wireBytes = 0;
    sinkBytes = 0;
    kills = 0;
    globalThis.gc?.();
    rss0 = rss();
    rssPeak = rss0;
    if (process.env.HX_SINK_MEM) console.error('at expect', procStatus());
  }
});
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.on('SIGTERM', () => process.exit(0));

http.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: http.address().port }));
