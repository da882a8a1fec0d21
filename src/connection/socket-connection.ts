/**
 * One element's WebSocket, its whole life in one class with one `status`: the host entering and
 * leaving the page, opening (the URL, in recovery mode the offer), the connect and idle clocks,
 * received messages (control elements off, then the swap), errors, closes and the reconnect they
 * lead to, the app's `close()` / `reconnect()`, and sends. Retry scheduling, the outbox and
 * delivery live in their own modules; acks, recovery and chunked uploads are feature parts made
 * at the first open (`core/features.ts`). A plain class with no Lit in it (it is the Lit
 * controller of `<hx-ws-connect>`), so the element and the `hx-ws="connect:..."` shim share
 * every line of it.
 *
 * @module
 */
import type { ReactiveController } from '@lit/reactive-element';
import { config, effectiveReconnectDelay } from '../config.js';
import { emit, needFeature, report, reportProblem } from '../core/dispatch.js';
import { features } from '../core/features.js';
import {
  HxWsAfterMessageEvent,
  HxWsBeforeMessageEvent,
  HxWsCloseEvent,
  HxWsConnectingEvent,
  HxWsErrorEvent,
  HxWsOpenEvent,
  type OutgoingRequest,
} from '../events.js';
import { CLOSE_EXPIRED, describeClose, frameBytes } from '../protocol.js';
import { SettingReader, settingLabel, type ConnectionSettings } from '../settings.js';
import { swapMessage, type SwapOptions } from '../swap/swap.js';
import { Delivery } from './delivery.js';
import { Inbox } from './inbox.js';
import { nextRequestId, Outbox } from './outbox.js';
import { pageRandom, pageTimers, reconnectDelay, RetrySchedule, type Timers } from './retry.js';
import { SocketErrors } from './socket-errors.js';
import { readSocketUrl } from './socket-url.js';
import { Watchdog } from './watchdog.js';

export type { ConnectionSettings } from '../settings.js';

/** What a connection uses from the outside world; tests pass their own. */
export interface ConnectionSeams {
  /** Makes a socket (default: `new WebSocket(url, protocols)`). */
  createSocket?: (url: string, protocols: string[]) => WebSocket;
  /** Random numbers in `[0, 1)` for full jitter (default: `Math.random`). */
  random?: () => number;
  /** Timers for retries and progress polling (default: the page's). */
  timers?: Timers;
  /** Whether errors name `hx-ws-*` attributes (attribute mode). */
  attributeMode?: boolean;
}

/**
 * Where a connection is in its life:
 * - `stopped`: its element is not in the page (before the first entry, after leaving);
 * - `pending`: in the page, opening at the next chance (a microtask after entering);
 * - `connecting` / `open`: a socket exists;
 * - `retrying`: the socket dropped and a reconnect is scheduled;
 * - `idle`: no socket and none scheduled (a send opens one);
 * - `closed`: the app closed it; nothing opens until `reconnect()`.
 */
export type ConnectionStatus = 'stopped' | 'pending' | 'connecting' | 'open' | 'retrying' | 'idle' | 'closed';

/** Closes by which a server refuses what it was sent: recovery does not send it again. */
const REFUSALS = [1002, 1003, 1007, 1008, 1009, 1010];

/**
 * Closes that are no news for the page: normal, going away, no status, dropped (reported as
 * `socket` errors), and the two a server uses to send pages away for a while (restart, try
 * again later), after which they come back by themselves.
 */
const QUIET_CLOSES = [1000, 1001, 1005, 1006, 1012, 1013, CLOSE_EXPIRED];

/**
 * A close with {@link CLOSE_EXPIRED} (credentials expired) is followed by a reconnect at once,
 * unless the previous one came less than this long before (a server that expires every socket
 * at once): that one waits like any retry.
 */
const EXPIRED_AGAIN_MS = 5_000;

/** Which element owns which connection, in either mode. */
const connections = new WeakMap<Element, SocketConnection>();

/** The swap options of a `quiet` connection. */
const QUIET: SwapOptions = { events: false };

/** The connection attached to `element` (either mode), if any. */
export function connectionOf(element: Element): SocketConnection | undefined {
  return connections.get(element);
}

/**
 * Finds the connection a sender should use: the element whose id is `forId` (in the sender's
 * root, then the document), else the nearest composed ancestor (the sender itself included)
 * with a connection.
 */
