// A @web/test-runner launcher for Firefox, driven by puppeteer-core over WebDriver BiDi.
// Nothing is downloaded: it runs the Firefox it is given (see scripts/browsers.mjs).
// @web/test-runner-chrome's launcher already drives any browser puppeteer can launch when it is
// handed a puppeteer instance; this gives it puppeteer-core and Firefox's launch options.
import * as puppeteer from 'puppeteer-core';
import { ChromeLauncher } from '@web/test-runner-chrome';

/** Preferences for a quiet, predictable headless run on a closed network. */
export const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  // A background tab must not slow its timers: the suite runs one page at a time anyway.
  'dom.min_background_timeout_value': 4,
  // Firefox spaces out new connections to a host whose last WebSocket handshakes failed
  // (RFC 6455 §7.2.3; 200 ms growing 1.5× per failure, up to a minute). The suite checks the
  // library's own reconnect schedule against a server that refuses on purpose, so it turns
  // the browser's extra delay off. Real pages in Firefox get both delays.
  'network.websocket.delay-failed-reconnects': false,
};

/**
 * @param {{ executablePath: string, headless?: boolean }} options
 * @returns {import('@web/test-runner').BrowserLauncher}
 */
export function firefoxLauncher({ executablePath, headless = true }) {
  const launchOptions = {
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath,
    headless,
    extraPrefsFirefox: FIREFOX_PREFS,
    // Puppeteer otherwise subscribes to every network event over BiDi, which more than doubles
    // the time Firefox takes to load a test file's ~100 modules (about 0.2 s a file); the runner
    // uses no request or response events.
    networkEnabled: false,
  };
  const launcher = new ChromeLauncher(
    launchOptions,
    ({ browser }) => browser.defaultBrowserContext(),
    ({ context }) => context.newPage(),
    puppeteer,
  );
  launcher.name = 'Firefox';
  return launcher;
}
