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
  /** `protocol//host` of the last socket that opened: an Origin check let it through. */
  #openedOrigin: string | undefined;

  readonly #host: Element;

  constructor(host: Element) {
    this.#host = host;
  }

  /** `socket` opened: the streaks end. */
  opened(socket: WebSocket): void {
    this.#errors = this.#timeouts = 0;
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

  /** The words of a connect timeout after `ms` (logged once per streak); `retrying`: a retry follows. */
  timeout(socket: WebSocket, ms: number, retrying: boolean): string {
    const next = retrying ? 'still trying' : 'not trying again by itself';
    const message = `the socket to ${socket.url} has not opened after ${inWords(ms)}; ${next} (is the path right? nothing answered the upgrade)`;
    if (this.#timeouts++ === 0) logError(message, this.#host);
    return message;
  }
}
