// The examples in examples/ run as they are: each serves the page and the one-file build, and a
// request over its socket comes back as a swap. The Vite one proxies the socket to a separate
// server. They import the package by its name, so they use the built dist/ (built here when missing).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';

const ROOT = new URL('../../', import.meta.url).pathname;

before(() => {
  if (!existsSync(`${ROOT}dist/server/index.js`)) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
  if (!existsSync(`${ROOT}dist/hx-ws.js`)) execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT });
});

interface Started {
  port: number;
  close(): Promise<unknown>;
}

/** Sends one chat request on `url` (with `origin`) and resolves to the first message back. */
function exchange(url: string, origin: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    const timer = setTimeout(() => reject(new Error(`no answer on ${url}`)), 5000);
    ws.on('open', () => ws.send(JSON.stringify({ message, HEADERS: { 'HX-Request': 'true' } })));
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(data));
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

async function checkApp(start: (port: number) => Promise<Started>): Promise<void> {
  const app = await start(0);
  try {
    const base = `http://127.0.0.1:${app.port}`;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /hx-ws="connect:\/chat"/);
    const script = await fetch(`${base}/hx-ws.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /hx-ws-connect/);
    const swap = await exchange(`ws://127.0.0.1:${app.port}/chat`, base, 'hi <b>there</b>');
    assert.match(swap, /<ul id="messages" hx-swap-oob="beforeend"><li>hi &lt;b&gt;there&lt;\/b&gt;<\/li><\/ul>/);
  } finally {
    await app.close();
  }
}

describe('examples/', () => {
  for (const name of ['plain-node', 'express', 'fastify', 'hono']) {
    it(`${name}.mjs serves the page and the script, and swaps a message`, async () => {
      const { start } = (await import(`../../examples/${name}.mjs`)) as { start: (port: number) => Promise<Started> };
      await checkApp(start);
    });
  }

  describe('vite/ (dev server proxying the socket)', () => {
    let socketServer: Started;
    let vite: { close(): Promise<void>; httpServer: import('node:http').Server | null; listen(): Promise<unknown> };
    after(async () => {
      await vite?.close();
      await socketServer?.close();
    });

    it('passes the upgrade through with ws: true; the same-origin check sees Vite\'s Host and Origin', async () => {
      const plain = '../../examples/plain-node.mjs';
      const { start } = (await import(plain)) as { start: (port: number) => Promise<Started> };
      socketServer = await start(0);
      process.env.SOCKET_PORT = String(socketServer.port);
      const { createServer } = await import('vite');
      vite = (await createServer({
        root: `${ROOT}examples/vite`,
        configFile: `${ROOT}examples/vite/vite.config.mjs`,
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1', hmr: false },
      })) as unknown as typeof vite;
      await vite.listen();
      const address = vite.httpServer!.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const swap = await exchange(`ws://127.0.0.1:${port}/chat`, `http://127.0.0.1:${port}`, 'through vite');
      assert.match(swap, /<li>through vite<\/li>/);
    });
  });
});
