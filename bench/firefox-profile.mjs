// Firefox's own profiler (the Gecko profiler, started with the browser and written out when it
// quits) over one contender's swap path: `npm run bench:firefox-profile -- element` (or raw, shim,
// or any entry file). The page gets 10,000 bench fragments from a stand-in WebSocket, or with
// `--socket` through a real one (the bench's situation: the browser's own delivery, and the small
// passes it leads to). Prints self and inclusive samples by JS function or Gecko label ("set
// Element.innerHTML", "Event constructor", "Reflow") on the page's main thread. Firefox:
// FIREFOX_PATH, else the system's firefox-esr.
/* global window */
import http from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { WebSocketServer } from 'ws';
import { findFirefox } from '../scripts/browsers.mjs';
import { bundle } from '../scripts/bundle.mjs';

const ENTRIES = { raw: 'bench/entries/raw.js', element: 'src/index.ts', shim: 'src/upgrade.ts' };
const MARKUP = {
  raw: (inner) => `<div data-raw-ws="/ws">${inner}</div>`,
  element: (inner) => `<hx-ws-connect url="/ws">${inner}</hx-ws-connect>`,
  shim: (inner) => `<div hx-ws="connect:/ws">${inner}</div>`,
};
const SOCKET = process.argv.includes('--socket');
const [name = 'element', topArg = '30'] = process.argv.slice(2).filter((a) => a !== '--socket');
const top = Number(topArg);
const entry = ENTRIES[name] ?? name;
const markup = MARKUP[name] ?? MARKUP.element;

// One ~200-byte fragment for one of 100 targets, numbered (the server's, and the page's copy).
const fragment = (i) => {
  const head = `<div id="t${i % 100}" hx-swap-oob="true" class="row" data-seq="${i}"><span class="n">item ${i}</span> <b>`;
  return head + 'x'.repeat(Math.max(0, 190 - head.length)) + '</b></div>';
};
// Resolves with the time until fragment `last` is applied (its target carries its number).
const APPLIED = `(last, t0) => new Promise((resolve) => {
  const done = () => document.getElementById('t' + (last % 100))?.dataset.seq === String(last) ? resolve(performance.now() - t0) : setTimeout(done, 0);
  setTimeout(done, 0);
})`;

// `runSynth(n)` has n fragments delivered and resolves with the time until the last is applied.
// By default a WebSocket stand-in delivers them, one task each, so the profile holds the library's
// work and not the network's. With `--socket` the server floods them through a real socket (each
// run numbered on from the last, so a target tells which run it is from).
const PAGE_SCRIPT = SOCKET
  ? `
let next = 0;
window.runSynth = async (n) => {
  const from = next; next += n;
  const applied = (${APPLIED})(from + n - 1, performance.now());
  await fetch('/flood?from=' + from + '&n=' + n);
  return applied;
};`
  : `
class StandIn extends EventTarget {
  constructor(url) { super(); this.url = String(url); this.readyState = 0; this.bufferedAmount = 0; this.protocol = ''; this.extensions = '';
    window.standIn = this; setTimeout(() => { this.readyState = 1; this.dispatchEvent(new Event('open')); }, 0); }
  send() {} close() { this.readyState = 3; }
}
Object.assign(StandIn, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
window.WebSocket = StandIn;
const fragment = ${fragment};
window.runSynth = (n) => {
  const messages = Array.from({ length: n }, (_, i) => fragment(i));
  const channel = new MessageChannel(); let i = 0;
  const applied = (${APPLIED})(n - 1, performance.now());
  channel.port1.onmessage = () => window.standIn.dispatchEvent(new MessageEvent('message', { data: messages[i++] }));
  for (let k = 0; k < n; k++) channel.port2.postMessage(0);
  return applied;
};`;

