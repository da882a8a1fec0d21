import type { PropertyValues } from '@lit/reactive-element';
import { property } from 'lit/decorators.js';
import type { ReconnectDelay } from '../config.js';
import { SocketConnection } from '../connection/socket-connection.js';
import { WrapperElement } from './wrapper-element.js';
import { checkDisabled } from '../core/disable.js';

/**
 * `<hx-ws-connect>` owns one WebSocket. It opens when the element is connected, closes (1000)
 * when it is removed, reconnects after abnormal closes, and swaps every HTML message it receives
 * into the page by element id (out-of-band swap semantics).
 *
 * Children are rendered in place (`display: contents`): wrap the part of the page that sends.
 * Inside an `hx-disable` element it opens nothing (and says so once, `hx-ws-error` `disabled`).
 *
 * @fires {HxWsConnectingEvent} hx-ws-connecting - A socket is about to be opened.
 * @fires {HxWsOpenEvent} hx-ws-open - The socket is open.
 * @fires {HxWsCloseEvent} hx-ws-close - The socket closed; says whether a reconnect follows.
 * @fires {HxWsErrorEvent} hx-ws-error - Bad configuration, a socket error or a lost request.
 * @fires {HxWsBeforeMessageEvent} hx-ws-before-message - A message arrived. Cancelable: no swap.
 * @fires {HxWsAfterMessageEvent} hx-ws-after-message - A message was handled.
 * @fires {HxWsOobBeforeSwapEvent} hx-ws-oob-before-swap - A fragment is about to be swapped. Cancelable.
 * @fires {HxWsOobAfterSwapEvent} hx-ws-oob-after-swap - A fragment was swapped.
 * @fires {HxWsOobErrorNoTargetEvent} hx-ws-oob-error-no-target - A fragment found no target.
 */
export class HxWsConnectElement extends WrapperElement {
  /** Registers the element (default tag `hx-ws-connect`). */
  static define(tag = 'hx-ws-connect', registry: CustomElementRegistry = customElements): void {
    this.defineAs(tag, this, registry);
  }

  /**
   * Where to connect: `ws(s)://...`, `http(s)://...` (mapped to ws/wss), `//host/path`, `/path`
   * or `path` (resolved against the page, `wss` on https pages). As a property it may also be a
   * function returning the URL, called before every (re)connect (for a fresh token, say).
   */
  @property({ attribute: 'url' })
  url: string | (() => string) | null = null;

  /** Forces the socket scheme for relative URLs: `ws` or `wss`. Empty follows the page. */
  @property({ reflect: true })
  scheme: string | null = null;

  /** Subprotocols to offer, space or comma separated (attribute) or an array (property). */
  @property({ attribute: 'protocols' })
  protocols: string | string[] | null = null;

  /**
   * Delay before a reconnect: `'full-jitter'` or `(retryCount) => ms`. Unset: the page-wide
   * `config.wsReconnectDelay`, then `htmx.config.wsReconnectDelay`, then full jitter.
   */
  @property({ attribute: false })
  reconnectDelay: ReconnectDelay | null = null;

  /** Close codes that cause a reconnect. Unset: 1006, 1011, 1012, 1013 (`config.reconnectCodes`). */
  @property({ attribute: false })
  reconnectCodes: number[] | null = null;

  /**
   * Stop reconnecting after this many failed attempts in a row: a whole number (or its text).
   * Unset: never stop. Anything else is a `bad-limit` error and counts as unset.
   */
  @property({ attribute: 'max-retries' })
  maxRetries: number | string | null = null;

  /**
   * Most requests kept while the socket is not open: a whole number (or its text). Unset: 100
   * (`config.queueLimit`). Anything else is a `bad-limit` error and counts as unset.
   */
  @property({ attribute: 'queue-limit' })
  queueLimit: number | string | null = null;

  /** Wait until the tab is visible before reconnecting a dropped socket. */
  @property({ attribute: 'pause-while-hidden', type: Boolean })
  pauseWhileHidden = false;

  /**
   * Milliseconds a socket may stay connecting (a whole number or its text). A socket that has
   * not opened by then (a wrong path nobody answers, a server that hangs) is reported with an
   * `hx-ws-error` (`connect-timeout`; one `console.error` per run of failures), dropped and
   * retried like a 1006 close; queued requests stay queued. 0: wait as long as the browser does.
   * Unset: 10000 (`config.connectTimeout`). Anything else is a `bad-limit` error and counts as unset.
   */
  @property({ attribute: 'connect-timeout' })
  connectTimeout: number | string | null = null;

  /**
   * Sockets in a row that close before they ever open (a refused upgrade, a wrong path, a server
   * that is down: the browser says only "1006") after which one `console.error` says so and what
   * to check: the path, the server's `allowedHosts` / `origins`, its `authenticate`. Once per
   * run of failures, not once per retry. A whole number or its text; 0: never. Unset: 5
   * (`config.warnAfter`). Anything else is a `bad-limit` error and counts as unset.
   */
  @property({ attribute: 'warn-after' })
  warnAfter: number | string | null = null;

