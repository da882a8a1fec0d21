// README.md's "A whole app" runs as it is: copied out into a file, started with node, it serves
// its page and the one-file build, and a message sent over its socket comes back as a swap.
// The file sits inside the repository (git-ignored), so `hx-ws-elements` resolves to this
// package (built here when dist/ is missing).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';

const packedPath: string = '../../scripts/packed.mjs';
const { readmeBlocks } = (await import(packedPath)) as { readmeBlocks: (heading: string, file?: string) => string[] };
const ROOT = new URL('../../', import.meta.url).pathname;
const DIR = join(ROOT, '.readme-app');

test('README.md stays under 10 KB: the rest is in docs/', () => {
  assert.ok(statSync(join(ROOT, 'README.md')).size < 10_000, `README.md is ${statSync(join(ROOT, 'README.md')).size} bytes`);
});

test("README's whole app runs as it is: page, script, a message swapped into every tab", async () => {
  if (!existsSync(join(ROOT, 'dist/server/index.js'))) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
  if (!existsSync(join(ROOT, 'dist/hx-ws.js'))) execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT });
  const [code] = readmeBlocks('## A whole app');
  assert.ok(code!.split('\n').length <= 30, 'the example stays short');
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'app.mjs'), code!);
  const app = spawn(process.execPath, ['app.mjs'], { cwd: DIR, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      app.stdout.on('data', (d: Buffer) => {
        const url = /http:\/\/localhost:\d+/.exec(String(d));
        if (url) resolve(url[0].replace('localhost', '127.0.0.1'));
      });
      app.on('exit', (c) => reject(new Error(`the app exited with ${c}`)));
    });
    const page = await (await fetch(`${base}/`)).text();
    assert.match(page, /hx-ws="connect:\/chat"/);
    const script = await fetch(`${base}/hx-ws.js`);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /hx-ws-connect/);
    // Two tabs: what one sends reaches both.
    const tabs = [new WebSocket(`${base.replace('http', 'ws')}/chat`, { origin: base }), new WebSocket(`${base.replace('http', 'ws')}/chat`, { origin: base })];
    await Promise.all(tabs.map((t) => new Promise((r, j) => (t.once('open', r), t.once('error', j)))));
    const got = tabs.map((t) => new Promise<string>((r) => t.once('message', (d) => r(String(d)))));
    tabs[0]!.send(JSON.stringify({ message: '<i>hello</i>', HEADERS: { 'HX-Request': 'true' } }));
    for (const swap of await Promise.all(got)) assert.equal(swap, '<ul id="messages" hx-swap-oob="beforeend"><li>&lt;i&gt;hello&lt;/i&gt;</li></ul>');
    for (const t of tabs) t.close();
  } finally {
    app.kill();
    rmSync(DIR, { recursive: true, force: true });
  }
});
