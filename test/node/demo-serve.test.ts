/// <reference types="node" />
// `npm start` as a process: no request fails while the server is starting, and the room's
// history survives a restart.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';

const root = new URL('../..', import.meta.url).pathname;
const data = mkdtempSync(join(tmpdir(), 'hxws-demo-data-'));
after(() => rmSync(data, { recursive: true, force: true }));

interface Demo {
  port: number;
  child: ChildProcess;
  stderr: () => string;
}

function start(): Demo {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HX_WS_DEMO_DATA: data },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.resume();
  return { port, child, stderr: () => err };
}

function stop(demo: Demo): Promise<void> {
  return new Promise((resolve) => {
    demo.child.once('exit', () => resolve());
    demo.child.kill('SIGTERM');
  });
}

/** GET, or null while nothing listens yet. */
function get(port: number, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
  });
}

/** GET a text body. */
function getText(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
  });
}

/** A sample's value in Prometheus text, by its name and labels as written after the prefix. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`hx_ws_${name}{`) || l.startsWith(`hx_ws_${name} `));
  assert.ok(line, `${name} in ${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Polls from the moment the process starts; returns the status of the first answers. */
async function firstAnswers(port: number, paths: string[]): Promise<number[]> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(paths.map((p) => get(port, p)));
    if (statuses.some((s) => s !== null)) {
      // The port opened while this round was under way: ask again for the ones refused before it.
      for (let i = 0; i < paths.length; i++) {
        while (statuses[i] === null && Date.now() < deadline) statuses[i] = await get(port, paths[i]!);
      }
      return statuses as number[];
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('the demo server never answered');
}

function socket(port: number): Promise<{ ws: WebSocket; messages: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
  });
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('npm start (demo/serve.ts)', () => {
  it('answers its very first requests correctly, not with a 500 while its plugins start', async () => {
    const demo = start();
    try {
      const statuses = await firstAnswers(demo.port, ['/demo/status.ts', '/demo/', '/src/index.ts', '/demo/favicon.svg']);
      assert.deepEqual(statuses, [200, 200, 200, 200]);
      assert.doesNotMatch(demo.stderr(), /Error while handling|pluginContext|TypeError/);
    } finally {
      await stop(demo);
    }
  });

  it('serves the socket counters at /stats, and they move', async () => {
    const demo = start();
    try {
      await firstAnswers(demo.port, ['/demo/']);
      const before = await getText(demo.port, '/stats');
      assert.equal(before.status, 200);
      assert.match(before.type, /^text\/plain; version=0\.0\.4/);
      assert.equal(sample(before.body, 'connections'), 0);
      const { ws, messages } = await socket(demo.port);
      ws.send(JSON.stringify({ author: 'Ada', message: 'counted', HEADERS: { 'HX-Request': 'true' } }));
      await until('the message came back', () => messages.some((m) => m.includes('counted')));
      const after = await getText(demo.port, '/stats');
      assert.equal(sample(after.body, 'connections'), 1);
      assert.equal(sample(after.body, 'messages_received_total') - sample(before.body, 'messages_received_total'), 1);
      assert.ok(sample(after.body, 'messages_sent_total') > sample(before.body, 'messages_sent_total'));
      ws.close();
    } finally {
      await stop(demo);
    }
  });

  it('keeps the last messages across a restart', async () => {
    const text = `before the restart ${Math.random().toString(36).slice(2)}`;
    let demo = start();
    try {
      await firstAnswers(demo.port, ['/demo/']);
      const { ws, messages } = await socket(demo.port);
      ws.send(JSON.stringify({ author: 'Ada', message: text, HEADERS: { 'HX-Request': 'true' } }));
      await until('the message came back', () => messages.some((m) => m.includes(text)));
      ws.close();
    } finally {
      await stop(demo);
    }
    demo = start();
    try {
      await firstAnswers(demo.port, ['/demo/']);
      const { ws, messages } = await socket(demo.port);
      await until('the history arrived', () => messages.some((m) => m.includes('id="messages"')));
      const history = messages.find((m) => m.includes('id="messages"'))!;
      assert.match(history, new RegExp(text));
      assert.match(history, /<span class="who">Ada<\/span>/);
      ws.close();
    } finally {
      await stop(demo);
    }
  });
});
