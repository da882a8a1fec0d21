// `npm run bench`: every contender, every measure, one headless browser (Chromium unless
// --firefox), one run. Prints markdown tables and writes bench/results/<date>[-suffix].json.
// See bench/README.md.
//
// Options: --rounds N (throughput rounds, default 5), --idle-samples N (single messages after
//   1 s idle, default 5), --messages N (default 10000),
//   --upload-mb N (oob and raw upload, default 256), --inline-mb N (inline-base64, default 32),
//   --upload-rounds N (default 3), --chunked-mb N (chunked upload into the disk sink, default
//   1024), --chunk-size S[,S...] (default 1MB,4MB), --chunked-rounds N (default 3),
//   --latency-seconds N (default 10), --rate N (default 1000), --cycles N (churn, default 1000),
//   --only a,b (sections: swap, latency, churn, upload, chunked, size; `uploads` is upload and
//   chunked; and/or contender names), --skip swap,latency,churn,upload,chunked,size, --firefox / --webkit (run in Firefox or WebKit instead of Chromium; WebKit: swap and latency only),
//   --broken (add a contender that fails on purpose: it drops every message; `--broken crash`:
//   the driver crashes its page instead, Chromium only), --first-ms N (a contender that has applied
//   nothing N ms after the first send fails, default 5000), --stall-ms N (one that stops for
//   N ms fails, default 10000), --profile (always CPU-profile our contenders' swap path; Chromium
//   only), --no-write (do not write the JSON).
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { findChromium, findFirefox, findWebKit } from '../scripts/browsers.mjs';
import { launchWebKit } from './webkit-browser.mjs';
import { bundle, bundleOnTop, defaultEntry, gzipSize, LITE_ENTRY, LIT_EXTERNAL, ROOT } from '../scripts/bundle.mjs';
import { FIREFOX_PREFS } from '../scripts/launchers/firefox.mjs';
import { broken, contenders as listContenders, ENCODING } from './contenders.mjs';
import { flood, now, startServer, steady } from './server.mjs';

// ---------------------------------------------------------------------------------------------
// Options
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
const ROUNDS = Number(opt('rounds', 5));
const IDLE_SAMPLES = Number(opt('idle-samples', 5));
const IDLE_MS = 1_000;
const MESSAGES = Number(opt('messages', 10_000));
const WARMUP = Number(opt('warmup', 2_000));
const RATE = Number(opt('rate', 1_000));
const LATENCY_SECONDS = Number(opt('latency-seconds', 10));
const CYCLES = Number(opt('cycles', 1_000));
const TARGETS = 100;
const FRAGMENT_BYTES = 200;
const UPLOAD_OOB_BYTES = Number(opt('upload-mb', 256)) * 1024 * 1024;
const UPLOAD_INLINE_BYTES = Number(opt('inline-mb', 32)) * 1024 * 1024;
const UPLOAD_ROUNDS = Number(opt('upload-rounds', 3));
const CHUNKED_BYTES = Number(opt('chunked-mb', 1024)) * 1024 * 1024;
/** `--chunk-size 1MB,4MB`: a chunked case per size (the dropped case with the first). */
const CHUNK_SIZES = opt('chunk-size', '1MB,4MB').split(',');
const CHUNK_SIZE = CHUNK_SIZES[0];
const CHUNKED_ROUNDS = Number(opt('chunked-rounds', 3));
const FIRST_MS = Number(opt('first-ms', 5_000));
const STALL_MS = Number(opt('stall-ms', 10_000));
const ENGINE = flag('firefox') ? 'firefox' : flag('webkit') ? 'webkit' : 'chromium';
const CDP = ENGINE === 'chromium';
/** The size budgets (issue 22; KB = 1000 bytes), gzipped bytes, by size row. */
const SIZE_BUDGETS = {
  '<hx-ws-connect> alone (receive, swap, reconnect, queue), Lit external': 6_000,
  'both elements, core only, Lit external': 10_000,
  'elements + every client feature, Lit external': 14_000,
  'full one-file build (everything), Lit included': 16_000,
  'lite one-file build (core + attribute mode), Lit included': 11_000,
  'feature morph, on top of the full one-file build without it, Lit included': 3_500,
};
const SECTIONS = ['swap', 'latency', 'churn', 'upload', 'chunked', 'size'];
const SECTION_ALIASES = { swaps: 'swap', throughput: 'swap', uploads: 'upload', sizes: 'size' };
const section = (s) => SECTION_ALIASES[s] ?? s;
// `--only uploads` means both upload sections.
const onlyList = (opt('only', '') ?? '').split(',').filter(Boolean).flatMap((s) => (s === 'uploads' ? ['upload', 'chunked'] : [section(s)]));
const ONLY_SECTIONS = onlyList.some((s) => SECTIONS.includes(s)) ? new Set(onlyList.filter((s) => SECTIONS.includes(s))) : null;
const onlyNames = onlyList.filter((s) => !SECTIONS.includes(s));
const ONLY = onlyNames.length ? new Set(onlyNames) : null;
const SKIP = new Set((opt('skip', '') ?? '').split(',').filter(Boolean).map(section));
for (const s of SKIP) if (!SECTIONS.includes(s)) throw new Error(`--skip ${s}: expected some of ${SECTIONS.join(', ')}`);
/** Whether a section runs: not skipped, and named by --only if --only names sections. */
const wanted = (s) => !SKIP.has(s) && (!ONLY_SECTIONS || ONLY_SECTIONS.has(s));
const OUR_CONTENDERS = new Set(['element', 'shim', 'element-quiet', 'shim-quiet']);
const BROKEN = flag('broken') ? (opt('broken') === 'crash' ? 'crash' : 'silent') : null;
if (BROKEN === 'crash' && ENGINE !== 'chromium') throw new Error('--broken crash needs Chromium (it crashes the page through CDP)');

const started = now();
const log = (...a) => console.error(`[${((now() - started) / 1000).toFixed(1).padStart(5)}s]`, ...a);

// ---------------------------------------------------------------------------------------------
// Small helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

/** One ~200-byte fragment for target `i % 100`, stamped with its send time. */
function fragment(i, ts) {
  const head = `<div id="t${i % TARGETS}" hx-swap-oob="true" class="row" data-seq="${i}" data-ts="${ts.toFixed(3)}"><span class="n">item ${i}</span> <b>`;
  const tail = '</b></div>';
  return head + 'x'.repeat(Math.max(0, FRAGMENT_BYTES - head.length - tail.length)) + tail;
}

function targetsHtml() {
  let s = '';
  for (let i = 0; i < TARGETS; i++) s += `<div id="t${i}" class="row">target ${i}</div>\n`;
  return s;
}

function gitInfo() {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  return {
    commit: git('rev-parse', 'HEAD'),
    dirtySrc: (git('status', '--porcelain', '--', 'src') ?? '').split('\n').filter(Boolean),
  };
}

// ---------------------------------------------------------------------------------------------
// Contenders and bundles
const everyContender = [...listContenders(ROOT), ...(flag('broken') ? [broken] : [])];
if (ONLY) {
  const unknown = [...ONLY].filter((n) => !everyContender.some((c) => c.name === n));
  if (unknown.length) throw new Error(`--only ${unknown.join(',')}: not a section (${SECTIONS.join(', ')}) or a contender (${everyContender.map((c) => c.name).join(', ')})`);
}
const contenders = everyContender.filter((c) => !ONLY || ONLY.has(c.name) || c.name === 'broken');
// Experiments: `--with name=path/to/entry.ts[@like]` adds a contender built from another entry,
// with the markup of `like` (default: element). Used to try a change to src/ without editing it.
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--with') continue;
  const m = /^([\w-]+)=([^@]+)(?:@([\w-]+))?$/.exec(argv[i + 1] ?? '');
  if (!m) throw new Error(`--with wants name=entry[@like], got ${argv[i + 1]}`);
  const like = listContenders(ROOT).find((c) => c.name === (m[3] ?? 'element'));
  contenders.push({ ...like, name: m[1], label: `${m[1]} (experiment)`, entry: m[2], experiment: true });
  OUR_CONTENDERS.add(m[1]);
}
const byName = new Map(contenders.map((c) => [c.name, c]));
const bundles = new Map();

