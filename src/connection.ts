/**
 * One element's WebSocket: opening, reconnecting, the send queue, upload progress and handing
 * received messages to the swap engine. A plain class with no Lit in it, so `<hx-ws-connect>`
 * and the `hx-ws="connect:..."` shim share every line of it.
 */
import { readAttribute } from './attributes.js';
import { reconnectDelay } from './backoff.js';
import { config, effectiveReconnectDelay, type ReconnectDelay } from './config.js';
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
  HxWsUploadProgressEvent,
  reportError,
  type HxWsRequest,
} from './events.js';
import { frameBytes, mayHaveControls, REQUEST_ID_HEADER, takeAcks } from './protocol.js';
import { swapMessage } from './swap.js';
import { parseScheme, resolveSocketUrl, SocketUrlError } from './url.js';

/** What a connection reads from its element each time it opens. */
export interface ConnectionSettings {
  /** The URL as written, or a function returning it (re-run before every open). */
  url: string | (() => string) | null | undefined;
  /** `ws` / `wss` to force a scheme; empty to follow the page. */
  scheme?: string | null;
  /** Subprotocols to offer. */
  protocols?: string | string[] | null;
  /** Delay policy; unset falls back to `config` and then htmx's config. */
  reconnectDelay?: ReconnectDelay | null;
  /** Close codes that trigger a reconnect; unset: `config.reconnectCodes`. */
  reconnectCodes?: readonly number[] | null;
  /** Most reconnect attempts in a row; unset: no limit. */
  maxRetries?: number | null;
  /** Most requests queued while not open; unset: `config.queueLimit`. */
  queueLimit?: number | null;
  /** Wait for the tab to be visible before reconnecting. */
  pauseWhileHidden?: boolean | null;
  /**
   * Delivery acknowledgement mode: every request carries `HX-Request-Id` and stays unconfirmed
   * until the server acks it; requests still unconfirmed when the socket closes are reported
   * (`send-unconfirmed`). Unset: the `hx-ws-ack` (or `data-hx-ws-ack`) attribute of the element.
   */
  ack?: boolean | null;
}

interface InFlight {
  request: HxWsRequest;
  /** Offset of the request's first byte in the socket's outgoing stream. */
  start: number;
  loaded: number;
}

const connections = new WeakMap<Element, Connection>();

/** The connection attached to `element`, if any. */
export function connectionOf(element: Element): Connection | undefined {
  return connections.get(element);
}

/** The element above `node`, crossing out of shadow roots to their hosts. */
function composedParent(node: Node): Node | null {
  if (node.parentNode instanceof ShadowRoot) return node.parentNode.host;
  return node.parentNode;
}

/**
 * Finds the connection a sender should use: the element whose id is `forId` (in the sender's
 * root, then the document), else the nearest composed ancestor (the sender itself included)
 * with a connection.
 */
export function findConnection(from: Element, forId?: string | null): Connection | undefined {
  if (forId) {
    const root = from.getRootNode() as Document | ShadowRoot;
    const el = root.getElementById?.(forId) ?? document.getElementById(forId);
    return el ? connections.get(el) : undefined;
  }
  for (let n: Node | null = from; n; n = composedParent(n)) {
    const c = n instanceof Element ? connections.get(n) : undefined;
    if (c) return c;
  }
  return undefined;
}

let requestIds = 0;

export { frameBytes, REQUEST_ID_HEADER, takeAcks, utf8Length } from './protocol.js';

/** A fresh request id, in creation order. */
export function nextRequestId(): number {
  return ++requestIds;
}

/** Random per page load, so ids of two tabs (or two loads of one tab) never meet on a server. */
const PAGE_PREFIX = Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('');

/** The `HX-Request-Id` of request `id`: unique within the page and across page loads. */
export function pageRequestId(id: number): string {
  return `${PAGE_PREFIX}-${id}`;
}

const PROGRESS_INTERVAL = 50;

/** A socket owned by an element. */
export class Connection {
  /** The current socket, if one is open or opening. */
  socket: WebSocket | null = null;
  /** Reconnect attempts since the last open. */
  retryCount = 0;
  /** The URL of the current (or last) socket. */
  url: string | null = null;

