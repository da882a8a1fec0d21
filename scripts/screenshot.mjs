// Takes docs/demo.png: starts the demo (npm start), opens two tabs in headless Chromium, chats
// and shares an image from one, and photographs the other. `node scripts/screenshot.mjs`
import { spawn } from 'node:child_process';
import puppeteer from 'puppeteer-core';
import { findChrome } from './chrome.mjs';

const port = 8765 + Math.floor(Math.random() * 100);
const server = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts'], {
  env: { ...process.env, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => String(d).includes('demo:') && resolve());
  server.on('exit', (code) => reject(new Error(`demo server exited with ${code}`)));
});

const chrome = await findChrome();
const browser = await puppeteer.launch({ executablePath: chrome.executablePath, args: chrome.args, headless: true });
try {
  const url = `http://localhost:${port}/demo/`;
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
  await say(a, 'Ada', 'Hello from the first tab! Every message is an HTML fragment swapped in by id.');
  await say(b, 'Grace', 'And this image went up as a binary frame straight from the File:', true);
  await say(a, 'Ada', '<img src=x onerror=alert(1)> stays text: the server escapes it.');
  await a.waitForFunction(() => document.querySelectorAll('#messages .msg').length >= 3 && document.querySelector('#messages img')?.complete);
  await new Promise((r) => setTimeout(r, 1200)); // let the htmx-added flash fade
  await a.screenshot({ path: 'docs/demo.png' });
  console.log('wrote docs/demo.png');
} finally {
  await browser.close();
  server.kill();
}