log(`contenders: ${contenders.map((c) => c.name).join(', ')}`);
for (const c of contenders) {
  const r = await bundle({ entry: c.entry, alias: c.alias });
  bundles.set(c.name, r.code);
  c.bundle = { bytes: r.bytes, gzip: r.gzip };
}
// Unminified (still production Lit) builds of our contenders and raw, for readable CPU profiles.
for (const c of contenders.filter((c) => OUR_CONTENDERS.has(c.name) || c.name === 'raw')) {
  const r = await bundle({ entry: c.entry, alias: c.alias, minify: false });
  bundles.set(`${c.name}-profile`, r.code);
}

// The chunked section's page: the elements with the chunked feature (bench/entries/chunked.js).
if (wanted('chunked')) bundles.set('chunked', (await bundle({ entry: 'bench/entries/chunked.js' })).code);

function pageHtml(name, mode, url) {
  const base = name.replace(/-profile$/, '');
  const c = byName.get(base);
  if (!c && !(name === 'chunked' && mode === 'chunked')) return null;
  const ws = url.searchParams.get('ws') ?? `/ws/${url.searchParams.get('ch') ?? base}`;
  let body;
  if (mode === 'swap') {
    const [open, close] = c.connect(ws);
    body = `${open}\n${targetsHtml()}${close}`;
  } else if (mode === 'churn') {
    body = '<div id="churn-host"></div>';
  } else if (mode === 'upload') {
    body = c.upload.html(ws, url.searchParams.get('enc'));
  } else if (mode === 'chunked') {
    const chunk = url.searchParams.get('chunk');
    body = `<hx-ws-connect url="${ws}"><hx-ws-send${chunk ? ` chunk-size="${chunk}"` : ''}><form><input type="file" name="file"></form></hx-ws-send></hx-ws-connect>`;
  } else {
    return null;
  }
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>bench ${name} ${mode}</title>
<script src="/harness.js"></script>
</head><body>
${body}
<script type="module" src="/lib/${name}.js"></script>
</body></html>`;
}

const server = await startServer({ pages: pageHtml, bundles, harness: join(ROOT, 'bench/pages/harness.js') });

async function launch() {
  if (ENGINE === 'webkit') {
    const webkit = findWebKit();
    if ('missing' in webkit) throw new Error(`--webkit: ${webkit.missing}; install it with: ${webkit.install}`);
    return { browser: await launchWebKit(webkit), source: 'WebKitWebDriver + MiniBrowser' };
  }
  if (ENGINE === 'firefox') {
    const firefox = findFirefox();
    if ('missing' in firefox) throw new Error(`--firefox: ${firefox.missing}; install it with: ${firefox.install}`);
    const b = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: firefox.executablePath,
      headless: true,
      // Full clock precision: by default a page's performance.now() is rounded to 1 ms (with
      // jitter), as coarse as the latencies measured here; every contender gets the same clock.
      extraPrefsFirefox: { ...FIREFOX_PREFS, 'privacy.reduceTimerPrecision': false },
      protocolTimeout: 240_000,
    });
    return { browser: b, source: firefox.source };
  }
  const chrome = await findChromium();
  const b = await puppeteer.launch({
    executablePath: chrome.executablePath,
    args: chrome.args,
    headless: chrome.source === '@sparticuz/chromium' ? 'shell' : true,
    protocolTimeout: 240_000,
  });
  return { browser: b, source: chrome.source };
}
const { browser, source: browserSource } = await launch();
const browserVersion = await browser.version();
log(`browser: ${browserVersion} (${browserSource}), server: ${server.origin}`);

/** What a contender failed at, in words; the run goes on without it for that part. */
const failures = {};
function fail(name, part, err) {
  const reason = err instanceof Error ? err.message : String(err);
  (failures[name] ??= {})[part] = reason;
  log(`  ✗ ${name} FAILED (${part}): ${reason}. The run goes on without it.`);
}
const failedIn = (name, part) => failures[name]?.[part];

let channelSeq = 0;
/**
 * Opens a contender's page on a fresh channel; resolves once its socket is open on the server.
 * `p.crashed` rejects when the page crashes or closes under us; `p.guard(promise, what)` races
 * any wait against it, so a dead page fails its contender at once instead of at a time-out.
 */
async function openPage(name, mode, extra = '') {
  const ch = `${name}-${mode}-${++channelSeq}`;
  const page = await browser.newPage();
  let closing = false;
  const crashed = new Promise((_, reject) => {
    page.once('error', (e) => reject(new Error(`the page crashed (${e.message})`)));
    page.once('close', () => closing || reject(new Error('the page closed by itself')));
  });
  crashed.catch(() => {});
  page.on('pageerror', (e) => log(`page error (${name} ${mode}): ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') log(`console.${m.type()} (${name} ${mode}): ${m.text().slice(0, 200)}`);
  });
  const guard = (promise, what) =>
    Promise.race([promise, crashed]).catch((e) => {
      throw new Error(`${what}: ${e.message}`);
    });
  const p = { page, cdp: null, channel: server.channel(ch), socket: null, name, crashed, guard };
  // Closing a crashed page can hang until the protocol time-out: give it 5 s.
  p.close = () => {
    closing = true;
    return Promise.race([page.close().catch(() => {}), sleep(5_000)]);
  };
  try {
    await guard(page.goto(`${server.origin}/page/${name}?mode=${mode}&ch=${ch}${extra}`, { waitUntil: 'load' }), 'loading the page');
    if (CDP) p.cdp = await page.createCDPSession();
    // `--broken crash`: the broken contender's renderer dies half a second after it loads.
    if (BROKEN === 'crash' && name === 'broken') setTimeout(() => p.cdp.send('Page.crash').catch(() => {}), 500);
    if (mode === 'swap') p.socket = await guard(p.channel.socket(FIRST_MS), 'waiting for its socket');
  } catch (e) {
    await p.close();
    throw e;
  }
  return p;
}

/** Brings the page to the front and finds the socket its library has open now. */
async function front(p) {
  await p.guard(p.page.bringToFront(), 'bringing the page to the front');
  // Let a visibility change run (htmx 4 opens a new socket when its tab is shown).
  await p.guard(p.page.evaluate(() => new Promise((r) => setTimeout(r, 20))), 'settling');
  if (p.socket) p.socket = await p.guard(p.channel.socket(FIRST_MS), 'waiting for an open socket');
}

/** A full garbage collection in the page: Chromium only (Firefox offers no way to ask for one). */
async function collectGarbage(p) {
  if (p.cdp) await p.guard(p.cdp.send('HeapProfiler.collectGarbage'), 'collecting garbage');
}

/** Page clock minus server clock (ms), from the tightest of several round trips. */
async function clockOffset(page) {
  let best = null;
  for (let i = 0; i < 15; i++) {
    const a = now();
    const p = await page.evaluate(() => performance.timeOrigin + performance.now());
    const b = now();
    if (!best || b - a < best.rtt) best = { rtt: b - a, offset: p - (a + b) / 2 };
  }
  return best;
}