  private running = false;
  private appClosed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private waitingToRetry = false;
  private queue: HxWsRequest[] = [];
  private inFlight: InFlight[] = [];
  /** Transmitted requests with an `HX-Request-Id` the server has not acked yet, by that id. */
  private awaitingAck = new Map<string, HxWsRequest>();
  private sentBytes = 0;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private errorsThisStreak = 0;
  private stopPending = false;
  private openSkipped = false;

  constructor(
    /** The element events are fired on and swaps are rooted at. */
    readonly host: Element,
    private readonly settings: () => ConnectionSettings,
  ) {}

  /** `WebSocket.readyState` of the current socket, or `CLOSED` (3) when there is none. */
  get readyState(): number {
    return this.socket?.readyState ?? WebSocket.CLOSED;
  }

  /** Requests waiting for the socket to open. */
  get queued(): readonly HxWsRequest[] {
    return this.queue;
  }

  /** Ack mode: whether requests made now carry `HX-Request-Id` and wait for the server's ack. */
  get ack(): boolean {
    return this.settings().ack ?? readAttribute(this.host, 'hx-ws-ack') !== null;
  }

  /** Ack mode: requests sent on the current socket that the server has not acknowledged yet. */
  get unconfirmed(): readonly HxWsRequest[] {
    return [...this.awaitingAck.values()];
  }

  /** Starts owning a socket: call when the element is connected. Idempotent. */
  connect(): void {
    this.stopPending = false;
    if (this.running) {
      // Back in the page before the stop, after the first open was skipped: open now.
      if (this.openSkipped) this.scheduleOpen();
      return;
    }
    this.running = true;
    this.appClosed = false;
    connections.set(this.host, this);
    window.addEventListener('online', this.onWake);
    document.addEventListener('visibilitychange', this.onWake);
    this.scheduleOpen();
  }

  /**
   * Opens a microtask later, so properties set right after insertion (as frameworks do) count. An
   * element that has left the page by then opens nothing: a socket aborted while connecting costs
   * a handshake, and Chrome counts it as a failure and delays the page's next connections.
   */
  private scheduleOpen(): void {
    this.openSkipped = false;
    queueMicrotask(() => {
      if (!this.running || this.socket || this.appClosed || this.waitingToRetry) return;
      if (this.stopPending || !this.host.isConnected) this.openSkipped = true;
      else this.open();
    });
  }

  /**
   * Stops owning the socket: call when the element is disconnected. The stop waits a microtask
   * so that moving the element (remove + insert in one task) keeps the same socket.
   */
  disconnect(): void {
    if (!this.running || this.stopPending) return;
    this.stopPending = true;
    queueMicrotask(() => {
      if (!this.stopPending) return;
      this.stopPending = false;
      this.stop();
    });
  }

  /** Closes the socket with 1000, drops every timer and listener, reports unsent requests. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.stopPending = false;
    if (connections.get(this.host) === this) connections.delete(this.host);
    window.removeEventListener('online', this.onWake);
    document.removeEventListener('visibilitychange', this.onWake);
    this.clearRetry();
    this.closeSocket(1000, 'element removed');
    this.abandonQueue('the connecting element was removed');
  }

  /** Closes the socket at the app's request: no reconnect until {@link reconnect}. */
  close(code = 1000, reason = ''): void {
    this.appClosed = true;
    this.clearRetry();
    this.closeSocket(code, reason);
  }

  /** Drops the current socket (if any) and opens a new one now, with the retry count at 0. */
  reconnect(): void {
    this.appClosed = false;
    this.retryCount = 0;
    this.clearRetry();
    this.closeSocket(1000, 'reconnecting');
    if (this.running) this.open();
  }

