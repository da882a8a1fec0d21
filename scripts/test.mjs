// `npm test`: the Node suite (server helper) and the browser suite (real Chromium, real ws
// server), then one closing line "N passed, N failed". Extra arguments go to the browser runner
// (e.g. `npm test -- --files test/browser/swap.test.ts`); `--node` or `--browser` runs one half.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const args = process.argv.slice(2);
const onlyNode = args.includes('--node');
const onlyBrowser = args.includes('--browser');
const passThrough = args.filter((a) => a !== '--node' && a !== '--browser');
const dir = mkdtempSync(join(tmpdir(), 'hxws-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

function run(cmd, cmdArgs, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function add(file, label) {
  if (!existsSync(file)) {
    console.error(`${label}: no counts were written (the runner crashed?)`);
    totals.failed++;
    return;
  }
  const t = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += t.passed;
  totals.failed += t.failed + (t.brokenFiles ?? 0);
  totals.skipped += t.skipped;
}

if (!onlyBrowser) {
  const nodeTests = existsSync('test/node')
    ? readdirSync('test/node').filter((f) => f.endsWith('.test.ts')).map((f) => join('test/node', f))
    : [];
  if (nodeTests.length) {
    const out = join(dir, 'node.json');
    const code = await run(process.execPath, [
      '--import', 'tsx', '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/node-count-reporter.mjs', `--test-reporter-destination=${out}`,
      ...nodeTests,
    ]);
    if (code !== 0) exitCode = code;
    add(out, 'node --test');
  }
}

if (!onlyNode) {
  if ((await run(process.execPath, ['scripts/bundle.mjs'])) !== 0) exitCode = 1; // dist/hx-ws.js, for test/browser/standalone.test.ts
  const out = join(dir, 'browser.json');
  const bin = join('node_modules', '.bin', 'web-test-runner');
  const code = await run(bin, ['--config', 'web-test-runner.config.mjs', ...passThrough], { WTR_COUNTS: out });
  if (code !== 0) exitCode = code;
  add(out, 'web-test-runner');
}

// The Redis adapter's tests need a real redis-server (test/node/support/redis.ts starts one);
// without it they are skipped, which must not pass unnoticed (under CI=true they fail instead).
const redisFound = ['redis-server', 'valkey-server'].some((name) =>
  [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'].some((dir) => dir && existsSync(join(dir, name))),
);
if (!onlyBrowser && !redisFound && !process.env.REDIS_SERVER) {
  console.warn('\n*** The Redis adapter tests were SKIPPED: redis-server not found.');
  console.warn('*** Install it (apt-get install -y redis-server, or brew install redis) and run npm test again.');
}

if (totals.failed > 0 && exitCode === 0) exitCode = 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(exitCode);
