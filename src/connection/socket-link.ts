/**
 * One socket after another: opening (the URL, in recovery mode the offer), the connect and idle
 * clocks, received messages (control elements off, then the swap), errors, and closes with the
 * reconnect they lead to. {@link SocketConnection} adds the host entering and leaving the page,
 * the app's `close()` / `reconnect()` and sends.
 *
 * @module
 */
import { config, effectiveReconnectDelay } from '../config.js';
import { emit, HxWsCloseEvent, HxWsConnectingEvent, HxWsErrorEvent, HxWsOpenEvent, reportProblem } from '../events.js';
import { describeClose, mayHaveControls, takeControls } from '../protocol.js';
import { Delivery } from './delivery.js';
import { Outbox } from './outbox.js';
import { report } from '../core/problems.js';
import { receive } from './receive.js';
import { Recovery, recoveryUrl } from '../features/recovery/page-session.js';
import { pageRandom, pageTimers, reconnectDelay, RetrySchedule, type Timers } from './retry.js';
import { SettingReader, type ConnectionSettings } from '../settings.js';
import { SocketErrors } from './socket-errors.js';
import { readSocketUrl } from './socket-url.js';
import { Watchdog } from './watchdog.js';

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
const QUIET_CLOSES = [1000, 1001, 1005, 1006, 1012, 1013];

/** The socket side of a connection (see the module comment). */
export class SocketLink {
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
  protected readonly recovery: Recovery;
  protected readonly delivery: Delivery;
  protected readonly retry: RetrySchedule;
  readonly #watchdog: Watchdog;
  readonly #reader: SettingReader;
  readonly #random: () => number;
  readonly #createSocket: (url: string, protocols: string[]) => WebSocket;
  readonly #errors: SocketErrors;

