/**
 * One element's WebSocket: one status field, the host entering and leaving the page, opening and
 * closing, and handing received messages to the swap engine. Retry scheduling, the outbox, upload
 * progress and acks live in their own modules. A plain class with no Lit in it (it is the Lit
 * controller of `<hx-ws-connect>`), so the element and the `hx-ws="connect:..."` shim share
 * every line of it.
 *
 * @module
 */
import type { ReactiveController } from '@lit/reactive-element';
import { config, effectiveReconnectDelay } from '../config.js';
import {
  emit,
  HxWsAfterMessageEvent,
  HxWsAfterSendEvent,
  HxWsBeforeMessageEvent,
  HxWsBeforeSendEvent,
  HxWsCloseEvent,
  HxWsConnectingEvent,
  HxWsErrorEvent,
  HxWsOpenEvent,
  reportProblem,
  type OutgoingRequest,
} from '../events.js';
import {
  comparePositions,
  describeClose,
  formatOffer,
  frameBytes,
  mayHaveControls,
  mayHaveRecoveryControls,
  RECOVER_QUERY,
  takeControls,
  takeRecoveryControls,
} from '../protocol.js';
import { swapMessage } from '../swap.js';
import { Acks } from './acks.js';
import { nextRequestId, Outbox } from './outbox.js';
import { UploadProgress } from './progress.js';
import { Resumes } from './resume.js';
import { pageRandom, pageTimers, reconnectDelay, RetrySchedule, type Timers } from './retry.js';
import { register, unregister } from './registry.js';
import { SettingReader, type ConnectionSettings } from './settings.js';

export type { ConnectionSettings } from './settings.js';
export { connectionOf, findConnection } from './registry.js';
import { crossOriginHint, parseScheme, resolveSocketUrl, socketOrigin, SocketUrlError } from './url.js';

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

let leaveCalls = 0;

/** Closes by which a server refuses what it was sent: recovery does not send it again. */
const REFUSALS = [1002, 1003, 1007, 1008, 1009, 1010];

/**
 * Closes that are no news for the page: normal, going away, no status, dropped (reported as
 * `socket` errors), and the two a server uses to send pages away for a while (restart, try
 * again later), after which they come back by themselves.
 */