  /**
   * Delivery acknowledgements (the server helper sends them): every request carries an
   * `HX-Request-Id` header and stays unconfirmed until the server's `<hx-ws-ack>` for it comes
   * back. Requests still unconfirmed when the socket closes are reported with an `hx-ws-error`
   * (`send-unconfirmed`) that carries the request; they are never sent again by themselves.
   * Acks are taken off the start of a message before anything else sees it: a message of acks
   * only fires no `hx-ws-before-message` / `hx-ws-after-message` and is not swapped. In attribute
   * mode, put `hx-ws-ack` on the element that has `hx-ws="connect:..."`. Needs
   * `import 'hx-ws-elements/ack'` (without it: one `feature-missing` error, and no ack mode).
   */
  @property({ type: Boolean, reflect: true })
  ack = false;

  /**
   * Recovery (the server needs `attachHxWs({ recovery })`): on every open the socket offers the
   * server its session and the last message position it applied; after a drop the server sends
   * what was missed, in order, and the page swaps each message once. Implies {@link ack}:
   * requests the server had not acknowledged are sent again after a recovered reconnect, and
   * reported (`send-unconfirmed`) when the session could not be recovered. `hx-ws-open` says
   * which happened (`recovered`). In attribute mode, `hx-ws-recover`. Needs
   * `import 'hx-ws-elements/recovery'` (without it: one `feature-missing` error, and no recovery).
   */
  @property({ type: Boolean, reflect: true })
  recover = false;

  /**
   * Recovery: the log position the server rendered the page at (its `position()`), so messages
   * published between rendering and the socket's first open are replayed. In attribute mode,
   * `hx-ws-resume-from`. Needs `import 'hx-ws-elements/recovery'`.
   */
  @property({ attribute: 'resume-from' })
  resumeFrom: string | null = null;

  /**
   * Milliseconds an open socket may receive nothing before it is taken for dead: reported
   * (`idle-timeout`), dropped and reconnected like after a 1006 (with {@link recover}, the
   * reconnect catches up on what was missed). The server's pings do not count, since a page
   * cannot see them: the app must send something more often than this. Unset or 0: never. In
   * attribute mode, `hx-ws-idle-timeout`.
   */
  @property({ attribute: 'idle-timeout' })
  idleTimeout: number | string | null = null;

  /**
   * Swap received messages without firing their events: `hx-ws-before-message`,
   * `hx-ws-after-message`, `hx-ws-oob-before-swap`, `hx-ws-oob-after-swap` (nor their htmx
   * twins). For a page that listens to none of them: they are about a quarter of a swap's cost
   * in Firefox and a seventh in Chromium. Problems are still reported
   * (`hx-ws-oob-error-no-target`, `hx-ws-error`), the socket's own events still fire, and binary
   * messages, which only a `before-message` listener could take, are dropped (the first one is
   * reported). Read when the socket opens. In attribute mode, `hx-ws-quiet`.
   */
  @property({ type: Boolean })
  quiet = false;

  /** The connection behind this element (shared with senders); `connectionOf(el)` in attribute mode. */
  readonly connection: SocketConnection = new SocketConnection(this, () => this);

  constructor() {
    super();
    // Inside an hx-disable element the connection never starts (and says so once).
    this.addController({
      hostConnected: () => {
        if (!checkDisabled(this, `<${this.localName}>`)) this.connection.hostConnected();
      },
      hostDisconnected: () => this.connection.hostDisconnected(),
    });
  }

  /** `WebSocket.readyState` of the current socket; `CLOSED` (3) when there is none. */
  get readyState(): number {
    return this.connection.readyState;
  }

  /** Reconnect attempts since the socket was last open. */
  get retryCount(): number {
    return this.connection.retryCount;
  }

  /** The current socket, or `null`. */
  get socket(): WebSocket | null {
    return this.connection.socket;
  }

  /** Sends raw data now, or queues it until the socket is open. */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    this.connection.send(data);
  }

  /** Closes the socket and opens a new one now. Also undoes {@link close}. */
  reconnect(): void {
    this.connection.reconnect();
  }

  /** Closes the socket; no reconnect follows until {@link reconnect} or re-insertion. */
  close(code = 1000, reason = ''): void {
    this.connection.close(code, reason);
  }

  protected override updated(changed: PropertyValues<this>): void {
    // A new address or protocol list means a new socket. The first update only reports the
    // initial values, which the first open already used.
    if (!this.hasOpenedOnce) {
      this.hasOpenedOnce = true;
      return;
    }
    if ((changed.has('url') || changed.has('scheme') || changed.has('protocols')) && this.isConnected) {
      this.connection.reconnect();
    }
  }
  private hasOpenedOnce = false;
}

declare global {
  interface HTMLElementTagNameMap {
    'hx-ws-connect': HxWsConnectElement;
  }
}
