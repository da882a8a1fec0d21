/**
 * What a connection tells about its sockets' failures: an error (with the cross-origin hint
 * when no socket to that host has opened yet) and a connect timeout, each logged to the console
 * once per streak of failed attempts, so a server that is down for a while does not flood it.
 *
 * @module
 */
import { HxWsErrorEvent } from '../events.js';
import { emit } from '../core/dispatch.js';
import { logError } from '../core/dispatch.js';
import { crossOriginHint, socketOrigin } from './socket-url.js';
import { inWords } from './watchdog.js';

/** The failure streaks of one connection. */
export class SocketErrors {
  #errors = 0;
  #timeouts = 0;
  /** Sockets in a row that closed without opening. */
  #unopened = 0;
  /** `protocol//host` of the last socket that opened: an Origin check let it through. */
  #openedOrigin: string | undefined;

  readonly #host: Element;

  constructor(host: Element) {
    this.#host = host;
  }

  /** `socket` opened: the streaks end. */
  opened(socket: WebSocket): void {
    this.#errors = this.#timeouts = this.#unopened = 0;
    this.#openedOrigin = socketOrigin(socket.url);
  }

  /** `socket` reported an error (browsers say nothing about the cause): `hx-ws-error` `socket`. */
  error(socket: WebSocket): void {
    let message = `the socket to ${socket.url} reported an error`;
    if (this.#errors++ === 0) {
      // A refused Origin looks like any other failure; a page and a socket on different hosts
      // (127.0.0.1 against localhost) are the usual cause when no socket to that host has opened.
      const hint = this.#openedOrigin === socketOrigin(socket.url) ? '' : crossOriginHint(socket.url);
      if (hint) message += `; ${hint}`;
      logError(message, this.#host);
    }
    emit(this.#host, new HxWsErrorEvent('socket', message, { part: socket.url }));
  }

  /**
   * `socket` closed without ever opening. The `warnAfter`-th in a row (0: never) is said once,
   * with what to check: a browser shows a refused upgrade as any failure (1006), without the
   * HTTP status.
   */
  unopened(socket: WebSocket, warnAfter: number): void {
    this.#unopened += 1;
    if (warnAfter <= 0 || this.#unopened !== warnAfter) return;
    logError(
      `${warnAfter} sockets in a row to ${socket.url} closed before they opened: the server refuses the upgrade or nothing serves that path. ` +
        `Check the path (attachHxWs({ path }); the server's onError names a 404), the server's allowedHosts and origins ` +
        `(a 403; its onError names the refused Host or Origin), and its authenticate (a 401 or 403, with the reason in onError). ` +
        `The page keeps retrying; this is said once until a socket opens.`,
      this.#host,
    );
  }

  /** The words of a connect timeout after `ms` (logged once per streak); `retrying`: a retry follows. */
  timeout(socket: WebSocket, ms: number, retrying: boolean): string {
    const next = retrying ? 'still trying' : 'not trying again by itself';
    const message = `the socket to ${socket.url} has not opened after ${inWords(ms)}; ${next} (is the path right? nothing answered the upgrade)`;
    if (this.#timeouts++ === 0) logError(message, this.#host);
    return message;
  }
}
