import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { findChromium, findFirefox, findWebKit } from './scripts/browsers.mjs';
import { firefoxLauncher } from './scripts/launchers/firefox.mjs';
import { webkitLauncher } from './scripts/launchers/webkit.mjs';
import { wsTestServer } from './test/support/ws-test-server.mjs';
import { frameworkModules } from './test/support/framework-modules.mjs';
import { countingReporter } from './scripts/counting-reporter.mjs';

// One engine per run: WTR_ENGINE=chromium (default), firefox or webkit. `npm test` runs them
// one after the other (scripts/test.mjs), which keeps a 2-core machine from timing tests out.
const engine = process.env.WTR_ENGINE ?? 'chromium';
const quiet = process.env.WTR_QUIET === '1';

async function launcher() {
  if (engine === 'chromium') {
    const chrome = await findChromium();
    const l = chromeLauncher({
      launchOptions: { executablePath: chrome.executablePath, headless: true, args: chrome.args },
    });
    l.name = 'Chromium';
    return l;
  }
  if (engine === 'firefox') {
    const firefox = findFirefox();
    if ('missing' in firefox) throw new Error(`Firefox: ${firefox.missing}; install it with: ${firefox.install}`);
    return firefoxLauncher({ executablePath: firefox.executablePath });
  }
  if (engine === 'webkit') {
    const webkit = findWebKit();
    if ('missing' in webkit) throw new Error(`WebKit: ${webkit.missing}; install it with: ${webkit.install}`);
    return webkitLauncher(webkit);
  }
  throw new Error(`WTR_ENGINE=${engine}: expected chromium, firefox or webkit`);
}

export default {
  files: ['test/browser/**/*.test.{ts,tsx}'],
  // Lit's production build: the same code without the dev-mode console line in every test file.
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 240_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 20_000 } },
  plugins: [
    esbuildPlugin({ ts: true, tsx: true, target: 'es2022', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }),
    wsTestServer(),
    frameworkModules(),
  ],
  browsers: [await launcher()],
  reporters: [quiet ? summaryReporter({ flatten: true }) : defaultReporter(), countingReporter()],
};
