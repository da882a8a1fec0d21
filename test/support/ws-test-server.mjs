// A real `ws` server attached to the test runner's own HTTP server (same origin as the test
// page). Tests drive it through the `ws` server command (see test/support/server.ts):
// every channel records its connections and received frames, and can send, close, drop or
// refuse on demand. No fake WebSocket anywhere.
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';

const KEEP_BYTES = 1 << 20; // frames up to 1 MiB are kept whole for exact comparison

function newChannel() {
  return {
    sockets: new Set(),
    total: 0,
    refuse: 0,
    upgrades: [],
    frames: [],
    closes: [],
    echo: false,
  };
}

function describeFrame(data, isBinary, conn) {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const frame = {
    conn,
    binary: isBinary,
    size: buf.length,
    sha256: createHash('sha256').update(buf).digest('hex'),
  };
  if (buf.length <= KEEP_BYTES) {
    if (isBinary) frame.base64 = buf.toString('base64');
    else frame.text = buf.toString('utf8');
  }
  return frame;
}

function toWire(frame) {
  if (typeof frame === 'string') return [frame, { binary: false }];
  if (frame && typeof frame.base64 === 'string') return [Buffer.from(frame.base64, 'base64'), { binary: true }];
  if (frame && typeof frame.repeat === 'string') return [frame.repeat.repeat(frame.times), { binary: false }];
  throw new Error(`cannot send frame ${JSON.stringify(frame)}`);
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function wsTestServer({ prefix = '/ws/' } = {}) {
  /** @type {Map<string, ReturnType<typeof newChannel>>} */
  const channels = new Map();
  const channel = (name) => {
    let c = channels.get(name);
    if (!c) channels.set(name, (c = newChannel()));
    return c;
  };
  let wss;
  let nextConn = 1;

  const onUpgrade = (req, socket, head) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(prefix)) return; // not ours (the runner's own /wds socket)
    const name = url.pathname.slice(prefix.length).split('/')[0];
    const c = channel(name);
    c.upgrades.push({
      url: req.url,
      host: req.headers.host,
      origin: req.headers.origin ?? null,
      cookie: req.headers.cookie ?? null,
      protocol: req.headers['sec-websocket-protocol'] ?? null,
    });
    if (c.refuse > 0) {
      c.refuse -= 1;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = nextConn++;
      c.total += 1;
      c.sockets.add(ws);
      ws.on('message', (data, isBinary) => {
        c.frames.push(describeFrame(data, isBinary, conn));
        if (c.echo && !isBinary) ws.send(data.toString());
      });
      ws.on('close', (code) => {
        c.sockets.delete(ws);
        c.closes.push({ conn, code });
      });
      const greet = url.searchParams.get('greet');
      if (greet) ws.send(greet);
      if (url.searchParams.get('echo') === '1') c.echo = true;
    });
  };

  const commands = {
    state(c) {
      return {
        open: c.sockets.size,
        total: c.total,
        upgrades: c.upgrades,
        closes: c.closes,
        frameCount: c.frames.length,
      };
    },
    frames(c, { from = 0 } = {}) {
      return c.frames.slice(from);
    },
    send(c, { frames }) {
      const wire = frames.map(toWire);
      for (const ws of c.sockets) for (const [data, opts] of wire) ws.send(data, opts);
      return c.sockets.size;
    },
    flood(c, { count, template }) {
      // `{i}` in the template becomes the message number, 0-based.
      for (const ws of c.sockets) for (let i = 0; i < count; i++) ws.send(template.replaceAll('{i}', String(i)));
      return count;
    },
    close(c, { code = 1000, reason = '' }) {
      for (const ws of c.sockets) ws.close(code, reason);
      return true;
    },
    drop(c) {
      for (const ws of c.sockets) ws.terminate();
      return true;
    },
    refuse(c, { count = 1 }) {
      c.refuse = count;
      return true;
    },
    echo(c, { on = true }) {
      c.echo = on;
      return true;
    },
    reset(c) {
      for (const ws of c.sockets) ws.terminate();
      channels.delete(c.name);
      return true;
    },
  };

  return {
    name: 'ws-test-server',
    serverStart({ server }) {
      wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
      server.on('upgrade', onUpgrade);
    },
    async serverStop() {
      for (const c of channels.values()) for (const ws of c.sockets) ws.terminate();
      await new Promise((resolve) => wss?.close(() => resolve()));
    },
    async executeCommand({ command, payload }) {
      if (command !== 'ws') return undefined;
      const { channel: name, action, ...args } = payload;
      const fn = commands[action];
      if (!fn) throw new Error(`ws test server: unknown action ${action}`);
      const c = channel(name);
      c.name = name;
      return fn(c, args) ?? null;
    },
  };
}