const env = {
  date: new Date().toISOString(),
  node: process.version,
  engine: ENGINE,
  browser: browserVersion,
  browserSource,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  memoryGB: Math.round(totalmem() / 2 ** 30),
  platform: `${process.platform} ${process.arch}`,
  loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  ...gitInfo(),
};
const results = {
  env,
  settings: { ROUNDS, MESSAGES, WARMUP, RATE, LATENCY_SECONDS, CYCLES, TARGETS, FRAGMENT_BYTES, UPLOAD_OOB_BYTES, UPLOAD_INLINE_BYTES, UPLOAD_ROUNDS, FIRST_MS, STALL_MS, sections: SECTIONS.filter(wanted) },
  failed: failures,
  contenders: contenders.map((c) => ({ name: c.name, label: c.label, entry: c.entry, bundle: c.bundle })),
  throughput: {},
  latency: {},
  churn: {},
  upload: {},
  chunked: {},
  size: {},
  profile: {},
  notes: [],
};
if (!CDP) results.notes.push(`${ENGINE === 'webkit' ? 'WebKit' : 'Firefox'} has no CDP: no forced GC before each run, no main-thread counters, no JS heap figures, no CPU profiles.`);

// ---------------------------------------------------------------------------------------------
// 1. Swap throughput
/** Why a wait for swaps ended early, in words. */
function swapFailure(r, count) {
  if (r.reason === 'no-first') return `no message applied within ${FIRST_MS / 1000} s of the first send`;
  if (r.reason === 'stalled') return `stalled: ${fmt(r.count)} of ${fmt(count)} messages applied, then none for ${STALL_MS / 1000} s`;
  return `${fmt(r.count)} of ${fmt(count)} messages applied within ${fmt(r.waitedMs / 1000)} s`;
}

async function warmUp(p) {
  await front(p);
  await p.guard(p.page.evaluate(() => window.bench.reset()), 'resetting');
  flood(p.socket, WARMUP, (i) => fragment(i, now()));
  const r = await p.guard(p.page.evaluate((n, f, st) => window.bench.expect(n, 120_000, f, st), WARMUP, FIRST_MS, STALL_MS), 'warming up');
  if (!r.ok) throw new Error(`warm-up: ${swapFailure(r, WARMUP)}`);
}

/** One throughput run on an open, warmed-up page; throws (in words) when it does not complete. */
async function throughputRun(p, offset, count = MESSAGES, onStart = null) {
  await collectGarbage(p);
  await sleep(200);
  await front(p);
  if (onStart) await onStart();
  await p.guard(p.page.evaluate(() => window.bench.reset()), 'resetting');
  const m0 = await mainThreadMetrics(p);
  const waiting = p.guard(p.page.evaluate((n, f, st) => window.bench.expect(n, 180_000, f, st), count, FIRST_MS, STALL_MS), 'waiting for swaps');
  const t0 = flood(p.socket, count, (i) => fragment(i, now()));
  const r = await waiting;
  if (!r.ok) throw new Error(swapFailure(r, count));
  const m1 = await mainThreadMetrics(p);
  const ms = r.lastAt - offset - t0;
  if (!(ms > 0)) throw new Error(`the last swap was stamped ${fmt(ms, 1)} ms after the first send: the page clock and the server clock disagree`);
  const check = await p.guard(p.page.evaluate(() => window.bench.check()), 'checking the targets');
  // Main-thread time per message (µs), from Chromium's own counters: less sensitive than the
  // rate to the other processes on a shared machine. None in Firefox.
  const perMsg = {};
  for (const k of METRICS) perMsg[k] = k in m0 ? ((m1[k] - m0[k]) * 1e6) / count : NaN;
  return { ok: r.ok, applied: r.count, ms, msgsPerSec: (r.count / ms) * 1000, usPerMsg: perMsg, check };
}

const METRICS = ['TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration'];
/** Chromium's cumulative main-thread durations (seconds) for the page; {} in Firefox. */
async function mainThreadMetrics(p) {
  if (!p.cdp) return {};
  if (!p.perfEnabled) {
    await p.guard(p.cdp.send('Performance.enable'), 'enabling the main-thread counters');
    p.perfEnabled = true;
  }
  const { metrics } = await p.guard(p.cdp.send('Performance.getMetrics'), 'reading the main-thread counters');
  const out = {};
  for (const m of metrics) if (METRICS.includes(m.name)) out[m.name] = m.value;
  return out;
}

