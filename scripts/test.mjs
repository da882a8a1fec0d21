// `npm test`: the Node suite (server helper), then the browser suite once per engine (Chromium,
// Firefox, WebKit), one engine after the other, each against a real ws server; then one closing
// line "N passed, N failed" over everything.
//
// Extra arguments go to the browser runner. `--files` runs only what it names: test/node/ files
// with node --test, the others in the browsers (`npm test -- --files test/browser/swap/swap.test.ts`).
// `--node` or `--browser` runs one half; `--chromium`, `--firefox`, `--webkit` (any of them)
// choose the engines, as does HXWS_ENGINES=chromium,firefox.
//
// An engine that is not installed is skipped with a loud message naming the Debian package;
// under CI=true a missing engine is a failure instead.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ENGINES, findFirefox, findWebKit } from './browsers.mjs';

const args = process.argv.slice(2);
const engineFlags = ENGINES.map((e) => `--${e}`);
const onlyNode = args.includes('--node');
const onlyBrowser = args.includes('--browser');
let passThrough = args.filter((a) => a !== '--node' && a !== '--browser' && !engineFlags.includes(a));
// `--files a b ...`: only what is named runs. Files under test/node/ go to node --test, the others
// to the browser runner; a half with nothing named does not run.
const named = [];
for (let i = passThrough.indexOf('--files'); i >= 0; i = passThrough.indexOf('--files')) {
  let end = i + 1;
  while (end < passThrough.length && !passThrough[end].startsWith('--')) end++;
  named.push(...passThrough.slice(i + 1, end));
  passThrough = [...passThrough.slice(0, i), ...passThrough.slice(end)];
}
const namedNode = named.filter((f) => f.replace(/^\.\//, '').startsWith('test/node/'));
const namedBrowser = named.filter((f) => !namedNode.includes(f));
if (namedBrowser.length) passThrough.push('--files', ...namedBrowser);
const chosen = ENGINES.filter((e) => args.includes(`--${e}`));
const fromEnv = (process.env.HXWS_ENGINES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const e of fromEnv) if (!ENGINES.includes(e)) throw new Error(`HXWS_ENGINES: unknown engine "${e}" (expected ${ENGINES.join(', ')})`);
const engines = chosen.length ? chosen : fromEnv.length ? fromEnv : ENGINES;
const ci = process.env.CI === 'true' || process.env.CI === '1';

const dir = mkdtempSync(join(tmpdir(), 'hxws-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
/** One summary line per part of the run, printed again at the end. */
const lines = [];
/** Engines that could not run, with what to install. */
const missing = [];
let exitCode = 0;
const started = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(0)} s`;

function run(cmd, cmdArgs, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function add(file, label, ms) {
  if (!existsSync(file)) {
    console.error(`${label}: no counts were written (the runner crashed?)`);
    totals.failed++;
    lines.push(`${label}: crashed, counted as 1 failed (${secs(ms)})`);
    return;
  }
  const t = JSON.parse(readFileSync(file, 'utf8'));
  const failed = t.failed + (t.brokenFiles ?? 0);
  totals.passed += t.passed;
  totals.failed += failed;
  totals.skipped += t.skipped;
  const slowest = Object.entries(t.fileMs ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 3)
    .map(([f, fms]) => `${f.replace(/^test\/browser\//, '')} ${secs(fms)}`);
  lines.push(`${label}: ${t.passed} passed, ${failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''} in ${secs(ms)}`
    + (slowest.length ? ` (slowest: ${slowest.join(', ')})` : ''));
}

/** Why `engine` cannot run here, with the package that fixes it; null when it can. */
function absent(engine) {
  if (engine === 'firefox') {
    const f = findFirefox();
    return 'missing' in f ? `${f.missing}. Install: ${f.install} (or set FIREFOX_PATH)` : null;
  }
  if (engine === 'webkit') {
    const w = findWebKit();
    return 'missing' in w ? `${w.missing}. Install: ${w.install}` : null;
  }
  return null; // Chromium: scripts/chrome.mjs falls back to the build inside @sparticuz/chromium
}

function loud(text) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n${text}\n${bar}\n`);
}

if (!onlyBrowser && (named.length === 0 || namedNode.length > 0)) {
  const nodeTests = named.length
    ? namedNode
    : existsSync('test/node')
      ? readdirSync('test/node').filter((f) => f.endsWith('.test.ts')).map((f) => join('test/node', f))
      : [];
  if (nodeTests.length) {
    const out = join(dir, 'node.json');
    const t0 = Date.now();
    const code = await run(process.execPath, [
      // Two files at a time: each starts its own servers on free ports (Node 20 runs one at a
      // time on two cores), which halves the Node half's wall time here.
      '--import', 'tsx', '--test', '--test-concurrency=2',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/node-count-reporter.mjs', `--test-reporter-destination=${out}`,
      ...nodeTests,
    ]);
    if (code !== 0) exitCode = code;
    add(out, 'node --test', Date.now() - t0);
  }
}

if (!onlyNode && (named.length === 0 || namedBrowser.length > 0)) {
  for (const engine of engines) {
    const why = absent(engine);
    if (why) missing.push({ engine, why });
  }
  for (const { engine, why } of missing) {
    loud(`${engine.toUpperCase()} ${ci ? 'IS MISSING (CI=true: counted as a failure)' : 'SKIPPED'}: ${why}`);
    if (ci) totals.failed++;
  }
  const runnable = engines.filter((e) => !missing.some((m) => m.engine === e));
  if (runnable.length && (await run(process.execPath, ['scripts/bundle.mjs'])) !== 0) exitCode = 1; // dist/hx-ws.js, for test/browser/elements/standalone.test.ts
  const bin = join('node_modules', '.bin', 'web-test-runner');
  for (const engine of runnable) {
    console.log(`\n=== browser tests in ${engine} ===\n`);
    const out = join(dir, `${engine}.json`);
    const t0 = Date.now();
    const code = await run(bin, ['--config', 'web-test-runner.config.mjs', ...passThrough], { WTR_COUNTS: out, WTR_ENGINE: engine });
    if (code !== 0) exitCode = code;
    add(out, engine, Date.now() - t0);
  }
  for (const { engine } of missing) lines.push(`${engine}: ${ci ? 'MISSING, counted as 1 failed' : 'SKIPPED, not installed'}`);
}

// The Redis adapter's tests, Node and browser (recovery across processes), need a real
// redis-server (test/node/support/redis.ts starts one, for the browser run from the test
// server's serverStart); without it they are skipped, which must not pass unnoticed (under
// CI=true they fail instead).
const redisFound = process.env.REDIS_SERVER
  ? existsSync(process.env.REDIS_SERVER)
  : ['redis-server', 'valkey-server'].some((name) =>
      [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'].some((d) => d && existsSync(join(d, name))),
    );
if (!redisFound) {
  const parts = [onlyBrowser ? null : 'the Redis adapter tests (Node)', onlyNode ? null : 'recovery through Redis (browser)'].filter(Boolean);
  loud(`REDIS TESTS SKIPPED: redis-server not found, so ${parts.join(' and ')} did not run.\nInstall it (apt-get install -y redis-server, or brew install redis) and run npm test again.`);
}

console.log(`\n${lines.join('\n')}\ntotal time ${secs(Date.now() - started)}`);
if (missing.length && !ci) {
  loud(`NOT TESTED IN ${missing.map((m) => m.engine).join(', ').toUpperCase()}:\n${missing.map((m) => `  ${m.engine}: ${m.why}`).join('\n')}`);
}
if (totals.failed > 0 && exitCode === 0) exitCode = 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(exitCode);