export function findConnection(from: Element, forId?: string | null): SocketConnection | undefined {
  if (forId) {
    const root = from.getRootNode() as Document | ShadowRoot;
    const el = root.getElementById?.(forId) ?? document.getElementById(forId);
    return el ? connections.get(el) : undefined;
  }
  for (let n: Node | null = from; n; n = n.parentNode instanceof ShadowRoot ? n.parentNode.host : n.parentNode) {
    const c = n instanceof Element ? connections.get(n) : undefined;
    if (c) return c;
  }
  return undefined;
}

let leaveCalls = 0;

/** A socket owned by an element. */
export class SocketConnection implements ReactiveController {
  /** The current socket, if one is open or opening. */
  socket: WebSocket | null = null;
  /** Reconnect attempts since the last open. */
  retryCount = 0;
  /** The URL of the current (or last) socket. */
  url: string | null = null;
  /** Where the connection is in its life. */
  status: ConnectionStatus = 'stopped';

  /** The requests that have not reached the socket yet, in the one order of every send. */
  readonly outbox = new Outbox();
  readonly #delivery: Delivery;
  readonly #retry: RetrySchedule;
  readonly #watchdog: Watchdog;
  readonly #reader: SettingReader;
  readonly #random: () => number;
  readonly #createSocket: (url: string, protocols: string[]) => WebSocket;
  readonly #errors: SocketErrors;
  readonly #attributeMode: boolean;
  /** Key of the stop that waits a microtask after the host left; 0 when none. */
  #leaving = 0;
  /** The last socket that reached its `open` event. */
  #openedSocket: WebSocket | null = null;
  /** When the last {@link CLOSE_EXPIRED} close came (page clock, ms). */
  #expiredAt = -Infinity;
  /** `quiet`, as read at the last open: received messages fire no events. */
  #quiet = false;
  /** Whether a binary message on a quiet connection has been reported (once per connection). */
  #toldBinary = false;
  /** Received messages: back-to-back ones are applied in one pass (see `inbox.ts`). */
  readonly #inbox = new Inbox<{ socket: WebSocket; data: string | ArrayBuffer | Blob }>((m) => this.#receive(m.socket, m.data));

  constructor(
    /** The element events are fired on and swaps are rooted at. */
    readonly host: Element,
    readonly settings: () => ConnectionSettings,
    seams: ConnectionSeams = {},
  ) {
    const timers = seams.timers ?? pageTimers;
    this.#random = seams.random ?? pageRandom;
    this.#createSocket = seams.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.#delivery = new Delivery(this.outbox, () => this.socket, timers);
    this.#retry = new RetrySchedule(() => this.#retryNow(), timers);
    this.#watchdog = new Watchdog(timers);
    this.#attributeMode = !!seams.attributeMode;
    this.#reader = new SettingReader(host, seams.attributeMode);
    this.#errors = new SocketErrors(host);
  }

  /** `WebSocket.readyState` of the current socket, or `CLOSED` (3) when there is none. */
  get readyState(): number {
    return this.socket?.readyState ?? WebSocket.CLOSED;
  }

  /** Requests waiting for the socket to open. */
  get queued(): readonly OutgoingRequest[] {
    return this.outbox.queued;
  }

  /**
   * Ack mode (with the ack feature loaded): whether requests made now carry `HX-Request-Id` and
   * wait for the server's ack.
   */
  get ack(): boolean {
    const s = this.settings();
    return !!((s.ack || s.recover) && features.acks);
  }

  /** Recovery mode: the position of the last message applied, if any. */
  get position(): string | undefined {
    return this.#delivery.parts.session?.position;
  }

  /**
   * Ack mode: requests sent on the current socket that the server has not acknowledged yet; in
   * recovery mode also those kept from an earlier socket, to be sent again on the next open.
   */
  get unconfirmed(): readonly OutgoingRequest[] {
    return this.#delivery.unconfirmed;
  }

  /** The host entered the page: start owning a socket. Idempotent. */
  hostConnected(): void {
    this.#leaving = 0;
    if (this.status === 'pending') this.#scheduleOpen(); // back before the stop, first open skipped
    if (this.status !== 'stopped') return;
    this.status = 'pending';
    connections.set(this.host, this);
    this.#retry.listen();
    this.#scheduleOpen();
  }

