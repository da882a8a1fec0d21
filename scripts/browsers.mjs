// Finds the three engines the suite runs in, without downloading anything:
// - Chromium: scripts/chrome.mjs (CHROME_PATH, a system Chrome, then @sparticuz/chromium);
// - Firefox: FIREFOX_PATH, then Debian's firefox-esr (or any firefox on PATH);
// - WebKit: WebKitGTK's WebKitWebDriver (WEBKIT_DRIVER_PATH, or on PATH) and MiniBrowser
//   (WEBKIT_MINIBROWSER, or where Debian puts it), run under Xvfb unless DISPLAY is set.
// Each finder returns what it found, or `{ missing, install }`: what is absent and the Debian
// package that provides it. Shared by the test runner and the benchmarks.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findChrome } from './chrome.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** @param {string} name */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** @returns {Promise<{ executablePath: string, source: string, args: string[] }>} */
export const findChromium = findChrome;

/** @returns {{ executablePath: string, source: string } | { missing: string, install: string }} */
export function findFirefox() {
  if (process.env.FIREFOX_PATH) {
    if (existsSync(process.env.FIREFOX_PATH)) return { executablePath: process.env.FIREFOX_PATH, source: 'FIREFOX_PATH' };
    return { missing: `FIREFOX_PATH=${process.env.FIREFOX_PATH} does not exist`, install: 'apt-get install -y firefox-esr' };
  }
  const found = onPath('firefox-esr') ?? onPath('firefox');
  if (found) return { executablePath: found, source: 'system' };
  return { missing: 'no firefox-esr or firefox on PATH (and no FIREFOX_PATH)', install: 'apt-get install -y firefox-esr' };
}

const MINIBROWSER_PATHS = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/x86_64-linux-gnu/webkitgtk-6.0/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkitgtk-6.0/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
];

function findMiniBrowser() {
  if (process.env.WEBKIT_MINIBROWSER) return existsSync(process.env.WEBKIT_MINIBROWSER) ? process.env.WEBKIT_MINIBROWSER : null;
  const known = MINIBROWSER_PATHS.find((p) => existsSync(p));
  if (known) return known;
  try {
    // Debian ships it in the library package's own folder; ask dpkg where that is.
    const listed = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.split('\n').find((l) => l.endsWith('/MiniBrowser')) ?? null;
  } catch {
    return null;
  }
}

/**
 * @returns {{ driver: string, miniBrowser: string, xvfb: string | null, source: string }
 *   | { missing: string, install: string }}
 */
export function findWebKit() {
  const fromEnv = process.env.WEBKIT_DRIVER_PATH;
  const driver = fromEnv ? (existsSync(fromEnv) ? fromEnv : null) : onPath('WebKitWebDriver');
  const miniBrowser = findMiniBrowser();
  // With a display already there (a desktop, or CI's own Xvfb) there is no need for our own.
  const xvfb = process.env.DISPLAY ? null : onPath('Xvfb');
  const missing = [];
  if (!driver) missing.push('WebKitWebDriver');
  if (!miniBrowser) missing.push('MiniBrowser');
  if (!process.env.DISPLAY && !xvfb) missing.push('Xvfb (and no DISPLAY)');
  if (missing.length) {
    const pkgs = [!driver || !miniBrowser ? 'webkit2gtk-driver' : null, !process.env.DISPLAY && !xvfb ? 'xvfb' : null].filter(Boolean);
    return { missing: `no ${missing.join(', ')}`, install: `apt-get install -y ${pkgs.join(' ')}` };
  }
  return { driver, miniBrowser, xvfb, source: 'system' };
}