const QUIET_CLOSES = [1000, 1001, 1005, 1006, 1012, 1013];

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
  private readonly acks = new Acks();
  private readonly progress: UploadProgress;
  private readonly resumes: Resumes;
  private readonly retry: RetrySchedule;
  private readonly reader: SettingReader;
  private readonly random: () => number;
  private readonly createSocket: (url: string, protocols: string[]) => WebSocket;
  /** Key of the stop that waits a microtask after the host left; 0 when none. */
  private leaving = 0;
  private errorsThisStreak = 0;
  private timeoutsThisStreak = 0;
  /** `protocol//host` of the last socket that opened: an Origin check let it through. */
  private openedOrigin: string | undefined;
  private readonly timers: Timers;
  /** The timer that gives up on a socket still connecting after `connectTimeout`. */
  private connectTimer: unknown;
  /** Recovery: the socket that offered recovery (it waits for the session answer before `open`). */
  private recoverSocket: WebSocket | null = null;
  /** Recovery: whether the current socket has sent its offer and waits for the answer. */
  private awaitingSession = false;
  /** Recovery: the session the server gave this connection. */
  private sessionId: string | undefined;
  /** Recovery: the position of the last message applied (swapped or skipped by the app). */
  private lastPosition: string | undefined;
  /** The timer that takes an open socket that received nothing for `idleTimeout` for dead. */
  private idleTimer: unknown;
  /** Recovery: requests sent but not acknowledged when the last socket dropped, to send again. */
  private resend: OutgoingRequest[] = [];

  constructor(
    /** The element events are fired on and swaps are rooted at. */
    readonly host: Element,
    private readonly settings: () => ConnectionSettings,
    seams: ConnectionSeams = {},
  ) {
    const timers = (this.timers = seams.timers ?? pageTimers);
    this.random = seams.random ?? pageRandom;
    this.createSocket = seams.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.progress = new UploadProgress(timers);
    this.resumes = new Resumes(
      {
        ask: (socket, json) => {
          socket.send(json);
          this.progress.skip(frameBytes(json));
        },
        transmit: (socket, request, frames, base) => {
          for (const frame of frames) socket.send(frame);
          const wire = frames.reduce((n, f) => n + f.size, 0);
          this.acks.track(request);
          this.progress.track(request, wire, base);
          this.progress.report();
        },
        resumed: (socket) => this.flush(socket),
      },
      timers,
    );
    this.retry = new RetrySchedule(() => this.retryNow(), timers);
    this.reader = new SettingReader(host, seams.attributeMode);
  }

  /** `WebSocket.readyState` of the current socket, or `CLOSED` (3) when there is none. */
  get readyState(): number {
    return this.socket?.readyState ?? WebSocket.CLOSED;
  }

  /** Requests waiting for the socket to open. */
  get queued(): readonly OutgoingRequest[] {
    return this.outbox.queued;
  }

  /** Ack mode: whether requests made now carry `HX-Request-Id` and wait for the server's ack. */
  get ack(): boolean {
    const s = this.settings();
    return !!(s.ack || s.recover);
  }

  /** Recovery mode: the position of the last message applied, if any. */
  get position(): string | undefined {
    return this.lastPosition;
  }

  /**
   * Ack mode: requests sent on the current socket that the server has not acknowledged yet; in
   * recovery mode also those kept from an earlier socket, to be sent again on the next open.
   */
  get unconfirmed(): readonly OutgoingRequest[] {
    return [...this.resend, ...this.acks.unconfirmed];
  }

  /** The host entered the page: start owning a socket. Idempotent. */
  hostConnected(): void {
    this.leaving = 0;
    if (this.status === 'pending') this.scheduleOpen(); // back before the stop, first open skipped
    if (this.status !== 'stopped') return;
    this.status = 'pending';
    register(this.host, this);
    this.retry.listen();
    this.scheduleOpen();
  }

  /**
   * Opens a microtask later, so properties set right after insertion (as frameworks do) count. An
   * element that has left the page by then opens nothing (and stays `pending`): a socket aborted
   * while connecting costs a handshake, and Chrome counts it as a failure and delays the page's
   * next connections.
   */
  private scheduleOpen(): void {
    queueMicrotask(() => {
      if (this.status === 'pending' && !this.leaving && this.host.isConnected) this.open();
    });
  }

  /**
   * The host left the page: stop owning the socket. The stop waits a microtask so that moving
   * the element (remove + insert in one task) keeps the same socket.
   */
  hostDisconnected(): void {
    if (this.status === 'stopped' || this.leaving) return;
    const key = (this.leaving = ++leaveCalls);
    queueMicrotask(() => {
      if (this.leaving === key) this.stop();
    });
  }

  /** Closes the socket with 1000, drops every timer and listener, reports unsent requests. */
  stop(): void {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.leaving = 0;
    unregister(this.host, this);
    this.retry.unlisten();
    this.closeSocket(1000, 'element removed');
    this.resumes.giveUp('the connecting element was removed');
    this.reportResend('the connecting element was removed');
    this.outbox.abandon('the connecting element was removed');
  }

  /** Closes the socket at the app's request: no reconnect until {@link reconnect}. */
  close(code = 1000, reason = ''): void {
    this.retry.cancel();
    if (this.status !== 'stopped') this.status = 'closed';
    this.closeSocket(code, reason);
    this.resumes.giveUp('the connection was closed');
    this.reportResend('the socket was closed by the page');
  }

  /** Drops the current socket (if any) and opens a new one now, with the retry count at 0. */
  reconnect(): void {
    this.retryCount = 0;
    this.retry.cancel();
    this.closeSocket(1000, 'reconnecting');
    if (this.status === 'stopped') return;
    this.status = 'idle';
    this.open();
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
    if (this.status === 'open' && this.socket && this.outbox.queued.length === 0 && !this.resumes.busy) {
      this.transmit(this.socket, request);
      return;
    }
    const limit = this.reader.number('queueLimit', this.settings().queueLimit) ?? config.queueLimit;
    if (!this.outbox.hold(request, limit)) return;
    if (this.status === 'idle' || this.status === 'pending') this.open();
  }

  private open(): void {
    const s = this.settings();
    // Bad numbers are reported now, once, rather than at the first close or the first full queue.
    this.reader.number('maxRetries', s.maxRetries);
    this.reader.number('queueLimit', s.queueLimit);
    let url: string;
    try {
      const raw = typeof s.url === 'function' ? s.url() : s.url;
      if (raw == null) throw new SocketUrlError('url is not set', String(raw), 'url');
      url = resolveSocketUrl(raw, parseScheme(s.scheme));
    } catch (err) {
      this.status = 'idle';
      const e = err instanceof SocketUrlError ? err : undefined;
      reportProblem(this.host, e?.field === 'scheme' ? 'bad-scheme' : 'bad-url', e?.message ?? `url could not be read: ${String(err)}`, {
        part: e?.part,
        cause: err,
      });
      return;
    }
    if (s.recover) {
      const withFlag = new URL(url);
      withFlag.searchParams.set(RECOVER_QUERY, '1');
      url = withFlag.href;
    }
    const protocols = typeof s.protocols === 'string' ? s.protocols.split(/[\s,]+/).filter(Boolean) : (s.protocols ?? []);
    this.url = url;
    emit(this.host, new HxWsConnectingEvent(url, this.retryCount));
    let socket: WebSocket;
    try {
      socket = this.createSocket(url, protocols);
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
    this.recoverSocket = s.recover ? socket : null;
    this.awaitingSession = false;
    this.status = 'connecting';
    this.progress.reset(socket);
    socket.addEventListener('open', () => this.onOpen(socket));
    socket.addEventListener('message', (e) => this.onMessage(socket, e));
    socket.addEventListener('error', () => this.onError(socket));
    socket.addEventListener('close', (e) => this.onClose(socket, e));
    const timeout = this.reader.number('connectTimeout', s.connectTimeout) ?? config.connectTimeout;
    if (timeout > 0) this.connectTimer = this.timers.setTimeout(() => this.onConnectTimeout(socket, timeout), timeout);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) this.timers.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.clearIdleTimer();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== undefined) this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** (Re)starts the idle clock of an open socket, when `idleTimeout` is set. */
  private armIdleTimer(socket: WebSocket): void {
    this.clearIdleTimer();
    const ms = this.reader.number('idleTimeout', this.settings().idleTimeout) ?? 0;
    if (ms > 0) this.idleTimer = this.timers.setTimeout(() => this.onIdle(socket, ms), ms);
  }

  /** Nothing arrived for `ms`: the socket is taken for dead, dropped and reconnected as after a 1006. */
  private onIdle(socket: WebSocket, ms: number): void {
    this.idleTimer = undefined;
    if (socket !== this.socket) return;
    const message = `the socket to ${socket.url} received nothing for ${ms} ms; taken for dead and reconnecting`;
    emit(this.host, new HxWsErrorEvent('idle-timeout', message, { part: socket.url }));
    this.onClose(socket, { code: 1006, reason: '', wasClean: false });
    socket.close();
  }

  /**
   * Nothing answered the upgrade in time (a wrong path that no server listener takes, a server
   * that hangs): say so, then drop the attempt and go on as after a 1006 close. The queue stays.
   */
  private onConnectTimeout(socket: WebSocket, ms: number): void {
    this.connectTimer = undefined;
    if (socket !== this.socket || socket.readyState !== WebSocket.CONNECTING) return;
    const after = ms % 1000 === 0 ? `${ms / 1000} s` : ms > 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
    const next = this.retriesAfter(1006) ? 'still trying' : 'not trying again by itself';
    const message = `the socket to ${socket.url} has not opened after ${after}; ${next} (is the path right? nothing answered the upgrade)`;
    if (this.timeoutsThisStreak++ === 0) console.error(`hx-ws: ${message}`, this.host);
    emit(this.host, new HxWsErrorEvent('connect-timeout', message, { part: socket.url }));
    this.onClose(socket, { code: 1006, reason: '', wasClean: false });
    socket.close();
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.clearConnectTimer();
    this.status = 'open';
    this.retryCount = 0;
    this.errorsThisStreak = 0;
    this.timeoutsThisStreak = 0;
    this.openedOrigin = socketOrigin(socket.url);
    this.armIdleTimer(socket);
    if (socket === this.recoverSocket) {
      // The offer goes first; `open` waits for the server's answer (status stays `connecting`,
      // so sends queue behind it).
      this.status = 'connecting';
      this.awaitingSession = true;
      const position = this.lastPosition ?? (this.sessionId ? undefined : (this.settings().resumeFrom ?? undefined));
      socket.send(formatOffer({ session: this.sessionId, position }));
      // A server that does not know the offer never answers: after connectTimeout, go on without.
      const timeout = this.reader.number('connectTimeout', this.settings().connectTimeout) ?? config.connectTimeout;
      if (timeout > 0) this.connectTimer = this.timers.setTimeout(() => this.onOfferUnanswered(socket, timeout), timeout);
      return;
    }
    this.finishOpen(socket);
  }

  /** Recovery: the server did not answer the offer in time; the socket goes on without recovery. */
  private onOfferUnanswered(socket: WebSocket, ms: number): void {
    this.connectTimer = undefined;
    if (socket !== this.socket || !this.awaitingSession) return;
    this.awaitingSession = false;
    this.noRecovery(socket, `the server at ${socket.url} did not answer the recovery offer within ${ms} ms; this connection goes on without recovery`);
    this.sessionId = undefined;
    this.lastPosition = undefined;
    this.finishOpen(socket, false);
  }

  private noRecovery(socket: WebSocket, message: string): void {
    console.error(`hx-ws: ${message}`, this.host);
    emit(this.host, new HxWsErrorEvent('no-recovery', message, { part: socket.url }));
  }

  /** The socket is open (and in recovery mode, the server has answered the offer). */
  private finishOpen(socket: WebSocket, recovered?: boolean): void {
    this.status = 'open';
    emit(this.host, new HxWsOpenEvent(socket, recovered));
    const again = this.resend;
    this.resend = [];
    if (recovered) {
      for (const request of again) this.transmit(socket, request);
    } else this.reportUnconfirmed(again, 'the server could not recover the session');
    // Chunked uploads a drop cut off go first, one by one; the queue waits behind them.
    if (!this.resumes.begin(socket)) this.flush(socket);
  }

  /** Sends every queued request, in order. */
  private flush(socket: WebSocket): void {
    if (socket !== this.socket) return;
    for (const request of this.outbox.take()) {
      if (socket.readyState === WebSocket.OPEN) this.transmit(socket, request);
      else this.outbox.hold(request, Infinity);
    }
  }

  private onMessage(socket: WebSocket, e: MessageEvent): void {
    if (socket !== this.socket) return;
    if (this.idleTimer !== undefined) this.armIdleTimer(socket);
    let data = e.data as string | ArrayBuffer | Blob;
    // Delivery acks lead the message they come in (usually alone): take them off before anything
    // else sees it. An ack-only message fires no message events and is not swapped.
    if (typeof data === 'string' && socket === this.recoverSocket && mayHaveRecoveryControls(data)) {
      const { session, position, rest } = takeRecoveryControls(data);
      if (session) {
        if (!this.awaitingSession) return;
        this.awaitingSession = false;
        this.clearConnectTimer();
        this.armIdleTimer(socket);
        if (!session.id) this.noRecovery(socket, `the server at ${socket.url} has recovery off; this connection goes on without it`);
        this.sessionId = session.id;
        this.lastPosition = session.position;
        this.finishOpen(socket, session.recovered);
        return;
      }
      if (position !== undefined) {
        // Already applied (a replay that overlaps live messages): skipped, no events.
        const order = this.lastPosition === undefined ? null : comparePositions(position, this.lastPosition);
        if (order !== null && order <= 0) return;
        this.lastPosition = position;
      }
      data = rest;
    }
    if (typeof data === 'string' && mayHaveControls(data)) {
      const { ids, uploads, rest } = takeControls(data);
      this.acks.confirm(ids);
      this.resumes.status(socket, uploads);
      if (rest.trim() === '') return;
      data = rest;
    }
    let swapped = false;
    if (emit(this.host, new HxWsBeforeMessageEvent(data)) && typeof data === 'string') {
      try {
        swapMessage(data, this.host);
        swapped = true;
      } catch (err) {
        reportProblem(this.host, 'swap', `a message could not be swapped: ${(err as Error)?.message ?? err}`, { cause: err });
      }
    }
    emit(this.host, new HxWsAfterMessageEvent(data, swapped));
  }

  private onError(socket: WebSocket): void {
    if (socket !== this.socket) return;
    // Browsers say nothing about the cause. Log the first error of a streak of failed attempts
    // only, so a server that is down for a while does not flood the console.
    let message = `the socket to ${socket.url} reported an error`;
    if (this.errorsThisStreak++ === 0) {
      // A refused Origin looks like any other failure; a page and a socket on different hosts
      // (127.0.0.1 against localhost) are the usual cause when no socket to that host has opened.
      const hint = this.openedOrigin === socketOrigin(socket.url) ? '' : crossOriginHint(socket.url);
      if (hint) message += `; ${hint}`;
      console.error(`hx-ws: ${message}`, this.host);
    }
    emit(this.host, new HxWsErrorEvent('socket', message, { part: socket.url }));
  }

  /** Whether a close with `code` is followed by a timed reconnect. */
  private retriesAfter(code: number): boolean {
    const s = this.settings();
    const codes = s.reconnectCodes ?? config.reconnectCodes;
    const max = this.reader.number('maxRetries', s.maxRetries) ?? Infinity;
    return codes.includes(code) && this.retryCount < max;
  }

  private onClose(socket: WebSocket, e: Pick<CloseEvent, 'code' | 'reason' | 'wasClean'>): void {
    if (socket !== this.socket) return;
    this.clearConnectTimer();
    this.socket = null;
    this.status = 'idle';
    // 1005 and 1006 carry no close frame: the server said nothing.
    const closedBy = e.code === 1005 || e.code === 1006 ? undefined : describeClose(e.code, e.reason);
    // Recovery keeps unacknowledged requests for a resend on the next open, unless the server
    // refused what it got (1002, 1003, 1007-1010) or the retries are used up: then they are
    // reported.
    const codes = this.settings().reconnectCodes ?? config.reconnectCodes;
    const exhausted = codes.includes(e.code) && !this.retriesAfter(e.code);
    const cut = this.interrupt(socket, closedBy, !exhausted && !REFUSALS.includes(e.code));
    if (closedBy && cut === 0 && !QUIET_CLOSES.includes(e.code)) {
      const last = this.progress.last;
      reportProblem(this.host, 'server-closed', `the server closed the socket with ${closedBy}`, { part: e.reason || undefined, ...(last ? { request: last } : {}) });
    }
    let delay: number | null = null;
    if (this.retriesAfter(e.code)) {
      const s = this.settings();
      delay = reconnectDelay(effectiveReconnectDelay(s.reconnectDelay ?? undefined), this.retryCount, this.random);
      this.status = 'retrying';
      this.retry.schedule(delay, !!s.pauseWhileHidden);
    } else {
      this.resumes.giveUp(`the socket closed with ${e.code} and is not reopened`);
    }
    emit(this.host, new HxWsCloseEvent(e.code, e.reason, e.wasClean, delay));
  }

  private retryNow(): void {
    if (this.status !== 'retrying') return;
    this.status = 'idle';
    this.retryCount += 1;
    this.open();
  }

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.clearConnectTimer();
    this.socket = null;
    if (this.status === 'connecting' || this.status === 'open') this.status = 'idle';
    this.interrupt(socket);
    socket.close(code, reason);
    emit(this.host, new HxWsCloseEvent(code, reason, true, null));
  }

  /**
   * Reports the requests the socket's close cut short; chunked uploads are kept to be continued
   * instead, and in recovery mode the other unconfirmed requests are kept to be sent again if the
   * session is recovered. @returns how many requests were cut (kept ones included)
   */
  private interrupt(socket: WebSocket, closedBy?: string, keep = true): number {
    if (!keep) this.reportResend(`the socket closed${closedBy ? ` (the server closed it with ${closedBy})` : ''}`);
    const kept = this.resumes.drop();
    if (keep && socket === this.recoverSocket && this.sessionId) {
      // Recovery: kept to be sent again if the session is recovered, reported if not.
      const again = this.acks.detach(kept);
      this.resend.push(...again);
      return kept.size + again.length + this.progress.interrupt(socket, new Set([...again, ...kept]), closedBy);
    }
    const unconfirmed = this.acks.interrupt(closedBy, kept);
    return kept.size + unconfirmed.size + this.progress.interrupt(socket, new Set([...unconfirmed, ...kept]), closedBy);
  }

  /** Reports requests kept for a resend that will not happen (`send-unconfirmed`). */
  private reportResend(why: string): void {
    const again = this.resend;
    this.resend = [];
    this.reportUnconfirmed(again, why);
  }

  private reportUnconfirmed(requests: OutgoingRequest[], why: string): void {
    for (const request of requests) {
      reportProblem(
        request.source,
        'send-unconfirmed',
        `${why} before the server acknowledged request ${request.id}; it may or may not have reached the server, and was not sent again`,
        { request },
      );
    }
  }

  private transmit(socket: WebSocket, request: OutgoingRequest): void {
    if (!emit(request.source, new HxWsBeforeSendEvent(request))) return;
    // All frames in one task: WebSocket.send keeps order, so no other request can interleave.
    for (const frame of request.frames) socket.send(frame);
    this.acks.track(request);
    this.resumes.track(request);
    this.progress.track(request);
    emit(request.source, new HxWsAfterSendEvent(request));
    this.progress.report();
  }
}