  constructor(
    /** The element events are fired on and swaps are rooted at. */
    readonly host: Element,
    protected readonly settings: () => ConnectionSettings,
    seams: ConnectionSeams = {},
  ) {
    const timers = seams.timers ?? pageTimers;
    this.#random = seams.random ?? pageRandom;
    this.#createSocket = seams.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.recovery = new Recovery(host);
    this.delivery = new Delivery(this.outbox, this.recovery, () => this.socket, timers);
    this.retry = new RetrySchedule(() => this.#retryNow(), timers);
    this.#watchdog = new Watchdog(timers);
    this.#reader = new SettingReader(host, seams.attributeMode);
    this.#errors = new SocketErrors(host);
  }

  /** Numeric setting `name`, or `null` when unset or bad (reported once). */
  protected number(name: 'maxRetries' | 'queueLimit' | 'connectTimeout' | 'idleTimeout'): number | null {
    return this.#reader.number(name, this.settings()[name]);
  }

  protected open(): void {
    const s = this.settings();
    // Bad numbers are reported now, once, rather than at the first close or the first full queue.
    this.number('maxRetries');
    this.number('queueLimit');
    let url = readSocketUrl(s.url, s.scheme);
    if (typeof url !== 'string') {
      this.status = 'idle';
      report(this.host, url);
      return;
    }
    if (s.recover) url = recoveryUrl(url);
    const protocols = typeof s.protocols === 'string' ? s.protocols.split(/[\s,]+/).filter(Boolean) : (s.protocols ?? []);
    this.url = url;
    emit(this.host, new HxWsConnectingEvent(url, this.retryCount));
    let socket: WebSocket;
    try {
      socket = this.#createSocket(url, protocols);
    } catch (err) {
      this.status = 'idle';
      reportProblem(this.host, 'bad-url', `could not open a socket to "${url}" with protocols [${protocols.join(', ')}]: ${(err as Error).message}`, {
        part: protocols.length ? protocols.join(' ') : url,
        cause: err,
      });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.recovery.use(socket, !!s.recover);
    this.status = 'connecting';
    this.delivery.reset(socket);
    socket.addEventListener('open', () => this.#onOpen(socket));
    socket.addEventListener('message', (e) => this.#onMessage(socket, e));
    socket.addEventListener('error', () => this.#onError(socket));
    socket.addEventListener('close', (e) => this.#onClose(socket, e));
    this.#watchdog.connect(this.number('connectTimeout') ?? config.connectTimeout, (ms) => this.#onConnectTimeout(socket, ms));
  }

  /** (Re)starts the idle clock of an open socket, when `idleTimeout` is set. */
  #armIdle(socket: WebSocket): void {
    this.#watchdog.idle(this.number('idleTimeout') ?? 0, (ms) => {
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
    this.#watchdog.clear();
    this.status = 'open';
    this.retryCount = 0;
    this.#errors.opened(socket);
    this.#armIdle(socket);
    if (this.recovery.offer(socket, this.settings().resumeFrom)) {
      // `open` waits for the server's answer (status stays `connecting`, so sends queue behind
      // it). A server that does not know the offer never answers: after connectTimeout, go on
      // without recovery.
      this.status = 'connecting';
      this.#watchdog.connect(this.number('connectTimeout') ?? config.connectTimeout, (ms) => {
        if (socket === this.socket && this.recovery.unanswered(socket, ms)) this.#finishOpen(socket, false);
      });
      return;
    }
    this.#finishOpen(socket);
  }

  /** The socket is open (and in recovery mode, the server has answered the offer). */
  #finishOpen(socket: WebSocket, recovered?: boolean): void {
    this.status = 'open';
    emit(this.host, new HxWsOpenEvent(socket, recovered));
    this.delivery.opened(socket, recovered);
  }

  #onMessage(socket: WebSocket, e: MessageEvent): void {
    if (socket !== this.socket) return;
    if (this.#watchdog.idling) this.#armIdle(socket);
    let data: string | ArrayBuffer | Blob | null = e.data as string | ArrayBuffer | Blob;
    // Control elements lead the message they come in (usually alone): take them off before
    // anything else sees it. A message of controls only fires no message events and is not swapped.
    if (typeof data === 'string') {
      data = this.recovery.take(socket, data, (recovered) => {
        this.#watchdog.clear();
        this.#armIdle(socket);
        this.#finishOpen(socket, recovered);
      });
      if (data === null) return;
      if (mayHaveControls(data)) {
        const { ids, uploads, rest } = takeControls(data);
        this.delivery.confirm(socket, ids, uploads);
        if (rest.trim() === '') return;
        data = rest;
      }
    }
    receive(this.host, data);
  }

  #onError(socket: WebSocket): void {
    if (socket === this.socket) this.#errors.error(socket);
  }

  /** Whether a close with `code` is followed by a timed reconnect. */
  #retriesAfter(code: number): boolean {
    const codes = this.settings().reconnectCodes ?? config.reconnectCodes;
    return codes.includes(code) && this.retryCount < (this.number('maxRetries') ?? Infinity);
  }

  #onClose(socket: WebSocket, e: Pick<CloseEvent, 'code' | 'reason' | 'wasClean'>): void {
    if (socket !== this.socket) return;
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
    const cut = this.delivery.interrupt(socket, closedBy, !exhausted && !REFUSALS.includes(e.code));
    if (closedBy && cut === 0 && !QUIET_CLOSES.includes(e.code)) {
      const last = this.delivery.last;
      reportProblem(this.host, 'server-closed', `the server closed the socket with ${closedBy}`, { part: e.reason || undefined, ...(last ? { request: last } : {}) });
    }
    let delay: number | null = null;
    if (this.#retriesAfter(e.code)) {
      const s = this.settings();
      delay = reconnectDelay(effectiveReconnectDelay(s.reconnectDelay ?? undefined), this.retryCount, this.#random);
      this.status = 'retrying';
      this.retry.schedule(delay, !!s.pauseWhileHidden);
    } else {
      this.delivery.giveUp(`the socket closed with ${e.code} and is not reopened`);
    }
    emit(this.host, new HxWsCloseEvent(e.code, e.reason, e.wasClean, delay));
  }

  #retryNow(): void {
    if (this.status !== 'retrying') return;
    this.status = 'idle';
    this.retryCount += 1;
    this.open();
  }

  protected closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.#watchdog.clear();
    this.socket = null;
    if (this.status === 'connecting' || this.status === 'open') this.status = 'idle';
    this.delivery.interrupt(socket);
    socket.close(code, reason);
    emit(this.host, new HxWsCloseEvent(code, reason, true, null));
  }}
