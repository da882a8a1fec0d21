// The bench's HTTP + WebSocket server, on 127.0.0.1 with an OS-chosen port.
// HTTP: `/page/<contender>?mode=...` (generated pages), `/lib/<contender>.js` (pre-built
// bundles), `/harness.js`. WebSocket: `/ws/<channel>`; the driver (same process) talks to the
// sockets of a channel directly.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

/** Wall-clock milliseconds with sub-millisecond resolution (same scale as the page's clock). */
export const now = () => performance.timeOrigin + performance.now();

class Channel {
  constructor(name) {
    this.name = name;
    this.sockets = new Set();
    this.opened = 0;
    this.closed = 0;
    this.waiters = [];
    /** @type {null | ((data: Buffer, isBinary: boolean, at: number, ws: import('ws').WebSocket) => void)} */
    this.onMessage = null;
  }

  /**
   * Resolves with the newest socket that is open now, or waits for the next one. A page may
   * replace its socket (htmx 4 closes it while its tab is hidden and opens a new one when the
   * tab is shown), so the driver asks again before each measurement.
   */
  socket(timeoutMs = 15_000) {
    const open = [...this.sockets].filter((ws) => ws.readyState === ws.OPEN).pop();
    if (open) return Promise.resolve(open);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no open socket on channel ${this.name} within ${timeoutMs / 1000} s (${this.opened} opened, ${this.closed} closed so far)`)),
        timeoutMs,
      );
      this.waiters.push((ws) => {
        clearTimeout(timer);
        resolve(ws);
      });
    });
  }
}

/**
 * @param {{ pages: (name: string, mode: string, url: URL) => string | null, bundles: Map<string, string>, harness: string }} o
 */
export async function startServer({ pages, bundles, harness }) {
  /** @type {Map<string, Channel>} */
  const channels = new Map();
  const channel = (name) => {
    let c = channels.get(name);
    if (!c) channels.set(name, (c = new Channel(name)));
    return c;
  };
  const harnessCode = readFileSync(harness, 'utf8');

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/harness.js') return send(200, 'text/javascript', harnessCode);
    let m = /^\/lib\/([\w-]+)\.js$/.exec(url.pathname);
    if (m && bundles.has(m[1])) return send(200, 'text/javascript', bundles.get(m[1]));
    m = /^\/page\/([\w-]+)$/.exec(url.pathname);
    if (m) {
      const html = pages(m[1], url.searchParams.get('mode') ?? 'swap', url);
      if (html != null) return send(200, 'text/html; charset=utf-8', html);
    }
    if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
    send(404, 'text/plain', 'not found');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 * 1024, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/ws\/([\w-]+)$/.exec(url.pathname);
    if (!m) {
      socket.destroy();
      return;
    }
    const c = channel(m[1]);
    wss.handleUpgrade(req, socket, head, (ws) => {
      c.opened += 1;
      c.sockets.add(ws);
      ws.on('close', () => {
        c.sockets.delete(ws);
        c.closed += 1;
      });
      ws.on('message', (data, isBinary) => c.onMessage?.(data, isBinary, now(), ws));
      const waiters = c.waiters;
      c.waiters = [];
      for (const w of waiters) w(ws);
    });
  });

  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
  return {
    origin: `http://127.0.0.1:${port}`,
    channel,
    async close() {
      for (const c of channels.values()) for (const ws of c.sockets) ws.terminate();
      await new Promise((resolve) => wss.close(() => resolve(undefined)));
      http.closeAllConnections?.();
      await new Promise((resolve) => http.close(() => resolve(undefined)));
    },
  };
}

/** Sends `count` frames made by `make(i)` as fast as `ws` takes them. @returns the time of the first send. */
export function flood(ws, count, make) {
  const t0 = now();
  for (let i = 0; i < count; i++) ws.send(make(i));
  return t0;
}

/**
 * Sends `rate` frames per second for `durationMs`, each made with its actual send time:
 * `make(i, sentAt)`. Timers wake about once a millisecond; every frame that is due is sent.
 * @returns how many were sent and how late the sender itself ran (max lag behind schedule, ms).
 */
export async function steady(ws, rate, durationMs, make) {
  const total = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const start = now();
  let i = 0;
  let maxLag = 0;
  while (i < total) {
    const t = now();
    const due = start + i * interval;
    if (t >= due) {
      maxLag = Math.max(maxLag, t - due);
      ws.send(make(i, now()));
      i++;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - t - 0.5)));
  }
  return { sent: i, maxLag };
}