if (wanted('swap') || wanted('latency')) {
  log(`swap pages: warm-up of ${WARMUP} messages each`);
  const pages = new Map();
  for (const c of contenders) {
    let p = null;
    try {
      p = await openPage(c.name, 'swap');
      await warmUp(p);
      p.clock = await p.guard(clockOffset(p.page), 'lining up the clocks');
      pages.set(c.name, p);
    } catch (err) {
      fail(c.name, 'swap', err);
      await p?.close();
    }
  }
  const live = () => contenders.filter((c) => pages.has(c.name) && !failedIn(c.name, 'swap'));
  const dropPage = async (c, err) => {
    fail(c.name, 'swap', err);
    await pages.get(c.name)?.close();
    pages.delete(c.name);
  };

  if (wanted('swap')) {
    log(`throughput: ${MESSAGES} messages × ${ROUNDS} rounds`);
    const runsByName = new Map(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of live()) {
        try {
          const r = await throughputRun(pages.get(c.name), pages.get(c.name).clock.offset);
          runsByName.get(c.name).push(r);
          log(`  round ${round + 1} ${c.name.padEnd(8)} ${fmt(r.msgsPerSec)} msg/s (${fmt(r.ms)} ms)${CDP ? `, main thread ${fmt(r.usPerMsg.TaskDuration, 1)} µs/msg (script ${fmt(r.usPerMsg.ScriptDuration, 1)}, style ${fmt(r.usPerMsg.RecalcStyleDuration, 1)}, layout ${fmt(r.usPerMsg.LayoutDuration, 1)})` : ''}`);
        } catch (err) {
          await dropPage(c, `round ${round + 1}: ${err.message}`);
        }
      }
    }
    for (const c of contenders) {
      const why = failedIn(c.name, 'swap');
      if (why) {
        results.throughput[c.name] = { failed: why };
        continue;
      }
      const rs = runsByName.get(c.name);
      const usPerMsg = {};
      for (const k of METRICS) usPerMsg[k] = median(rs.map((r) => r.usPerMsg[k]));
      results.throughput[c.name] = {
        msgsPerSec: median(rs.map((r) => r.msgsPerSec)),
        usPerMsg,
        ms: median(rs.map((r) => r.ms)),
        complete: rs.every((r) => r.ok && r.applied === MESSAGES),
        runs: rs,
        clock: pages.get(c.name).clock,
      };
    }
    const raw = results.throughput.raw?.msgsPerSec;
    const rawRuns = results.throughput.raw?.runs;
    for (const t of Object.values(results.throughput)) {
      if (t.failed) continue;
      t.vsRaw = ratio(t.msgsPerSec, raw);
      // Each round against raw's run of the same round (they ran one after the other).
      if (rawRuns) {
        const perRound = t.runs.map((r, i) => ratio(r.msgsPerSec, rawRuns[i]?.msgsPerSec)).filter(Number.isFinite);
        t.vsRawRounds = { median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // 2. Latency at a steady rate, on the same warmed-up pages
  if (wanted('latency')) {
    // In slices, the contenders taking turns, so that a burst of other work on the machine
    // falls on all of them rather than on one.
    const slices = Math.max(1, Math.round(LATENCY_SECONDS / 2));
    const sliceMs = (LATENCY_SECONDS * 1000) / slices;
    const perSlice = Math.round((RATE * sliceMs) / 1000);
    log(`latency: ${RATE} msg/s for ${LATENCY_SECONDS} s per contender, in ${slices} turns of ${sliceMs / 1000} s`);
    const acc = new Map(contenders.map((c) => [c.name, { lat: [], sent: 0, applied: 0, complete: true, maxLag: 0, clocks: [] }]));
    for (let slice = 0; slice < slices; slice++) {
      for (const c of live()) {
        const p = pages.get(c.name);
        const a = acc.get(c.name);
        try {
          await collectGarbage(p);
          await front(p);
          const clock = await p.guard(clockOffset(p.page), 'lining up the clocks');
          a.clocks.push(clock);
          await p.guard(p.page.evaluate((n) => window.bench.reset(n), perSlice), 'resetting');
          const waiting = p.guard(p.page.evaluate((n, t, f, st) => window.bench.expect(n, t, f, st), perSlice, sliceMs + 30_000, FIRST_MS, STALL_MS), 'waiting for swaps');
          const sent = await steady(p.socket, RATE, sliceMs, (i, ts) => fragment(i, ts));
          const r = await waiting;
          if (!r.ok && r.reason !== 'timeout') throw new Error(`latency turn ${slice + 1}: ${swapFailure(r, perSlice)}`);
          const lat = await p.guard(p.page.evaluate(() => window.bench.latencies()), 'reading latencies');
          for (const x of lat) a.lat.push(x - clock.offset);
          a.sent += sent.sent;
          a.applied += r.count;
          a.complete &&= r.ok;
          a.maxLag = Math.max(a.maxLag, sent.maxLag);
        } catch (err) {
          fail(c.name, 'latency', err);
          await pages.get(c.name)?.close();
          pages.delete(c.name);
        }
      }
    }
    for (const c of contenders) {
      const why = failedIn(c.name, 'latency') ?? failedIn(c.name, 'swap');
      if (why) {
        results.latency[c.name] = { failed: why };
        continue;
      }
      const a = acc.get(c.name);
      const lat = a.lat.sort((x, y) => x - y);
      results.latency[c.name] = {
        sent: a.sent,
        applied: a.applied,
        complete: a.complete,
        p50: quantile(lat, 0.5),
        p99: quantile(lat, 0.99),
        max: lat[lat.length - 1],
        mean: lat.reduce((t, x) => t + x, 0) / (lat.length || 1),
        over16ms: lat.filter((x) => x > 16).length,
        senderMaxLagMs: a.maxLag,
        clocks: a.clocks,
      };
      const L = results.latency[c.name];
      log(`  ${c.name.padEnd(8)} p50 ${fmt(L.p50, 2)} ms, p99 ${fmt(L.p99, 2)} ms, max ${fmt(L.max, 1)} ms, ${L.over16ms} over 16 ms (${L.applied}/${L.sent})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // 2b. One message after a second of silence: what a page that is idle pays
  if (wanted('latency') && IDLE_SAMPLES > 0) {
    log(`idle latency: ${IDLE_SAMPLES} single messages per contender, each after ${IDLE_MS / 1000} s idle`);
    const samples = new Map(contenders.map((c) => [c.name, []]));
    for (let k = 0; k < IDLE_SAMPLES; k++) {
      await sleep(IDLE_MS);
      for (const c of live()) {
        const p = pages.get(c.name);
        if (!p) continue;
        try {
          await front(p);
          await p.guard(p.page.evaluate(() => window.bench.reset(1)), 'resetting');
          // Quiet before the send, whatever the driver's calls woke up.
          await sleep(IDLE_MS / 2);
          const waiting = p.guard(p.page.evaluate((f, st) => window.bench.expect(1, 10_000, f, st), FIRST_MS, STALL_MS), 'waiting for the swap');
          p.socket.send(fragment(MESSAGES + k, now()));
          const r = await waiting;
          if (!r.ok) throw new Error(`idle sample ${k + 1}: ${swapFailure(r, 1)}`);
          const [lat] = await p.guard(p.page.evaluate(() => window.bench.latencies()), 'reading latencies');
          // The clocks are lined up again right after (not before: that would wake the page).
          const clock = await p.guard(clockOffset(p.page), 'lining up the clocks');
          samples.get(c.name).push(lat - clock.offset);
        } catch (err) {
          fail(c.name, 'latency', err);
        }
      }
    }
    for (const c of contenders) {
      const xs = samples.get(c.name);
      if (!results.latency[c.name] || results.latency[c.name].failed || !xs.length) continue;
      results.latency[c.name].idle = { median: median(xs), max: Math.max(...xs), samples: xs };
      log(`  ${c.name.padEnd(8)} idle: median ${fmt(median(xs), 2)} ms, max ${fmt(Math.max(...xs), 2)} ms`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Profile our contenders when they miss 0.8× raw (or on --profile); Chromium only
  const toProfile = !CDP || !wanted('swap')
    ? []
    : contenders.filter((c) => OUR_CONTENDERS.has(c.name) && results.throughput[c.name] && !results.throughput[c.name].failed && (flag('profile') || results.throughput[c.name].vsRaw < 0.8));
  // The raw page is profiled too, as the floor to compare with.
  if (toProfile.length && byName.has('raw') && !failedIn('raw', 'swap')) toProfile.unshift(byName.get('raw'));
  for (const c of toProfile) {
    log(`profiling ${c.name} (unminified build, production Lit)`);
    try {
      results.profile[c.name] = await profileSwaps(c.name);
    } catch (err) {
      fail(c.name, 'profile', err);
    }
  }
  for (const p of pages.values()) await p.close();
}

/** CPU profile of one throughput run of `name`'s unminified build: self time by function. */
async function profileSwaps(name) {
  const p = await openPage(`${name}-profile`, 'swap');
  await warmUp(p);
  const clock = await clockOffset(p.page);
  await p.cdp.send('Profiler.enable');
  await p.cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  let run;
  let profile;
  try {
    run = await throughputRun(p, clock.offset, MESSAGES, () => p.cdp.send('Profiler.start'));
    ({ profile } = await p.cdp.send('Profiler.stop'));
  } finally {
    await p.close();
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const url = f.url ? f.url.replace(server.origin, '') : '';
    const key = `${f.functionName || '(anonymous)'}${url ? ` ${url}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms * 10) / 10, share: Math.round((ms / totalMs) * 1000) / 10 }));
  // Inclusive time of our own source functions (the unminified bundle keeps their names).
  const parents = new Map();
  for (const n of profile.nodes) for (const ch of n.children ?? []) parents.set(ch, n.id);
  const inclusive = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id != null; id = parents.get(id)) {
      const f = byId.get(id).callFrame;
      if (!f.url.includes('/lib/')) continue;
      const key = `${f.functionName || '(anonymous)'}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    }
  }
  const topInclusive = [...inclusive.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms * 10) / 10, share: Math.round((ms / totalMs) * 1000) / 10 }));
  return { run: { ms: run.ms, msgsPerSec: run.msgsPerSec }, totalMs: Math.round(totalMs), selfTop: top, inclusiveTop: topInclusive };
}

// ---------------------------------------------------------------------------------------------
// 4. Churn
if (wanted('churn')) {
  log(`churn: ${CYCLES} insert / wait-for-open / remove cycles`);
  for (const c of contenders.filter((c) => c.churn)) {
    let p = null;
    try {
      p = await openPage(c.name, 'churn');
      await front(p);
      const url = `/ws/${p.channel.name}`;
      const r = await p.guard(
        p.page.evaluate(
          (html, cycles, process) => window.bench.churn(html, cycles, process, 3_000),
          c.churn.html(url),
          CYCLES,
          c.churn.process,
        ),
        'churning',
      );
      if (r.done === 0) throw new Error('no socket opened within 3 s of the first insert');
      // Sockets the server still holds: give closes up to 2 s to arrive.
      const until = now() + 2_000;
      while (p.channel.sockets.size > 0 && now() < until) await sleep(20);
      results.churn[c.name] = {
        cycles: r.done,
        stalled: r.stalled,
        ms: r.ms,
        msPerCycle: r.ms / Math.max(1, r.done),
        serverOpened: p.channel.opened,
        leftOpen: p.channel.sockets.size,
        removal: 'plain DOM remove()',
      };
      const C = results.churn[c.name];
      log(`  ${c.name.padEnd(8)} ${C.cycles} cycles in ${fmt(C.ms)} ms, ${C.leftOpen} left open${C.stalled ? ' (STALLED: no socket opened within 3 s)' : ''}`);
    } catch (err) {
      fail(c.name, 'churn', err);
      results.churn[c.name] = { failed: failedIn(c.name, 'churn') };
    }
    await p?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Upload
function makeFile(bytes) {
  const path = join(tmpdir(), `hx-ws-bench-${bytes}.bin`);
  if (existsSync(path) && statSync(path).size === bytes) return path;
  const chunk = randomBytes(1 << 20);
  const fd = openSync(path, 'w');
  for (let off = 0; off < bytes; off += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - off));
  closeSync(fd);
  return path;
}

/**
 * Starts a fresh upload sink process (by default the bare `ws` one; bench/upload-hx-sink.mjs is
 * the server helper, run through tsx); resolves with its handle once it listens.
 */
function startSink(script = 'bench/upload-sink.mjs', execArgv = ['--expose-gc']) {
  const child = fork(join(ROOT, script), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listeners = new Set();
  child.on('message', (m) => {
    for (const l of [...listeners]) l(m);
  });
  const next = (type, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`upload sink: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (m) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve(m);
      };
      listeners.add(l);
    });
  return next('ready', 30_000).then((ready) => ({ child, port: ready.port, next }));
}

/** The page's JS heap (CDP, Chromium only); null in Firefox. */
async function heapUsage(p) {
  if (!p.cdp) return null;
  return p.guard(p.cdp.send('Runtime.getHeapUsage'), 'reading the heap');
}

/** One upload; throws (in words) when no byte arrives, the bytes stop, or the page dies. */
async function uploadRun(c, encoding, bytes) {
  const file = makeFile(bytes);
  const sink = await startSink();
  let p = null;
  try {
    const connected = sink.next('connected', FIRST_MS);
    const wsUrl = `ws://127.0.0.1:${sink.port}/ws/${c.name}`;
    p = await openPage(c.name, 'upload', `&enc=${encodeURIComponent(encoding)}&ws=${encodeURIComponent(wsUrl)}`);
    await p.guard(connected, 'waiting for its socket');
    await front(p);
    const input = await p.guard(p.page.$('input[type=file]'), 'finding the file input');
    await p.guard(input.uploadFile(file), 'setting the file');
    const clock = await p.guard(clockOffset(p.page), 'lining up the clocks');
    await collectGarbage(p);
    await sleep(200);
    const heap0 = await heapUsage(p);
    let heapPeak = heap0?.usedSize ?? NaN;
    let backingPeak = heap0?.backingStorageSize ?? 0;
    sink.child.send({ type: 'expect', bytes, mode: encoding === ENCODING.INLINE ? 'inline' : 'binary' });
    await sleep(50);

    // Progress: raw TCP bytes the sink has read. The browser may read the whole file before its
    // first byte goes out, and a busy machine slows that, so an upload gets twice the swap
    // windows: nothing within 2 × FIRST_MS, or no new byte for 2 × STALL_MS, is a failure.
    const firstMs = 2 * FIRST_MS;
    const stallMs = 2 * STALL_MS;
    let bytesRead = 0;
    let progressAt = now();
    const onProgress = (m) => {
      if (m.type === 'progress' && m.bytesRead > bytesRead) {
        bytesRead = m.bytesRead;
        progressAt = now();
      }
    };
    sink.child.on('message', onProgress);
    let result = null;
    const done = sink.next('done', 120_000).then(
      (m) => (result = m),
      () => (result = false),
    );
    const started = now();
    const t0 = await p.guard(
      p.page.evaluate((mode) => {
        const t = window.bench.now();
        const input = document.querySelector('input[type=file]');
        if (mode === 'raw') window.rawSend(input.files[0]);
        else input.form.requestSubmit();
        return t;
      }, c.upload.trigger),
      'starting the upload',
    );
    while (result === null) {
      if (bytesRead === 0 && now() - started > firstMs) throw new Error(`no byte reached the server within ${firstMs / 1000} s of the send`);
      if (bytesRead > 0 && now() - progressAt > stallMs) throw new Error(`stalled: ${fmt(bytesRead)} of ${fmt(bytes)} bytes arrived, then nothing for ${stallMs / 1000} s`);
      try {
        const h = await heapUsage(p);
        if (h) {
          heapPeak = Math.max(heapPeak, h.usedSize);
          backingPeak = Math.max(backingPeak, h.backingStorageSize ?? 0);
        }
      } catch {
        /* the page is busy; try again */
      }
      await p.guard(Promise.race([done, sleep(25)]), 'uploading');
    }
    if (!result) throw new Error(`not complete within 120 s (${fmt(bytesRead / 2 ** 20, 1)} MiB arrived)`);
    const ms = result.at - (t0 - clock.offset);
    if (!(ms > 0)) throw new Error(`the last byte was stamped ${fmt(ms, 1)} ms after the send: the page clock and the server clock disagree`);
    return {
      encoding,
      bytes,
      frames: result.frames,
      received: result.received,
      complete: true,
      ms,
      MBps: bytes / 2 ** 20 / (ms / 1000),
      heapGrowthMB: heap0 ? (heapPeak - heap0.usedSize) / 2 ** 20 : null,
      backingStoreGrowthMB: heap0?.backingStorageSize === undefined ? null : (backingPeak - heap0.backingStorageSize) / 2 ** 20,
      serverRssPeakMB: result.rssPeak / 2 ** 20,
      serverRssGrowthMB: (result.rssPeak - result.rss0) / 2 ** 20,
    };
  } finally {
    sink.child.kill();
    await p?.close();
  }
}

if (wanted('upload')) {
  const uploaders = contenders.filter((c) => c.upload);
  if (!uploaders.some((c) => c.name !== 'raw')) {
    results.notes.push('upload: no sending contender exists yet (src/elements/send-element.ts); only the raw baseline could run');
  }
  const uploads = new Map();
  for (let round = 0; round < UPLOAD_ROUNDS; round++) {
    for (const c of uploaders) {
      for (const enc of c.upload.encodings) {
        const key = `${c.name} ${enc}`;
        if (failedIn(c.name, `upload ${enc}`)) continue;
        const bytes = enc === ENCODING.INLINE ? UPLOAD_INLINE_BYTES : UPLOAD_OOB_BYTES;
        if (!uploads.has(key)) uploads.set(key, { contender: c.name, encoding: enc, bytes, runs: [] });
        try {
          const r = await uploadRun(c, enc, bytes);
          uploads.get(key).runs.push(r);
          log(
            `  upload ${round + 1} ${key} ${bytes / 2 ** 20} MiB: ${fmt(r.MBps, 1)} MB/s, ${fmt(r.ms)} ms${r.heapGrowthMB == null ? '' : `, JS heap +${fmt(r.heapGrowthMB, 1)} MB`}, sink RSS peak ${fmt(r.serverRssPeakMB)} MB (+${fmt(r.serverRssGrowthMB)})`,
          );
        } catch (err) {
          fail(c.name, `upload ${enc}`, `round ${round + 1}: ${err.message}`);
        }
      }
    }
  }
  // Median rate; the worst (largest) memory figures of the rounds.
  for (const [key, u] of uploads) {
    const why = failedIn(u.contender, `upload ${u.encoding}`);
    if (why) {
      results.upload[key] = { contender: u.contender, encoding: u.encoding, bytes: u.bytes, failed: why };
      continue;
    }
    const max = (k) => Math.max(...u.runs.map((r) => r[k]));
    results.upload[key] = {
      contender: u.contender,
      encoding: u.encoding,
      bytes: u.bytes,
      complete: u.runs.every((r) => r.complete),
      MBps: median(u.runs.map((r) => r.MBps)),
      ms: median(u.runs.map((r) => r.ms)),
      heapGrowthMB: u.runs[0].heapGrowthMB === null ? null : max('heapGrowthMB'),
      backingStoreGrowthMB: u.runs[0].backingStoreGrowthMB === null ? null : max('backingStoreGrowthMB'),
      serverRssPeakMB: max('serverRssPeakMB'),
      serverRssGrowthMB: max('serverRssGrowthMB'),
      runs: u.runs,
    };
  }
  const rawUp = results.upload['raw raw']?.MBps;
  for (const r of Object.values(results.upload)) if (!r.failed) r.vsRaw = r.encoding === ENCODING.INLINE ? null : ratio(r.MBps, rawUp);
}

// ---------------------------------------------------------------------------------------------
// 4b. Chunked uploads into the server helper's disk sink (issue 15)
/**
 * One upload of `bytes` through `<hx-ws-send>` to the server helper: unchunked oob (`chunk`
 * null: in memory, as before issue 15) or chunked into the disk sink, the socket dropped once
 * `killAt` bytes arrived (resumed by the page).
 */
async function chunkedRun(chunk, bytes, killAt = null) {
  const file = makeFile(bytes);
  const raw = chunk === 'raw';
  const sink = raw ? await startSink('bench/upload-sink.mjs', ['--expose-gc', ...(process.env.HX_SINK_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HX_SINK_PROF}`] : [])]) : await startSink('bench/upload-hx-sink.mjs', ['--expose-gc', '--import', 'tsx', ...(process.env.HX_SINK_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HX_SINK_PROF}`] : [])]);
  const connected = sink.next('connected', 15_000);
  const wsUrl = `ws://127.0.0.1:${sink.port}/`;
  const p = raw
    ? await openPage('raw', 'upload', `&enc=raw&ws=${encodeURIComponent(wsUrl)}`)
    : await openPage('chunked', 'chunked', `&ws=${encodeURIComponent(wsUrl)}${chunk ? `&chunk=${encodeURIComponent(chunk)}` : ''}`);
  await connected;
  await p.page.bringToFront();
  const input = await p.page.$('input[type=file]');
  await input.uploadFile(file);
  const clock = await clockOffset(p.page);
  sink.child.send(raw ? { type: 'expect', bytes, mode: 'binary' } : { type: 'expect', bytes, killAt });
  await sleep(200);
  let result = null;
  const done = sink.next('done', 600_000).then(
    (m) => (result = m),
    () => (result = false),
  );
  const t0 = await p.page.evaluate(() => {
    // Counts what the page hands to its sockets (both of them, when one is dropped).
    const send = WebSocket.prototype.send;
    window.handed = 0;
    WebSocket.prototype.send = function (data) {
      window.handed += typeof data === 'string' ? new TextEncoder().encode(data).length : (data.size ?? data.byteLength);
      return send.call(this, data);
    };
    const t = window.bench.now();
    const input = document.querySelector('input[type=file]');
    if (window.rawSend) window.rawSend(input.files[0]);
    else input.form.requestSubmit();
    return t;
  });
  await done;
  // The bare `ws` sink says `received` (the message's bytes) and has no wire count.
  if (raw && result) Object.assign(result, { size: result.received, wireBytes: result.received, kills: 0 });
  if (!result || result.size !== bytes) log(`  chunked run incomplete: ${JSON.stringify(result)}`);
  const handed = await p.page.evaluate(() => window.handed);
  sink.child.kill();
  await p.close();
  const ms = result ? result.at - (t0 - clock.offset) : NaN;
  return {
    chunk,
    bytes,
    killAt,
    complete: !!result && result.size === bytes,
    kills: result ? result.kills : null,
    ms,
    MBps: bytes / 2 ** 20 / (ms / 1000),
    serverRssPeakMB: result ? result.rssPeak / 2 ** 20 : NaN,
    serverRssGrowthMB: result ? (result.rssPeak - result.rss0) / 2 ** 20 : NaN,
    /** Bytes that reached the server (TCP, both sockets) beyond the file, as a share of it. */
    extraWire: result ? (result.wireBytes - bytes) / bytes : NaN,
    /** Bytes the page handed to its sockets beyond the file, as a share of it. */
    extraHanded: (handed - bytes) / bytes,
  };
}

if (wanted('chunked') && contenders.some((c) => c.name === 'element')) {
  const bytes = CHUNKED_BYTES;
  // `--chunked-cases raw,unchunked,chunked,dropped` (default all) picks the cases; raw is the
  // baseline of the × raw column (issue 24): the bare page's `ws.send(file)` to a bare `ws` sink.
  const pick = new Set((opt('chunked-cases', '') || 'raw,unchunked,chunked,dropped').split(','));
  const cases = [
    ['raw `ws.send(file)` (bare `ws` sink, in memory)', 'raw', null, 'raw'],
    ['unchunked oob (in memory)', null, null, 'unchunked'],
    ...CHUNK_SIZES.map((size) => [`chunked ${size} into the disk sink`, size, null, 'chunked']),
    [`chunked ${CHUNK_SIZE}, socket dropped at 50 %, resumed`, CHUNK_SIZE, bytes / 2, 'dropped'],
  ].filter((c) => pick.has(c[3]));
  const runs = new Map(cases.map(([key]) => [key, []]));
  const chunkedLoad = loadavg();
  log(`  chunked: load average ${chunkedLoad.map((l) => fmt(l, 2)).join(' ')}`);
  for (let round = 0; round < CHUNKED_ROUNDS; round++) {
    for (const [key, chunk, killAt] of cases) {
      const r = await chunkedRun(chunk, bytes, killAt);
      runs.get(key).push(r);
      log(
        `  chunked ${round + 1} ${key} ${bytes / 2 ** 20} MiB: ${fmt(r.MBps, 1)} MB/s, server RSS +${fmt(r.serverRssGrowthMB)} MB, extra bytes ${fmt(r.extraWire * 100, 1)} % on the wire, ${fmt(r.extraHanded * 100, 1)} % handed${r.complete ? '' : ' INCOMPLETE'}`,
      );
    }
  }
  // Median rate; the worst (largest) memory and extra-byte figures of the rounds.
  for (const [key, rs] of runs) {
    const max = (k) => Math.max(...rs.map((r) => r[k]));
    results.chunked[key] = {
      ...rs[0],
      complete: rs.every((r) => r.complete),
      MBps: median(rs.map((r) => r.MBps)),
      ms: median(rs.map((r) => r.ms)),
      serverRssPeakMB: max('serverRssPeakMB'),
      serverRssGrowthMB: max('serverRssGrowthMB'),
      extraWire: max('extraWire'),
      extraHanded: max('extraHanded'),
      runs: rs,
    };
  }
  const base = results.chunked['unchunked oob (in memory)']?.MBps;
  const rawBase = results.chunked[cases.find((c) => c[1] === 'raw')?.[0]]?.MBps;
  for (const r of Object.values(results.chunked)) {
    r.vsUnchunked = ratio(r.MBps, base);
    r.vsRaw = ratio(r.MBps, rawBase);
    // Each round's rate over the raw rate of the same round.
    const raws = runs.get(cases.find((c) => c[1] === 'raw')?.[0]) ?? [];
    r.vsRawPerRound = r.runs.map((x, i) => ratio(x.MBps, raws[i]?.MBps));
  }
  results.chunked.loadAverage = { before: chunkedLoad, after: loadavg() };
  rmSync(join(tmpdir(), `hx-ws-bench-${bytes}.bin`), { force: true });
}

await browser.close();
await server.close();

// ---------------------------------------------------------------------------------------------
// 5. Size
if (wanted('size')) {
  const rows = [
    ['<hx-ws-connect> alone (receive, swap, reconnect, queue), Lit external', { entry: 'src/elements/connect-element.ts', external: LIT_EXTERNAL }],
    ['both elements, core only, Lit external', { entry: 'src/index.ts', external: LIT_EXTERNAL, breakdown: true }],
    ['elements + every client feature, Lit external', { entry: 'src/full.ts', external: LIT_EXTERNAL, breakdown: true }],
    ['full one-file build (everything), Lit included', { entry: defaultEntry() }],
    ['lite one-file build (core + attribute mode), Lit included', { entry: LITE_ENTRY }],
    ['attribute mode (upgrade), Lit external', { entry: 'src/upgrade.ts', external: LIT_EXTERNAL }],
  ];
  for (const f of ['ack', 'recovery', 'chunked', 'htmx', 'eval', 'morph']) {
    rows.push([`feature ${f}, on top of the core elements, Lit external`, { entry: `src/${f}.ts`, external: LIT_EXTERNAL, on: 'src/index.ts' }]);
  }
  // The full one-file build less the same build without morph (two bundles of their own entries).
  rows.push(['feature morph, on top of the full one-file build without it, Lit included', { entry: defaultEntry(), minus: 'bench/entries/full-without-morph.js' }]);
  rows.push(['htmx 1.9 (hx-ws built in)', { entry: 'bench/entries/htmx1.js' }]);
  rows.push(['htmx 2 + htmx-ext-ws', { entry: 'bench/entries/htmx2.js', alias: { 'htmx.org': 'htmx2' } }]);
  rows.push(['htmx 4 + hx-ws ext', { entry: 'bench/entries/htmx4.js' }]);
  const shipped = (files) => gzipSize(Buffer.concat(files.map((f) => readFileSync(join(ROOT, 'node_modules', f)))));
  const asShipped = {
    'htmx 1.9 (hx-ws built in)': shipped(['htmx1/dist/htmx.min.js']),
    'htmx 2 + htmx-ext-ws': shipped(['htmx2/dist/htmx.min.js', 'htmx-ext-ws/dist/ws.min.js']),
    'htmx 4 + hx-ws ext': shipped(['htmx4/dist/htmx.min.js', 'htmx4/dist/ext/hx-ws.min.js']),
  };
  for (const [label, o] of rows) {
    // A feature row: the core elements with the feature, less the core elements alone.
    let r;
    if (o.minus) {
      const [all, base] = await Promise.all([bundle({ entry: o.entry }), bundle({ entry: o.minus })]);
      r = { bytes: all.bytes - base.bytes, gzip: all.gzip - base.gzip };
    } else r = o.on ? await bundleOnTop(o) : await bundle(o);
    results.size[label] = { entry: o.entry.replace(`${ROOT}/`, ''), minified: r.bytes, gzip: r.gzip, shippedMinGzip: asShipped[label] ?? null, budgetGzip: SIZE_BUDGETS[label] ?? null };
    if (r.inputs) results.size[label].minifiedBytesByFile = Object.fromEntries(Object.entries(r.inputs).sort((a, b) => b[1] - a[1]));
  }
}

// ---------------------------------------------------------------------------------------------
// Report
const label = (name) => byName.get(name)?.label ?? name;
const lines = [];
const out = (s = '') => lines.push(s);
out(`### hx-ws-elements bench, ${env.date.slice(0, 10)}`);
out();
out(`Machine: ${env.cpu}, ${env.memoryGB} GB, ${env.platform}; ${env.browser} (${env.browserSource}, headless); Node ${env.node}; commit ${env.commit?.slice(0, 7)}${env.dirtySrc.length ? ' + uncommitted src changes' : ''}.`);
out();
const failedCell = (why) => `FAILED: ${why.replace(/\|/g, '/')}`;
if (Object.keys(results.throughput).length || Object.keys(results.latency).length) {
  const ok = (t) => t && !t.failed;
  const raw = ok(results.throughput.raw) ? results.throughput.raw.msgsPerSec : NaN;
  const rawUs = ok(results.throughput.raw) ? results.throughput.raw.usPerMsg.TaskDuration : NaN;
  const bestHtmx = Math.max(...['htmx1', 'htmx2', 'htmx4'].map((n) => (ok(results.throughput[n]) ? results.throughput[n].msgsPerSec : 0)));
  out(`Swap throughput: ${fmt(MESSAGES)} oob fragments of ~${FRAGMENT_BYTES} B over ${TARGETS} targets, sent as fast as the server can, first send to last swap applied; median of ${ROUNDS} interleaved rounds; × raw is the median of each round's ratio to raw's run of the same round, with its spread (lowest–highest).${CDP ? " Main thread µs/msg: Chromium's TaskDuration over the same runs." : ''} Latency: ${fmt(RATE)} msg/s for ${LATENCY_SECONDS} s (in 2 s turns), server send to swap applied. Idle: one message after ${IDLE_MS / 1000} s of silence, median of ${IDLE_SAMPLES}.`);
  out();
  const head = ['contender', 'msgs/s', '× raw', 'spread', '× best htmx', ...(CDP ? ['main thread µs/msg', '× raw'] : []), 'p50 ms', 'p99 ms', 'max ms', '> 16 ms', 'idle ms'];
  out(`| ${head.join(' | ')} |`);
  out(`| --- |${' ---: |'.repeat(head.length - 1)}`);
  for (const c of contenders) {
    const t = results.throughput[c.name];
    const l = results.latency[c.name];
    if (!t && !l) continue;
    const why = t?.failed ?? l?.failed;
    if (why) {
      out(`| ${label(c.name)} | ${failedCell(why)} |${' |'.repeat(head.length - 2)}`);
      continue;
    }
    const rounds = t?.vsRawRounds;
    const cells = [
      label(c.name),
      t ? `${fmt(t.msgsPerSec)}${t.complete ? '' : ' (incomplete)'}` : '',
      t ? fmt(rounds?.median ?? ratio(t.msgsPerSec, raw), 2) : '',
      rounds && c.name !== 'raw' ? `${fmt(rounds.min, 2)}–${fmt(rounds.max, 2)}` : '',
      t && OUR_CONTENDERS.has(c.name) ? fmt(ratio(t.msgsPerSec, bestHtmx), 2) : '',
      ...(CDP ? [t ? fmt(t.usPerMsg.TaskDuration, 1) : '', t ? fmt(ratio(t.usPerMsg.TaskDuration, rawUs), 2) : ''] : []),
      fmt(l?.p50, 2),
      fmt(l?.p99, 2),
      fmt(l?.max, 1),
      l ? `${l.over16ms}/${l.sent}${l.applied === l.sent ? '' : ` (${l.sent - l.applied} never applied)`}` : '',
      fmt(l?.idle?.median, 2),
    ];
    out(`| ${cells.join(' | ')} |`);
  }
  out();
  // The goals of issue 24, checked on this run.
  const goals = [];
  const rawL = ok(results.latency.raw) ? results.latency.raw : null;
  for (const name of OUR_CONTENDERS) {
    const t = results.throughput[name];
    const l = results.latency[name];
    if (ok(t) && t.vsRawRounds) {
      const want = ENGINE === 'chromium' ? 1.0 : 0.9;
      goals.push([`${label(name)}: throughput ${fmt(t.vsRawRounds.median, 2)}× raw (goal ≥ ${fmt(want, 1)}×)`, t.vsRawRounds.median >= want]);
    }
    if (CDP && ok(t) && Number.isFinite(rawUs)) {
      const r = ratio(t.usPerMsg.TaskDuration, rawUs);
      goals.push([`${label(name)}: main thread ${fmt(r, 2)}× raw per message (goal ≤ 1.1×)`, r <= 1.1]);
    }
    if (ok(l) && rawL) {
      goals.push([`${label(name)}: p99 ${fmt(l.p99, 2)} ms at ${fmt(RATE)} msg/s, raw ${fmt(rawL.p99, 2)} ms (goal ≤ raw + 2 ms)`, l.p99 <= rawL.p99 + 2]);
      if (l.idle && rawL.idle) goals.push([`${label(name)}: idle ${fmt(l.idle.median, 2)} ms, raw ${fmt(rawL.idle.median, 2)} ms (goal ≤ raw + 1 ms)`, l.idle.median <= rawL.idle.median + 1]);
    }
  }
  if (goals.length) {
    for (const [text, met] of goals) out(`- ${met ? 'met' : 'MISSED'}: ${text}`);
    out();
  }
  results.goals = goals.map(([text, met]) => ({ text, met }));
}
if (Object.keys(results.churn).length) {
  out(`Churn: ${fmt(CYCLES)} cycles of insert, wait for the socket to open, remove (plain DOM \`remove()\`); sockets still open on the server 2 s later.`);
  out();
  out('| contender | cycles | total ms | ms/cycle | sockets opened | left open |');
  out('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, r] of Object.entries(results.churn)) {
    if (r.failed) out(`| ${label(name)} | ${failedCell(r.failed)} | | | | |`);
    else out(`| ${label(name)} | ${r.cycles}${r.stalled ? ' (stalled)' : ''} | ${fmt(r.ms)} | ${fmt(r.msPerCycle, 2)} | ${r.serverOpened} | ${r.leftOpen} |`);
  }
  out();
}
if (Object.keys(results.upload).length) {
  out(`Upload: one file, from the send (page clock, offset-corrected) to the last byte received by the server, a \`ws\` server in its own process; median rate of ${UPLOAD_ROUNDS} interleaved rounds, the largest ${CDP ? 'JS heap growth and ' : ''}sink RSS peak (growth over its idle RSS) of those rounds.`);
  out();
  out(`| contender | mode | size | MB/s | × raw |${CDP ? ' JS heap growth |' : ''} sink RSS peak (growth) |`);
  out(`| --- | --- | ---: | ---: | ---: |${CDP ? ' ---: |' : ''} ---: |`);
  for (const r of Object.values(results.upload)) {
    const mode = r.encoding === 'raw' ? '`ws.send(file)`' : r.encoding === ENCODING.OOB ? 'oob' : 'inline-base64';
    if (r.failed) {
      out(`| ${label(r.contender)} | ${mode} | ${r.bytes / 2 ** 20} MiB | ${failedCell(r.failed)} | |${CDP ? ' |' : ''} |`);
      continue;
    }
    out(
      `| ${label(r.contender)} | ${mode} | ${r.bytes / 2 ** 20} MiB | ${fmt(r.MBps, 1)}${r.complete ? '' : ' (incomplete)'} | ${r.vsRaw == null ? '' : fmt(r.vsRaw, 2)} |${CDP ? ` ${fmt(r.heapGrowthMB, 1)} MB |` : ''} ${fmt(r.serverRssPeakMB)} MB (+${fmt(r.serverRssGrowthMB)}) |`,
    );
  }
  out();
}
if (Object.keys(results.chunked).length) {
  out(`Chunked uploads (issues 15, 24): one file through \`<hx-ws-send>\` to the server helper (\`attachHxWs\`) in its own process, from the send (page clock, offset-corrected) to the handler's call; chunked files go to \`diskSink\`. Raw: the bare page's \`ws.send(file)\` to a bare \`ws\` sink, to its last byte (both sinks without \`bufferutil\`). Median rate of ${CHUNKED_ROUNDS} interleaved rounds (× raw per round: each round's rate over that round's raw rate), the largest extra bytes of those rounds. RSS growth: the server process's peak over its idle RSS. Extra bytes: beyond the file, as a share of it, read by the server from TCP (both sockets) / handed by the page to \`WebSocket.send\`.`);
  out();
  out('| upload | size | MB/s | × raw | × raw per round | × unchunked | server RSS growth per round | extra bytes (wire / handed) |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const { loadAverage, ...chunkedRows } = results.chunked;
  for (const [key, r] of Object.entries(chunkedRows)) {
    out(
      `| ${key} | ${r.bytes / 2 ** 20} MiB | ${fmt(r.MBps, 1)}${r.complete ? '' : ' (incomplete)'} | ${fmt(r.vsRaw, 2)} | ${r.vsRawPerRound.map((x) => fmt(x, 2)).join(' ')} | ${fmt(r.vsUnchunked, 2)} | ${r.runs.map((x) => fmt(x.serverRssGrowthMB)).join(' ')} MB | ${fmt(r.extraWire * 100, 1)} % / ${fmt(r.extraHanded * 100, 1)} % |`,
    );
  }
  out();
  out(`Load average (1, 5, 15 min) before the chunked section: ${loadAverage.before.map((l) => fmt(l, 2)).join(', ')}; after: ${loadAverage.after.map((l) => fmt(l, 2)).join(', ')}.`);
  out();
}
if (Object.keys(results.size).length) {
  out('Size: esbuild bundle, then terser, minified, gzip level 9 (htmx: also their own .min.js files, gzip -9). Budget: issue 22\'s, gzipped (1 KB = 1,000 B). A feature row is what its entry adds on top of the core elements.');
  out();
  out('| build | minified | gzipped | budget | shipped .min.js gzipped |');
  out('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, s] of Object.entries(results.size)) {
    const budget = SIZE_BUDGETS[name];
    const verdict = budget === undefined ? '' : `${fmt(budget)} (${s.gzip <= budget ? 'met' : `over by ${fmt(s.gzip - budget)}`})`;
    out(`| ${name} | ${fmt(s.minified)} | ${fmt(s.gzip)} | ${verdict} | ${s.shippedMinGzip == null ? '' : fmt(s.shippedMinGzip)} |`);
  }
  out();
}
for (const n of results.notes) out(`Note: ${n}`);
for (const [name, parts] of Object.entries(failures)) {
  for (const [part, why] of Object.entries(parts)) out(`Failed: ${label(name)}, ${part}: ${why}`);
}
if (Object.keys(failures).length) out();
for (const [name, prof] of Object.entries(results.profile)) {
  out(`Profile of ${label(name)} (one ${fmt(MESSAGES)}-message run, unminified build, ${fmt(prof.run.msgsPerSec)} msg/s), self time:`);
  out();
  for (const f of prof.selfTop.slice(0, 15)) out(`    ${String(f.share).padStart(5)}%  ${fmt(f.ms)} ms  ${f.fn}`);
  out('  inclusive (library functions):');
  for (const f of prof.inclusiveTop.slice(0, 15)) out(`    ${String(f.share).padStart(5)}%  ${fmt(f.ms)} ms  ${f.fn}`);
  out();
}
results.totalSeconds = (now() - started) / 1000;
env.loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
out(`Load average (1 min) at start ${env.loadAverageAtStart[0]}, at end ${env.loadAverageAtEnd[0]}: other work on this ${cpus().length}-core machine shares the CPU.`);
out(`Total run time: ${fmt(results.totalSeconds)} s. Reproduce: \`npm run bench\`.`);
const report = lines.join('\n');
console.log(report);
results.markdown = report;

if (!flag('no-write')) {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  // A Firefox run, a partial run or one with the broken contender does not replace the day's
  // full Chromium results.
  const suffix = [
    ENGINE === 'chromium' ? null : ENGINE,
    ONLY_SECTIONS || SKIP.size ? SECTIONS.filter(wanted).join('+') : null,
    ONLY ? 'only-' + [...ONLY].join('+') : null,
    flag('broken') ? 'broken' : null,
  ].filter(Boolean);
  const file = join(dir, `${env.date.slice(0, 10)}${suffix.map((x) => `-${x}`).join('')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${file.replace(`${ROOT}/`, '')}`);
}
for (const b of [UPLOAD_OOB_BYTES, UPLOAD_INLINE_BYTES]) rmSync(join(tmpdir(), `hx-ws-bench-${b}.bin`), { force: true });
