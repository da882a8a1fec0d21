// `node bench/morph.mjs [--rows 200] [--messages 100]`: main-thread time per message when a
// 200-row table is updated by messages that each change 10 rows' cells and move one row:
// hx-ws-elements' outerHTML and morph (hx-ws-elements/morph, idiomorph underneath), against
// htmx 2 + idiomorph's htmx extension (`morph` swap) and htmx 2's own outerHTML. Chromium; the
// time is measured around the synchronous swap call in the page (settling is not counted).
import puppeteer from 'puppeteer-core';
import { findChromium } from '../scripts/browsers.mjs';
import { bundle } from '../scripts/bundle.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 200);
const MESSAGES = arg('messages', 100);

/** The table's rows in `order`, version `v` of ten rows' cells. */
function table(order, changed, v) {
  const rows = order.map((i) => {
    const cells = Array.from({ length: 5 }, (_, c) => `<td>${changed.has(i) ? `v${v}-` : ''}r${i}c${c}</td>`).join('');
    return `<tr id="r${i}" class="row"><td><input id="in${i}" value="${i}"></td>${cells}</tr>`;
  });
  return rows.join('');
}

function messages() {
  let order = Array.from({ length: ROWS }, (_, i) => i);
  const out = [];
  for (let m = 0; m < MESSAGES; m++) {
    const changed = new Set(Array.from({ length: 10 }, (_, k) => (m * 37 + k * 19) % ROWS));
    const from = (m * 13) % ROWS;
    const [moved] = order.splice(from, 1);
    order.splice((m * 29) % ROWS, 0, moved);
    out.push(table(order, changed, m));
  }
  return out;
}

const start = `<table><tbody id="t">${table(Array.from({ length: ROWS }, (_, i) => i), new Set(), -1)}</tbody></table>`;
const bodies = messages();

const chrome = await findChromium();
const browser = await puppeteer.launch({
  executablePath: chrome.executablePath,
  args: chrome.args,
  headless: chrome.source === '@sparticuz/chromium' ? 'shell' : true,
});

const ours = (await bundle({ entry: 'bench/entries/morph-ours.js' })).code;
const htmx2 = (await bundle({ entry: 'bench/entries/morph-htmx2.js', alias: { 'htmx.org': 'htmx2' } })).code;

/** Runs `contender` in a fresh page; resolves with ms per message (median, mean). */
async function run(name, code, apply) {
  const page = await browser.newPage();
  await page.setContent(`<!doctype html><body hx-ext="morph"><div id="src"></div>${start}</body>`);
  await page.addScriptTag({ type: 'module', content: code });
  await page.waitForFunction(() => globalThis.applyMessage || globalThis.htmx);
  const { out: times, kept } = await page.evaluate(
    (bodies, apply) => {
      const fn = new Function('html', 'i', apply);
      const first = globalThis.document.getElementById('r0');
      const out = [];
      bodies.forEach((html, i) => {
        const t0 = performance.now();
        fn(html, i);
        out.push(performance.now() - t0);
      });
      // Every message applied: the last one's text is in the page.
      if (!globalThis.document.getElementById('t').textContent.includes(`v${bodies.length - 1}-`)) throw new Error('the last message is not in the page');
      return { out, kept: globalThis.document.getElementById('r0') === first };
    },
    bodies,
    apply,
  );
  await page.close();
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { name, median, mean, kept };
}

const rows = [
  await run('hx-ws-elements outerHTML', ours, `window.applyMessage('<tbody id="t">' + html + '</tbody>', document.getElementById('src'))`),
  await run('hx-ws-elements morph', ours, `window.applyMessage('<tbody id="t" hx-swap-oob="morph">' + html + '</tbody>', document.getElementById('src'))`),
  await run('htmx 2 outerHTML (htmx.swap)', htmx2, `htmx.swap(document.getElementById('t'), '<tbody id="t">' + html + '</tbody>', { swapStyle: 'outerHTML' }, { contextElement: document.body })`),
  await run('htmx 2 + idiomorph morph (htmx.swap)', htmx2, `htmx.swap(document.getElementById('t'), '<tbody id="t">' + html + '</tbody>', { swapStyle: 'morph' }, { contextElement: document.body })`),
];
await browser.close();

console.log(`${ROWS}-row table, ${MESSAGES} messages (10 rows changed and 1 moved per message), Chromium ${chrome.source}; main-thread ms per message:`);
console.log('| contender | median | mean | row elements kept |');
console.log('| --- | ---: | ---: | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.median.toFixed(2)} | ${r.mean.toFixed(2)} | ${r.kept ? 'yes' : 'no'} |`);
