import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { findChrome } from './scripts/chrome.mjs';
import { wsTestServer } from './test/support/ws-test-server.mjs';
import { frameworkModules } from './test/support/framework-modules.mjs';
import { countingReporter } from './scripts/counting-reporter.mjs';

const chrome = await findChrome();
const quiet = process.env.WTR_QUIET === '1';

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
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: chrome.executablePath, headless: true, args: chrome.args },
    }),
  ],
  reporters: [quiet ? summaryReporter({ flatten: true }) : defaultReporter(), countingReporter()],
};