  /** Sends raw data (a string, Blob or buffer) now, or queues it until the socket opens. */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    const frame = ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? new Blob([data as BlobPart]) : data;
    this.sendRequest({
      id: nextRequestId(),
      source: this.host,
      values: {},
      headers: {},
      frames: [frame],
      bytes: frameBytes(frame),
    });
  }

  /**
   * Sends a request's frames back to back, or queues the request (in order) while the socket is
   * not open. A full queue drops this request with an error event that carries it.
   */
  sendRequest(request: HxWsRequest): void {
    if (this.socket?.readyState === WebSocket.OPEN && this.queue.length === 0) {
      this.transmit(this.socket, request);
      return;
    }
    const limit = this.settings().queueLimit ?? config.queueLimit;
    if (this.queue.length >= limit) {
      reportError(request.source, 'queue-overflow', `the send queue is full (${limit} requests); request ${request.id} was dropped`, {
        request,
      });
      return;
    }
    this.queue.push(request);
    if (this.running && !this.socket && !this.waitingToRetry && !this.appClosed) this.open();
  }

  private open(): void {
    const s = this.settings();
    let url: string;
    try {
      const raw = typeof s.url === 'function' ? s.url() : s.url;
      if (raw == null) throw new SocketUrlError('url is not set', String(raw), 'url');
      url = resolveSocketUrl(raw, parseScheme(s.scheme));
    } catch (err) {
      const e = err instanceof SocketUrlError ? err : undefined;
      reportError(this.host, e?.field === 'scheme' ? 'bad-scheme' : 'bad-url', e?.message ?? `url could not be read: ${String(err)}`, {
        part: e?.part,
        cause: err,
      });
      return;
    }
    const protocols = typeof s.protocols === 'string' ? s.protocols.split(/[\s,]+/).filter(Boolean) : (s.protocols ?? []);
    this.url = url;
    emit(this.host, new HxWsConnectingEvent(url, this.retryCount));
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, protocols as string[]);
    } catch (err) {
      reportError(this.host, 'bad-url', `could not open a socket to "${url}" with protocols [${protocols.join(', ')}]: ${(err as Error).message}`, {
        part: protocols.length ? protocols.join(' ') : url,
        cause: err,
      });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.sentBytes = 0;
    socket.addEventListener('open', () => this.onOpen(socket));
    socket.addEventListener('message', (e) => this.onMessage(socket, e));
    socket.addEventListener('error', () => this.onError(socket));
    socket.addEventListener('close', (e) => this.onClose(socket, e));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.retryCount = 0;
    this.errorsThisStreak = 0;
    emit(this.host, new HxWsOpenEvent(socket));
    const pending = this.queue;
    this.queue = [];
    for (const request of pending) {
      if (socket.readyState !== WebSocket.OPEN) {
        this.queue.push(request);
        continue;
      }
      this.transmit(socket, request);
    }
  }

  private onMessage(socket: WebSocket, e: MessageEvent): void {
    if (socket !== this.socket) return;
    let data = e.data as string | ArrayBuffer | Blob;
    // Delivery acks lead the message they come in (usually alone): take them off before anything
    // else sees it. An ack-only message fires no message events and is not swapped.
    if (typeof data === 'string' && mayHaveControls(data)) {
      const { ids, rest } = takeAcks(data);
      for (const id of ids) this.awaitingAck.delete(id);
      if (rest.trim() === '') return;
      data = rest;
    }
    let swapped = false;
    if (emit(this.host, new HxWsBeforeMessageEvent(data)) && typeof data === 'string') {
      try {
        swapMessage(data, this.host);
        swapped = true;
      } catch (err) {
        reportError(this.host, 'swap', `a message could not be swapped: ${(err as Error)?.message ?? err}`, { cause: err });
      }
    }
    emit(this.host, new HxWsAfterMessageEvent(data, swapped));
  }

  private onError(socket: WebSocket): void {
    if (socket !== this.socket) return;
    // Browsers say nothing about the cause. Log the first error of a streak of failed attempts
    // only, so a server that is down for a while does not flood the console.
    const message = `the socket to ${socket.url} reported an error`;
    if (this.errorsThisStreak++ === 0) console.error(`hx-ws: ${message}`, this.host);
    emit(this.host, new HxWsErrorEvent('socket', message, { part: socket.url }));
  }

  private onClose(socket: WebSocket, e: CloseEvent): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.interruptInFlight(socket);
    const s = this.settings();
    const codes = s.reconnectCodes ?? config.reconnectCodes;
    const max = s.maxRetries ?? Infinity;
    let delay: number | null = null;
    if (this.running && !this.appClosed && codes.includes(e.code) && this.retryCount < max) {
      delay = reconnectDelay(effectiveReconnectDelay(s.reconnectDelay ?? undefined), this.retryCount);
      this.scheduleRetry(delay);
    }
    emit(this.host, new HxWsCloseEvent(e.code, e.reason, e.wasClean, delay));
  }

  private scheduleRetry(delay: number): void {
    this.waitingToRetry = true;
    if (this.settings().pauseWhileHidden && document.visibilityState === 'hidden') return; // onWake resumes
    this.retryTimer = setTimeout(() => this.retryNow(), delay);
  }

  private retryNow(): void {
    this.clearRetry();
    if (!this.running || this.appClosed || this.socket) return;
    this.retryCount += 1;
    this.open();
  }

  private clearRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.waitingToRetry = false;
  }

  /** Back online, or the tab is visible again: retry a dropped socket at once. */
  private readonly onWake = (e: Event): void => {
    if (!this.waitingToRetry) return;
    if (e.type === 'visibilitychange' && document.visibilityState !== 'visible') return;
    this.retryNow();
  };

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.interruptInFlight(socket);
    socket.close(code, reason);
    emit(this.host, new HxWsCloseEvent(code, reason, true, null));
  }

  private transmit(socket: WebSocket, request: HxWsRequest): void {
    if (!emit(request.source, new HxWsBeforeSendEvent(request))) return;
    const start = this.sentBytes;
    // All frames in one task: WebSocket.send keeps order, so no other request can interleave.
    for (const frame of request.frames) socket.send(frame);
    this.sentBytes += request.bytes;
    const ackId = request.headers[REQUEST_ID_HEADER];
    if (ackId) this.awaitingAck.set(ackId, request);
    this.inFlight.push({ request, start, loaded: -1 });
    emit(request.source, new HxWsAfterSendEvent(request));
    this.reportProgress(socket);
  }

  /** Fires progress for requests whose bytes are still leaving; polls until all have left. */
  private reportProgress(socket: WebSocket): void {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    if (socket !== this.socket) return;
    const flushed = this.sentBytes - socket.bufferedAmount;
    const still: InFlight[] = [];
    for (const f of this.inFlight) {
      const loaded = Math.min(f.request.bytes, Math.max(0, flushed - f.start));
      if (loaded !== f.loaded) {
        f.loaded = loaded;
        emit(f.request.source, new HxWsUploadProgressEvent(f.request, loaded, f.request.bytes));
      }
      if (loaded < f.request.bytes) still.push(f);
    }
    this.inFlight = still;
    if (still.length) this.progressTimer = setTimeout(() => this.reportProgress(socket), PROGRESS_INTERVAL);
  }

  /**
   * The socket is gone: requests the server has not acked (ack mode), and other requests whose
   * bytes had not all left, are reported with their data. None is resent: it may have arrived.
   */
  private interruptInFlight(socket: WebSocket): void {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    const unconfirmed = this.awaitingAck;
    this.awaitingAck = new Map();
    for (const [ackId, request] of unconfirmed) {
      reportError(
        request.source,
        'send-unconfirmed',
        `the socket closed before the server acknowledged request ${request.id} (${REQUEST_ID_HEADER} ${ackId}); it may or may not have reached the server, and was not sent again`,
        { request },
      );
    }
    const flushed = this.sentBytes - socket.bufferedAmount;
    for (const f of this.inFlight) {
      if (unconfirmed.has(f.request.headers[REQUEST_ID_HEADER] ?? '')) continue;
      if (flushed - f.start < f.request.bytes) {
        reportError(
          f.request.source,
          'send-interrupted',
          `the socket closed before request ${f.request.id} had left the browser (${Math.max(0, flushed - f.start)} of ${f.request.bytes} bytes)`,
          { request: f.request },
        );
      }
    }
    this.inFlight = [];
  }

  private abandonQueue(why: string): void {
    const pending = this.queue;
    this.queue = [];
    for (const request of pending) {
      reportError(request.source, 'send-abandoned', `${why}; queued request ${request.id} was not sent`, { request });
    }
  }
}
