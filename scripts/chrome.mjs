// Finds a Chromium to drive, in the order the project promises:
// CHROME_PATH, then a system Chrome/Chromium, then the build shipped inside @sparticuz/chromium.
// Shared by the test runner, the benchmarks and the screenshot script.
import { existsSync } from 'node:fs';

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Flags every headless run here needs (root, closed network). */
export const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-quic',
];

/** @returns {Promise<{ executablePath: string, source: string, args: string[] }>} */
export async function findChrome() {
  if (process.env.CHROME_PATH) {
    return { executablePath: process.env.CHROME_PATH, source: 'CHROME_PATH', args: CHROME_ARGS };
  }
  const system = SYSTEM_PATHS.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: 'system', args: CHROME_ARGS };
  const { default: chromium } = await import('@sparticuz/chromium');
  const executablePath = await chromium.executablePath();
  // The packaged build is a headless shell made for sandbox-less containers.
  return { executablePath, source: '@sparticuz/chromium', args: [...CHROME_ARGS, '--no-zygote'] };
}
