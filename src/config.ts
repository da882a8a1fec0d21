/**
 * Page-wide settings. Per-element properties win over these; where one of ours is left unset,
 * htmx is on the page and the htmx feature (`hx-ws-elements/htmx`) is loaded, htmx's own
 * `htmx.config` value is used, so one setting serves both.
 */
import { features } from './core/features.js';

/** A reconnect delay: `'full-jitter'` or a function of the retry count returning milliseconds. */
export type ReconnectDelay = 'full-jitter' | ((retryCount: number) => number);

/** The page-wide configuration object. Change its fields before or after elements connect. */
export interface HxWsConfig {
  /**
   * Delay before a reconnect. Unset: `htmx.config.wsReconnectDelay` when htmx is on the page,
   * else `'full-jitter'`.
   */
  wsReconnectDelay?: ReconnectDelay;
  /** Close codes after which a socket reconnects. Default 1006, 1011, 1012, 1013. */
  reconnectCodes: number[];
  /**
   * Whether inline `<script>` in swapped content runs. Unset: htmx's setting, else `true`.
   * Scripts inside an `hx-disable` region never run. It governs `<script>` elements only: event
   * handler attributes and `javascript:` URLs in swapped markup are the browser's to run, so
   * messages that carry untrusted HTML need it escaped or sanitized on the server (or a CSP).
   */
  allowScriptTags?: boolean;
  /**
   * Whether `js:` / `javascript:` values of `hx-vals` and `hx-headers`, and `hx-vars` values,
   * are evaluated (as JavaScript, in the page). Unset: `htmx.config.allowEval` when htmx is on
   * the page, else `true` (htmx's default). When off, such a value is left out, the rest of the
   * request is sent and an `hx-ws-error` (`eval-disallowed`) says what was left out. Object and
   * function `vals` / `headers` properties never need it.
   */
  allowEval?: boolean;
  /** Most requests a socket queues while not open. Default 100. */
  queueLimit: number;
  /**
   * Milliseconds a socket may stay connecting before an `hx-ws-error` (`connect-timeout`) says
   * so and the attempt is dropped and retried like a 1006 close. 0: wait as long as the
   * browser does. Default 10000.
   */
  connectTimeout: number;
  /**
   * Sockets in a row that close without ever opening after which one `console.error` says that
   * the server refuses the upgrade or is not there, and what to check. 0: never. Default 5.
   */
  warnAfter: number;
  /** Class put on new content until the swap has settled. Default `htmx-added`. */
  addedClass: string;
  /** Milliseconds between a swap and its settle step (removal of `addedClass`). Default 20. */
  settleDelay: number;
}

/** The configuration in force for the page. */
export const config: HxWsConfig = {
  reconnectCodes: [1006, 1011, 1012, 1013],
  queueLimit: 100,
  connectTimeout: 10_000,
  warnAfter: 5,
  addedClass: 'htmx-added',
  settleDelay: 20,
};

/** The reconnect delay in force: ours, then htmx's (with the htmx feature), then `'full-jitter'`. */
export function effectiveReconnectDelay(own?: ReconnectDelay): ReconnectDelay {
  if (own) return own;
  if (config.wsReconnectDelay) return config.wsReconnectDelay;
  const theirs = features.fallback?.('wsReconnectDelay');
  if (theirs === 'full-jitter' || typeof theirs === 'function') return theirs as ReconnectDelay;
  return 'full-jitter';
}

/** A boolean setting: ours, then htmx's (with the htmx feature), then `true`. */
function flag(key: 'allowScriptTags' | 'allowEval'): boolean {
  const ours = config[key];
  if (ours !== undefined) return ours;
  const theirs = features.fallback?.(key);
  return typeof theirs === 'boolean' ? theirs : true;
}

/** Whether swapped `<script>` elements run: ours, then htmx's, then `true`. */
export const effectiveAllowScripts = (): boolean => flag('allowScriptTags');

/** Whether `js:` values and `hx-vars` are evaluated: ours, then htmx's, then `true`. */
export const effectiveAllowEval = (): boolean => flag('allowEval');