const code = (await bundle({ entry, minify: false })).code;
let targets = '';
for (let i = 0; i < 100; i++) targets += `<div id="t${i}" class="row">target ${i}</div>`;
let socket = null;
const server = http.createServer((req, res) => {
  if (req.url === '/lib.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
  if (req.url.startsWith('/flood?')) {
    const q = new URL(req.url, 'http://localhost').searchParams;
    const from = Number(q.get('from'));
    for (let i = from; i < from + Number(q.get('n')); i++) socket.send(fragment(i));
    return res.end();
  }
  if (req.url !== '/') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<!doctype html><html><body><script>${PAGE_SCRIPT}</script>${markup(targets)}<script type="module" src="/lib.js"></script></body></html>`);
});
if (SOCKET) new WebSocketServer({ server, path: '/ws' }).on('connection', (ws) => (socket = ws));
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const firefox = findFirefox();
if ('missing' in firefox) throw new Error(`${firefox.missing}; install it with: ${firefox.install}`);
const out = join(tmpdir(), `hx-ws-firefox-profile-${process.pid}.json`);
const browser = await puppeteer.launch({
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath: firefox.executablePath,
  headless: true,
  env: {
    ...process.env,
    MOZ_PROFILER_STARTUP: '1',
    MOZ_PROFILER_SHUTDOWN: out,
    MOZ_PROFILER_STARTUP_INTERVAL: '0.2',
    MOZ_PROFILER_STARTUP_ENTRIES: '10000000',
    MOZ_PROFILER_STARTUP_FEATURES: 'js,stackwalk,cpu',
    MOZ_PROFILER_STARTUP_FILTERS: 'GeckoMain',
  },
});
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await new Promise((r) => setTimeout(r, 500));
await page.evaluate(() => window.runSynth(2000)); // warm-up
const runs = [];
for (let k = 0; k < 3; k++) runs.push(await page.evaluate(() => window.runSynth(10000)));
await browser.close();
server.close();
for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
if (!existsSync(out)) throw new Error('Firefox wrote no profile');
const profile = JSON.parse(readFileSync(out, 'utf8'));
rmSync(out, { force: true });

// The page's main thread: the GeckoMain whose strings name the page's own function.
const threads = [];
const collect = (p) => {
  for (const t of p.threads ?? []) threads.push(t);
  for (const c of p.processes ?? []) collect(c);
};
collect(profile);
const thread = threads
  .filter((t) => t.name === 'GeckoMain' && t.stringTable?.some((s) => typeof s === 'string' && s.includes('runSynth')))
  .sort((a, b) => b.samples.data.length - a.samples.data.length)[0];
if (!thread) throw new Error('no page thread in the profile');
const { samples, stackTable, frameTable, stringTable } = thread;
const frameName = (stack) => {
  const location = stringTable[frameTable.data[stackTable.data[stack][stackTable.schema.frame]][frameTable.schema.location]];
  return String(location).replace(/ \(http[^)]*\)(\[\d+\])?$/, '').replace(/ http:\/\/[^ ]*$/, '');
};
const self = new Map();
const inclusive = new Map();
let total = 0;
for (const sample of samples.data) {
  let stack = sample[samples.schema.stack];
  if (stack == null) continue;
  total++;
  // Native frames without symbols (0x...) count toward the nearest named frame under them.
  let named = null;
  const seen = new Set();
  for (; stack != null; stack = stackTable.data[stack][stackTable.schema.prefix]) {
    const n = frameName(stack);
    if (n.startsWith('0x')) continue;
    named ??= n;
    if (!seen.has(n)) inclusive.set(n, (inclusive.get(n) ?? 0) + 1);
    seen.add(n);
  }
  self.set(named ?? '(native)', (self.get(named ?? '(native)') ?? 0) + 1);
}
const show = (title, m) => {
  console.log(`\n${title}`);
  for (const [n, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(v / 5).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${n}`);
};
// The run times are printed for orientation only: under the profiler they swing widely; read the shares.
console.log(`${name} (${entry}): 10,000 messages in ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms; ${total} samples of 0.2 ms on the page's main thread, whole session`);
show('self (by JS function or Gecko label):', self);
show('inclusive:', inclusive);
