// Which browser engine the page runs in, for the few places where engines differ in what a page
// can observe (not in what the library does). Each difference is described where it is used.

const ua = navigator.userAgent;

/** `chromium`, `firefox` or `webkit` (Safari's engine; here WebKitGTK's MiniBrowser). */
export const engine: 'chromium' | 'firefox' | 'webkit' = /Firefox\//.test(ua)
  ? 'firefox'
  : /Chrome\/|Chromium\//.test(ua)
    ? 'chromium'
    : 'webkit';

/**
 * Close codes WebKitGTK's network stack (libsoup 3) does not pass on: it takes a server close
 * with 1012, 1013 or 1014 for a protocol error, and the page sees 1006 with no reason and
 * `wasClean` false. 1006 is a reconnect code, so the socket still reconnects.
 */
export const LOST_IN_WEBKIT = [1012, 1013, 1014];

/** The close code a page in this engine sees when the server closes with `code`. */
export function seenCloseCode(code: number): number {
  return engine === 'webkit' && LOST_IN_WEBKIT.includes(code) ? 1006 : code;
}
