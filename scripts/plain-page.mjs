// Part of `check:pack`: the two ways (docs/getting-started.md) to load the package on a page without a bundler,
// tried in headless Chromium against an app that installed the tarball. A static server serves
// the app's folder (node_modules included); one page loads the one-file build with a script
// tag, the other the modules through the guide's import map, copied from it. Each must
// define both elements and start the attribute shim, with no failed request and no error.
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import puppeteer from 'puppeteer-core';
import { findChrome } from './chrome.mjs';
import { readmeBlocks } from './packed.mjs';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

/** The plain-page markup of docs/getting-started.md, and what a page with it must show. */
function pages() {
  const blocks = readmeBlocks('### Without a bundler', 'docs/getting-started.md');
  const tag = blocks.find((b) => b.includes('<script type="module" src='));
  const importMap = blocks.find((b) => b.includes('type="importmap"'));
  if (!tag || !importMap) throw new Error('docs/getting-started.md: "Without a bundler" lost its script tag or its import map');
  // The shim's element starts connecting (the socket itself fails: nothing answers here).
  const body =
    '<script>addEventListener("hx-ws-connecting", () => (window.connecting = true));</script>' +
    '<div hx-ws="connect:/nowhere"><form hx-ws="send"><input name="q"></form></div>';
  return {
    // The guide serves the file from /assets/; here it is where npm put it.
    'one-file.html': tag.replace(/src="[^"]*"/, 'src="/node_modules/hx-ws-elements/dist/hx-ws.js"') + body,
    'import-map.html': importMap + body,
  };
}

/** @returns {Promise<string[]>} problems */
export async function checkPlainPages(appDir) {
  const html = pages();
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (html[path.slice(1)]) return res.writeHead(200, { 'Content-Type': 'text/html' }).end(html[path.slice(1)]);
    const file = join(appDir, normalize(path));
    try {
      if (!file.startsWith(appDir) || !statSync(file).isFile()) throw new Error('not a file');
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chrome = await findChrome();
  const browser = await puppeteer.launch({ executablePath: chrome.executablePath, args: chrome.args, headless: true });
  const problems = [];
  try {
    for (const name of Object.keys(html)) {
      const page = await browser.newPage();
      const trouble = [];
      page.on('pageerror', (e) => trouble.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => trouble.push(`failed: ${r.url()}`));
      page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && trouble.push(`${r.status()}: ${r.url()}`));
      await page.goto(`http://127.0.0.1:${server.address().port}/${name}`);
      const ok = await page
        .waitForFunction(() => customElements.get('hx-ws-connect') && customElements.get('hx-ws-send') && window.connecting, { timeout: 10_000 })
        .then(() => true, () => false);
      if (!ok) problems.push(`plain page of docs/getting-started.md (${name}): the elements were not defined or the shim did not start`);
      for (const t of trouble) problems.push(`plain page of docs/getting-started.md (${name}): ${t}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return problems;
}
