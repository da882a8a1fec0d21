// Where an idle connection's heap goes: heap snapshots of one server process before and after
// `--connections` idle clients connect (and one heartbeat round has passed), the difference
// counted by node type and constructor (or closure) name, per connection. Loopback only.
//
//   node bench/connection-heap.mjs [--kind hx|ws] [--connections 2000] [--top 30] [--src]
//
// hx is `attachHxWs` compiled by `tsc` into a temporary directory, as a package user runs it
// (`--src` runs `src/` through tsx instead: tsx compiles with esbuild's keepNames, which gives
// every named function a property store, so per-connection closures cost more there); ws is a
// plain `ws` server with the usual ping-and-terminate heartbeat. The snapshots (tens of MB each)
// are written to the temporary directory and removed at the end.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { WebSocket, WebSocketServer } from 'ws';

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const HEARTBEAT_MS = 2000;

if (argv[0] === '--clients') await clients();
else if (argv[0] === '--serve') await serve(argv[1], argv[2]);
else await drive();

/** The client process: opens the connections it is told to, 100 at a time, and keeps them. */
async function clients() {
  const open = [];
  process.on('message', async ({ port, count }) => {
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/c`, { perMessageDeflate: false });
        open.push(ws);
        return new Promise((resolve) => {
          ws.once('open', resolve);
          ws.once('error', resolve);
        });
      });
      await Promise.all(batch);
    }
    process.send({ open: open.filter((ws) => ws.readyState === WebSocket.OPEN).length });
  });
  process.send({ ready: true });
}

/** The server process: a snapshot with no connection, then one with `count`, both paths sent back. */
async function serve(kind, dir) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  if (kind === 'ws') {
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      ws.alive = true;
      ws.on('pong', () => (ws.alive = true));
      ws.on('error', () => {});
    });
    setInterval(() => {
      for (const ws of wss.clients) {
        if (!ws.alive) ws.terminate();
        ws.alive = false;
        ws.ping();
      }
    }, HEARTBEAT_MS).unref();
  } else {
    const entry = kind === 'hx-src' ? null : join(dir, 'build', 'server', 'index.js');
    const { attachHxWs } = entry ? await import(entry) : await (await import('tsx/esm/api')).tsImport('../src/server/index.ts', import.meta.url);
    globalThis.hub = attachHxWs(http, {
      path: '/c',
      maxConnections: 100_000,
      maxConnectionsPerAddress: 100_000,
      pingIntervalMs: HEARTBEAT_MS,
      handler: () => {},
      onError: () => {},
    });
  }
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const snapshot = async (name) => {
    globalThis.gc();
    await sleep(100);
    globalThis.gc();
    return writeHeapSnapshot(join(dir, `${name}.heapsnapshot`));
  };
  process.send({ port: http.address().port, before: await snapshot('before') });
  process.once('message', async () => {
    await sleep(HEARTBEAT_MS * 1.5); // a heartbeat round, so its state is counted too
    process.send({ after: await snapshot('after') });
  });
}

/** Totals of a snapshot: self size and count by "type:name". */
function census(file) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const totals = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]];
    // A string's "name" is its text, a number's its value: count those by type alone.
    const name = /string|number/.test(type) ? '' : strings[nodes[i + nameAt]].slice(0, 60);
    const key = `${type}:${name}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    totals.set(key, entry);
  }
  return totals;
}

function next(child) {
  return new Promise((resolve) => child.once('message', resolve));
}

async function drive() {
  const kind = option('kind', 'hx');
  const count = Number(option('connections', 2000));
  const top = Number(option('top', 30));
  const dir = mkdtempSync(join(tmpdir(), 'hx-ws-heap-'));
  const self = fileURLToPath(import.meta.url);
  try {
    const serveKind = kind === 'hx' && argv.includes('--src') ? 'hx-src' : kind;
    if (serveKind === 'hx') {
      const root = fileURLToPath(new URL('..', import.meta.url));
      // The build imports `ws` and the rest: it finds them through a link to this checkout's node_modules.
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'build'), '--declaration', 'false', '--sourceMap', 'false', '--inlineSources', 'false'], { stdio: 'inherit' });
    }
    const server = fork(self, ['--serve', serveKind, dir], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { port, before } = await next(server);
    const client = fork(self, ['--clients'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await next(client);
    client.send({ port, count });
    const { open } = await next(client);
    server.send({ go: true });
    const { after } = await next(server);
    client.kill();
    server.kill();
    const [a, b] = [census(before), census(after)];
    const rows = [...b].map(([key, { count: n, bytes }]) => {
      const old = a.get(key) ?? { count: 0, bytes: 0 };
      return { key, count: (n - old.count) / open, bytes: (bytes - old.bytes) / open };
    });
    rows.sort((x, y) => y.bytes - x.bytes);
    const total = rows.reduce((sum, row) => sum + row.bytes, 0);
    console.log(`${serveKind}: ${open} idle connections, ${total.toFixed(0)} bytes of heap snapshot each (self sizes; native wrappers included)`);
    console.log('bytes/conn  count/conn  node');
    for (const row of rows.slice(0, top)) console.log(`${row.bytes.toFixed(1).padStart(10)}  ${row.count.toFixed(2).padStart(10)}  ${row.key}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
