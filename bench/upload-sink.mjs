// A WebSocket server in its own process, for one upload: so that "the server's peak RSS" is the
// memory of a process that does nothing but receive (the driver, puppeteer and the page server
// stay out of it). Started with `fork()`; speaks over IPC:
//   child -> parent  { type: 'ready', port, rss }, then { type: 'connected' } per socket
//   parent -> child  { type: 'expect', bytes, mode }   mode: 'binary' | 'inline'
//   child -> parent  { type: 'progress', bytesRead } every 250 ms while expecting: raw TCP bytes
//                    read from the page's sockets since the expect, so a big frame shows
//                    progress before it is whole
//   child -> parent  { type: 'done', at, frames, received, rss0, rssPeak }
// It uses `ws` with its defaults except for the frame size limit (a whole message is buffered:
// that is how `ws`, and so the project's server helper, receive).
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

const now = () => performance.timeOrigin + performance.now();
const rss = () => process.memoryUsage.rss();

let expect = null;
let rss0 = rss();
let rssPeak = rss0;
let frames = 0;
let received = 0;
const tcpSockets = new Set();
let bytesBase = 0;
const tcpBytes = () => [...tcpSockets].reduce((n, s) => n + s.bytesRead, 0);
setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 5).unref();
setInterval(() => {
  if (!expect) return;
  process.send({ type: 'progress', bytesRead: tcpBytes() - bytesBase });
}, 250).unref();

const http = createServer((_, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, maxPayload: 1024 * 1024 * 1024, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  tcpSockets.add(req.socket);
  process.send({ type: 'connected' });
  ws.on('message', (data, isBinary) => {
    const at = now();
    frames++;
    received += data.length;
    rssPeak = Math.max(rssPeak, rss());
    if (!expect) return;
    const done = expect.mode === 'inline' ? !isBinary && data.length >= expect.bytes : isBinary && data.length === expect.bytes;
    if (done) {
      process.send({ type: 'done', at, frames, received, rss0, rssPeak });
      expect = null;
    }
  });
});

process.on('message', (m) => {
  if (m?.type === 'expect') {
    expect = m;
    bytesBase = tcpBytes();
    globalThis.gc?.();
    rss0 = rss();
    rssPeak = rss0;
  }
});

http.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: http.address().port, rss: rss() }));