  /**
   * Opens a microtask later, so properties set right after insertion (as frameworks do) count. An
   * element that has left the page by then opens nothing (and stays `pending`): a socket aborted
   * while connecting costs a handshake, and Chrome counts it as a failure and delays the page's
   * next connections.
   */
  #scheduleOpen(): void {
    queueMicrotask(() => {
      if (this.status === 'pending' && !this.#leaving && this.host.isConnected) this.#open();
    });
  }

  /**
   * The host left the page: stop owning the socket. The stop waits a microtask so that moving
   * the element (remove + insert in one task) keeps the same socket.
   */
  hostDisconnected(): void {
    if (this.status === 'stopped' || this.#leaving) return;
    const key = (this.#leaving = ++leaveCalls);
    queueMicrotask(() => {
      if (this.#leaving === key) this.stop();
    });
  }

  /** Closes the socket with 1000, drops every timer and listener, reports unsent requests. */
  stop(): void {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.#leaving = 0;
    if (connections.get(this.host) === this) connections.delete(this.host);
    this.#retry.unlisten();
    this.#closeSocket(1000, 'element removed');
    const why = 'the connecting element was removed';
    this.#delivery.giveUp(why, why);
    this.outbox.abandon(why);
  }

  /** Closes the socket at the app's request: no reconnect until {@link reconnect}. */
  close(code = 1000, reason = ''): void {
    this.#retry.cancel();
    if (this.status !== 'stopped') this.status = 'closed';
    this.#closeSocket(code, reason);
    this.#delivery.giveUp('the connection was closed', 'the socket was closed by the page');
  }

  /** Drops the current socket (if any) and opens a new one now, with the retry count at 0. */
  reconnect(): void {
    this.retryCount = 0;
    this.#retry.cancel();
    this.#closeSocket(1000, 'reconnecting');
    if (this.status === 'stopped') return;
    this.status = 'idle';
    this.#open();
  }

  /**
   * Sends raw data (a string, Blob or buffer) now, or queues it until the socket opens. It goes
   * after any send made before it that is still reading files.
   */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    const frame = ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? new Blob([data as BlobPart]) : data;
    const request: OutgoingRequest = {
      id: nextRequestId(),
      source: this.host,
      values: {},
      headers: {},
      frames: [frame],
      bytes: frameBytes(frame),
    };
    if (this.outbox.busy) void this.outbox.after(() => this.sendRequest(request));
    else this.sendRequest(request);
  }

  /**
   * Sends a request's frames back to back, or queues the request (in order) while the socket is
   * not open. A full queue drops this request with an error event that carries it.
   */
  sendRequest(request: OutgoingRequest): void {
    if (this.status === 'open' && this.socket && this.outbox.queued.length === 0 && !this.#delivery.busy) {
      this.#delivery.transmit(this.socket, request);
      return;
    }
    if (!this.outbox.hold(request, this.#number('queueLimit') ?? config.queueLimit)) return;
    if (this.status === 'idle' || this.status === 'pending') this.#open();
  }

  /** Numeric setting `name`, or `null` when unset or bad (reported once). */
  #number(name: 'maxRetries' | 'queueLimit' | 'connectTimeout' | 'idleTimeout' | 'warnAfter'): number | null {
    return this.#reader.number(name, this.settings()[name]);
  }

  #open(): void {
    const s = this.settings();
    const host = this.host;
    // Bad numbers are reported now, once, rather than at the first close or the first full queue.
    this.#number('maxRetries');
    this.#number('queueLimit');
    this.#number('warnAfter');
    let url = readSocketUrl(s.url, s.scheme);
    if (typeof url !== 'string') {
      this.status = 'idle';
      report(host, url);
      return;
    }
    // Settings whose feature is not loaded are said once; the connection goes on without them.
    const label = (name: 'ack' | 'recover' | 'resumeFrom'): string => settingLabel(name, this.#attributeMode);
    const recover = !!s.recover && needFeature(host, 'recovery', label('recover'), 'recovery');
    if (s.resumeFrom) needFeature(host, 'recovery', label('resumeFrom'), 'recovery');
    if (s.ack) needFeature(host, 'acks', label('ack'), 'ack');
    const { session } = this.#delivery.attach(host);
    if (recover && session) url = session.url(url);
    const protocols = typeof s.protocols === 'string' ? s.protocols.split(/[\s,]+/).filter(Boolean) : (s.protocols ?? []);
    this.url = url;
    this.#quiet = !!s.quiet;
    emit(host, new HxWsConnectingEvent(url, this.retryCount));
    let socket: WebSocket;
    try {
      socket = this.#createSocket(url, protocols);
    } catch (err) {
      this.status = 'idle';
      reportProblem(host, 'bad-url', `could not open a socket to "${url}" with protocols [${protocols.join(', ')}]: ${(err as Error).message}`, {
        part: protocols.length ? protocols.join(' ') : url,
        cause: err,
      });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    session?.use(socket, recover);
    this.status = 'connecting';
    this.#delivery.reset(socket);
    socket.addEventListener('open', () => this.#onOpen(socket));
    socket.addEventListener('message', (e) => this.#onMessage(socket, e));
    socket.addEventListener('error', () => this.#onError(socket));
    socket.addEventListener('close', (e) => this.#onClose(socket, e));
    this.#watchdog.connect(this.#number('connectTimeout') ?? config.connectTimeout, (ms) => this.#onConnectTimeout(socket, ms));
  }

  /** (Re)starts the idle clock of an open socket, when `idleTimeout` is set. */
  #armIdle(socket: WebSocket): void {
    this.#watchdog.idle(this.#number('idleTimeout') ?? 0, (ms) => {
      if (socket !== this.socket) return;
      this.#drop(socket, 'idle-timeout', `the socket to ${socket.url} received nothing for ${ms} ms; taken for dead and reconnecting`);
    });
  }

  /** Reports `message`, then takes `socket` for dropped, as after a 1006 close. */
  #drop(socket: WebSocket, reason: 'idle-timeout' | 'connect-timeout', message: string): void {
    emit(this.host, new HxWsErrorEvent(reason, message, { part: socket.url }));
    this.#onClose(socket, { code: 1006, reason: '', wasClean: false });
    socket.close();
  }

  /**
   * Nothing answered the upgrade in time (a wrong path that no server listener takes, a server
   * that hangs): say so, then drop the attempt and go on as after a 1006 close. The queue stays.
   */
  #onConnectTimeout(socket: WebSocket, ms: number): void {
    if (socket !== this.socket || socket.readyState !== WebSocket.CONNECTING) return;
    this.#drop(socket, 'connect-timeout', this.#errors.timeout(socket, ms, this.#retriesAfter(1006)));
  }

  #onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.#openedSocket = socket;
    this.#watchdog.clear();
    this.status = 'open';
    this.retryCount = 0;
    this.#errors.opened(socket);
    this.#armIdle(socket);
    const session = this.#delivery.parts.session;
    if (session?.offer(socket, this.settings().resumeFrom)) {
      // `open` waits for the server's answer (status stays `connecting`, so sends queue behind
      // it). A server that does not know the offer never answers: after connectTimeout, go on
      // without recovery.
      this.status = 'connecting';
      this.#watchdog.connect(this.#number('connectTimeout') ?? config.connectTimeout, (ms) => {
        if (socket === this.socket && session.unanswered(socket, ms)) this.#finishOpen(socket, false);
      });
      return;
    }
    this.#finishOpen(socket);
  }

