// Takes docs/demo.png: starts the demo (npm start) with an empty history, opens two tabs in
// headless Chromium, chats and shares an image from one, then starts a 12 MB upload from the
// other and photographs it mid-way, progress bar and connection state in view.
// `node scripts/screenshot.mjs`
//
// On loopback an upload is over in milliseconds, so the pages reach the server through a small
// TCP proxy here that lets page-to-server bytes through at 2 MB/s: the bar shows a real upload
// in progress, measured by the library as the socket drains.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { findChrome } from './chrome.mjs';

const port = 8765 + Math.floor(Math.random() * 100);
const data = mkdtempSync(join(tmpdir(), 'hxws-screenshot-'));
const server = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HX_WS_DEMO_DATA: data },
  stdio: ['ignore', 'pipe', 'inherit'],
});

const UPLOAD_BYTES_PER_S = 2 * 1024 * 1024;
const proxy = net.createServer((client) => {
  const upstream = net.connect(port, '127.0.0.1');
  upstream.pipe(client);
  client.on('data', (chunk) => {
    upstream.write(chunk);
    client.pause();
    setTimeout(() => client.resume(), (chunk.length / UPLOAD_BYTES_PER_S) * 1000);
  });
  client.on('end', () => upstream.end());
  for (const s of [client, upstream]) s.on('error', () => [client, upstream].forEach((x) => x.destroy()));
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => String(d).includes('demo:') && resolve());
  server.on('exit', (code) => reject(new Error(`demo server exited with ${code}`)));
});

const chrome = await findChrome();
const browser = await puppeteer.launch({ executablePath: chrome.executablePath, args: chrome.args, headless: true });
try {
  const url = `http://127.0.0.1:${proxy.address().port}/demo/`;
  const open = async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 820, height: 640, deviceScaleFactor: 1 });
    await page.goto(url);
    await page.waitForSelector('#state[data-state="open"]');
    return page;
  };
  const say = async (page, author, message, image) => {
    await page.$eval('input[name=author]', (el, v) => (el.value = v), author);
    await page.$eval('input[name=message]', (el, v) => (el.value = v), message);
    if (image) {
      await page.evaluate(async () => {
        // A small bar chart, drawn here and sent as a PNG file over the socket.
        const c = Object.assign(document.createElement('canvas'), { width: 240, height: 120 });
        const g = c.getContext('2d');
        g.fillStyle = '#f4f6fa';
        g.fillRect(0, 0, 240, 120);
        [40, 75, 55, 100, 85].forEach((h, i) => {
          g.fillStyle = ['#2456d6', '#3d6fe8', '#5a86f0', '#17612f', '#2f8f4e'][i];
          g.fillRect(20 + i * 42, 115 - h, 30, h);
        });
        const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
        const dt = new DataTransfer();
        dt.items.add(new File([blob], 'throughput.png', { type: 'image/png' }));
        document.querySelector('input[type=file]').files = dt.files;
      });
    }
    await page.click('button');
  };
  const a = await open();
  const b = await open();
  const shown = (n) => a.waitForFunction((n) => document.querySelectorAll('#messages .msg').length >= n, {}, n);
  await say(a, 'Ada', 'Hello from the first tab! Every message is an HTML fragment swapped in by id.');
  await shown(1);
  await say(b, 'Grace', 'And this image went up as a binary frame straight from the File:', true);
  await shown(2);
  await say(a, 'Ada', '<img src=x onerror=alert(1)> stays text: the server escapes it.');
  await a.waitForFunction(() => document.querySelectorAll('#messages .msg').length >= 3 && document.querySelector('#messages img')?.complete);
  await new Promise((r) => setTimeout(r, 1200)); // let the htmx-added flash fade
  // A 12 MB recording from the first tab, photographed while it is going up.
  await a.$eval('input[name=message]', (el) => (el.value = 'Uploading the whole recording now (12 MB, as binary frames).'));
  await a.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(12 * 1024 * 1024)], 'recording.webm', { type: 'video/webm' }));
    document.querySelector('input[type=file]').files = dt.files;
  });
  await a.click('button');
  await a.waitForFunction(() => {
    const pct = Number(/(\d+) %/.exec(document.querySelector('#upload .upload-label')?.textContent ?? '')?.[1]);
    return !document.getElementById('upload').hidden && pct >= 40;
  }, { timeout: 30_000 });
  await a.screenshot({ path: 'docs/demo.png' });
  console.log('wrote docs/demo.png');
} finally {
  await browser.close();
  proxy.close();
  server.kill();
  rmSync(data, { recursive: true, force: true });
}