  /** The socket is open (and in recovery mode, the server has answered the offer). */
  #finishOpen(socket: WebSocket, recovered?: boolean): void {
    this.status = 'open';
    emit(this.host, new HxWsOpenEvent(socket, recovered));
    this.#delivery.opened(socket, recovered);
  }

  #onMessage(socket: WebSocket, e: MessageEvent): void {
    if (socket !== this.socket) return;
    if (this.#watchdog.idling) this.#armIdle(socket);
    this.#inbox.push({ socket, data: e.data as string | ArrayBuffer | Blob });
  }

  /** Applies one received message (in arrival order; a throw affects this message only). */
  #receive(socket: WebSocket, message: string | ArrayBuffer | Blob): void {
    if (socket !== this.socket) return; // closed by the page meanwhile: dropped, as the browser does
    const host = this.host;
    let data: string | ArrayBuffer | Blob | null = message;
    let swapped = false;
    const quiet = this.#quiet;
    try {
      // Control elements lead the message they come in (usually alone): the features take them
      // off before anything else sees it. A message of controls only fires no message events.
      if (typeof data === 'string') {
        const session = this.#delivery.parts.session;
        if (session) {
          data = session.take(socket, data, (recovered) => {
            this.#watchdog.clear();
            this.#armIdle(socket);
            this.#finishOpen(socket, recovered);
          });
          if (data === null) return;
        }
        data = this.#delivery.confirm(socket, data);
        if (data === null) return;
      }
      if ((quiet || emit(host, new HxWsBeforeMessageEvent(data))) && typeof data === 'string') {
        swapMessage(data, host, quiet ? QUIET : undefined);
        swapped = true;
      } else if (quiet && !this.#toldBinary) {
        this.#toldBinary = true;
        reportProblem(host, 'swap', 'a binary message arrived on a quiet connection: only an hx-ws-before-message listener can take one, and quiet fires none; it is dropped (said once per connection)');
      }
    } catch (err) {
      reportProblem(host, 'swap', `a message could not be swapped: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    if (data !== null && !quiet) emit(host, new HxWsAfterMessageEvent(data, swapped));
  }

  #onError(socket: WebSocket): void {
    if (socket === this.socket) this.#errors.error(socket);
  }

  /** Whether a close with `code` is followed by a timed reconnect. */
  #retriesAfter(code: number): boolean {
    const codes = this.settings().reconnectCodes ?? config.reconnectCodes;
    return codes.includes(code) && this.retryCount < (this.#number('maxRetries') ?? Infinity);
  }

  #onClose(socket: WebSocket, e: Pick<CloseEvent, 'code' | 'reason' | 'wasClean'>): void {
    if (socket !== this.socket) return;
    this.#inbox.flush(); // what arrived before the close is applied first
    if (this.#openedSocket !== socket) this.#errors.unopened(socket, this.#number('warnAfter') ?? config.warnAfter);
    this.#watchdog.clear();
    this.socket = null;
    this.status = 'idle';
    // 1005 and 1006 carry no close frame: the server said nothing.
    const closedBy = e.code === 1005 || e.code === 1006 ? undefined : describeClose(e.code, e.reason);
    // Recovery keeps unacknowledged requests for a resend on the next open, unless the server
    // refused what it got (1002, 1003, 1007-1010) or the retries are used up: then they are
    // reported.
    const codes = this.settings().reconnectCodes ?? config.reconnectCodes;
    const exhausted = codes.includes(e.code) && !this.#retriesAfter(e.code);
    const cut = this.#delivery.interrupt(socket, closedBy, !exhausted && !REFUSALS.includes(e.code));
    if (closedBy && cut === 0 && !QUIET_CLOSES.includes(e.code)) {
      const last = this.#delivery.last;
      reportProblem(this.host, 'server-closed', `the server closed the socket with ${closedBy}`, { part: e.reason || undefined, ...(last ? { request: last } : {}) });
    }
    let delay: number | null = null;
    // Expired credentials: reconnect at once, through `url` (a function there fetches a fresh token).
    const expired = e.code === CLOSE_EXPIRED;
    if (expired || this.#retriesAfter(e.code)) {
      const s = this.settings();
      const now = Date.now();
      const atOnce = expired && now - this.#expiredAt >= EXPIRED_AGAIN_MS;
      if (expired) this.#expiredAt = now;
      delay = atOnce ? 0 : reconnectDelay(effectiveReconnectDelay(s.reconnectDelay ?? undefined), this.retryCount, this.#random);
      this.status = 'retrying';
      this.#retry.schedule(delay, !!s.pauseWhileHidden);
    } else {
      this.#delivery.giveUp(`the socket closed with ${e.code} and is not reopened`);
    }
    emit(this.host, new HxWsCloseEvent(e.code, e.reason, e.wasClean, delay));
  }

  #retryNow(): void {
    if (this.status !== 'retrying') return;
    this.status = 'idle';
    this.retryCount += 1;
    this.#open();
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.#inbox.flush();
    this.#watchdog.clear();
    this.socket = null;
    if (this.status === 'connecting' || this.status === 'open') this.status = 'idle';
    this.#delivery.interrupt(socket);
    socket.close(code, reason);
    emit(this.host, new HxWsCloseEvent(code, reason, true, null));
  }
}
