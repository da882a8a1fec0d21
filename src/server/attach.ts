/// <reference types="node" />
/**
 * Adapter between an `http.Server`, the `ws` package and {@link HxWsDecoder}: it accepts
 * WebSocket upgrades on one path (after an Origin check), decodes each socket's frames and
 * calls the app's handler once per whole request.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { HxWsDecoder, resolveLimits, type DecoderLimits, type DecoderTimers, type HxWsRequest } from './decoder.js';
import { memoryAdapter, type AdapterState, type HxWsAdapter } from './adapter.js';
import { ClusterRooms } from './cluster.js';
import { ProtocolError } from './errors.js';
import { ackMessage, requestIdOf, type SafeHtml } from './fragments.js';

/** What can be sent to a client: a string of HTML, or {@link SafeHtml} from the fragment helpers. */
export type Sendable = string | SafeHtml;

/** Options of {@link HxWsContext.broadcast} and {@link HxWsContext.toRoom}. */
export interface BroadcastOptions {
  /**
   * A connection to skip, typically the sender: its context, its socket (this process only), or
   * its {@link HxWsContext.id} (any process). Default: none.
   */
  except?: HxWsContext | WebSocket | string;
  /** Only this process's connections: the message is not handed to the adapter. Default false. */
  local?: boolean;
}

/** One connection, as the handler and hooks see it. */
export interface HxWsContext {
  /** This connection's id, unique across every process sharing the adapter (for `except`). */
  readonly id: string;
  /** The `ws` socket. */
  readonly socket: WebSocket;
  /** The HTTP upgrade request (URL, cookies, headers) the socket was opened with. */
  readonly req: IncomingMessage;
  /** The rooms this connection is in. */
  readonly rooms: ReadonlySet<string>;
  /** Free-form per-connection state for the app (e.g. the user name after a login). */
  readonly data: Record<string, unknown>;
  /**
   * Sends HTML to this connection.
   * @returns false (and sends nothing) when the socket is no longer open
   */
  send(html: Sendable): boolean;
  /**
   * Sends HTML to every open connection, on every process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  broadcast(html: Sendable, options?: BroadcastOptions): number;
  /** Adds this connection to a room (no-op if already in). Rooms are left on close. */
  join(room: string): void;
  /** Removes this connection from a room (no-op if not in). */
  leave(room: string): void;
  /**
   * Sends HTML to every open connection in a room (this one included, unless `except`), on every
   * process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  toRoom(room: string, html: Sendable, options?: BroadcastOptions): number;
}

/**
 * Which origins may connect: a list of exact origins (`"https://app.example"`; compared after
 * URL normalization, so case and default ports do not matter), or a function deciding per request
 * (`origin` is undefined when the request had no Origin header).
 */
export type OriginPolicy = readonly string[] | ((origin: string | undefined, req: IncomingMessage) => boolean);

/** Options of {@link attachHxWs}. */
export interface HxWsServerOptions {
  /**
   * Which upgrade requests are ours: an exact pathname (`"/chat"`; the query string is ignored)
   * or a predicate on the pathname. Other upgrades are left untouched for other `upgrade`
   * listeners. Default: every upgrade request.
   */
  path?: string | ((pathname: string, req: IncomingMessage) => boolean);
  /**
   * Allowed origins. Default: same origin only, i.e. the Origin header's host:port equals the
   * request's Host header (no scheme compared, default ports ignored). When set, it replaces the
   * same-origin rule. Refused upgrades get HTTP 403 and never reach any hook.
   */
  origins?: OriginPolicy;
  /**
   * Whether a request without an Origin header is accepted (browsers always send one, so such a
   * client is a script or a server, which could forge any Origin anyway). Default true. Not used
   * when {@link origins} is a function (the function decides).
   */
  allowMissingOrigin?: boolean;
  /** Decoder limits to override (see {@link DecoderLimits} for the defaults). */
  limits?: Partial<DecoderLimits>;
  /** Clock for the oob timeout (tests). Default: the global timers. */
  timers?: DecoderTimers;
  /**
   * Called once per whole request. Calls on one connection are sequential: the next request
   * waits until the returned promise settles (reading from the socket is paused meanwhile, once
   * a further request is waiting). A throw or rejection goes to {@link onError} as a
   * {@link HookError}; the connection stays open.
   */
  handler: (request: HxWsRequest, ctx: HxWsContext) => void | Promise<void>;
  /**
   * Delivery acknowledgements. When a request's headers carry `HX-Request-Id` (a client in ack
   * mode, `<hx-ws-connect ack>`), `<hx-ws-ack id="..."></hx-ws-ack>` is sent back as soon as the
   * handler has been called with the request: after its synchronous part returned or threw, not
   * after a returned promise settles. An ack thus means "the handler has it", not "the handler
   * succeeded"; whatever the handler sent synchronously goes out before the ack. Default true.
   */
  ack?: boolean;
  /** Called when a connection opens, before any of its requests is handled. */
  onConnection?: (ctx: HxWsContext) => void | Promise<void>;
  /** Called when a connection has closed, after its queued requests were handled. */
  onClose?: (ctx: HxWsContext, code: number, reason: string) => void | Promise<void>;
  /**
   * Called with every error: a {@link ProtocolError} (the socket is then closed with its code),
   * a {@link HookError} from the app's own hooks, an error from `ws` (e.g. a frame over
   * `maxPayload`; `ws` then closes with 1009 itself), or from the adapter: a
   * {@link PublishError} (a message that reached this process's connections only, with the
   * message) or another adapter failure. `ctx` is the connection concerned, undefined for the
   * adapter's errors. Default: `console.error`.
   */
  onError?: (error: Error, ctx: HxWsContext | undefined) => void;
  /**
   * Carries `broadcast`, `toRoom` and presence to the other processes of the app (see
   * docs/scale-out.md). Default: {@link memoryAdapter}, this process only.
   */
  adapter?: HxWsAdapter;
  /**
   * The adapter's link to the other processes went `down` (with why) or came back `up`. Default:
   * a `console.warn` for down and a `console.info` for up. The in-memory adapter never calls it.
   */
  onAdapterStatus?: (state: AdapterState, error?: Error) => void;
}

/** What {@link attachHxWs} returns. */
export interface HxWsServer {
  /** The underlying `ws` server (`noServer` mode). */
  readonly wss: WebSocketServer;
  /** The open connections. */
  readonly clients: ReadonlySet<HxWsContext>;
  /** This server's id, unique across the processes sharing the adapter; connection ids start with it. */
  readonly serverId: string;
  /**
   * Sends HTML to every open connection, on every process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  broadcast(html: Sendable, options?: BroadcastOptions): number;
  /**
   * Sends HTML to every open connection in a room, on every process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  toRoom(room: string, html: Sendable, options?: BroadcastOptions): number;
  /**
   * How many connections `room` has (every connection when undefined), across every live process
   * of the adapter. Rejects when the adapter cannot tell (its link is down).
   */
  count(room?: string): Promise<number>;
  /**
   * Stops accepting upgrades, closes every connection and resolves once all are closed. The HTTP
   * server itself is left running.
   * @param code close code: 1012 (service restart) by default, which pages reconnect after, so a
   *   restarted server gets its pages back; 1001 (going away) for a shutdown with no return
   * @param reason close reason (at most 123 bytes)
   */
  close(code?: number, reason?: string): Promise<void>;
}

/** An app hook (handler, onConnection, onClose) threw or rejected; `cause` is what it threw. */
export class HookError extends Error {
  /** Which hook failed. */
  readonly hook: 'handler' | 'onConnection' | 'onClose';

  /**
   * @param hook which hook failed
   * @param cause what it threw
   */
  constructor(hook: HookError['hook'], cause: unknown) {
    super(`hx-ws ${hook} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'HookError';
    this.hook = hook;
  }
}

/** Longest close reason the protocol allows, in UTF-8 bytes. */
const MAX_REASON_BYTES = 123;

/** Cuts `text` to at most 123 UTF-8 bytes without splitting a character. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_REASON_BYTES) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_REASON_BYTES - 3) break;
    bytes += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}...`;
}

function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

function parseOrigin(origin: string): URL | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The Origin's host:port equals the Host header's, ignoring the scheme's default port. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  const url = parseOrigin(origin);
  if (!url || !host) return false;
  let hostPort = host.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  if (hostPort.endsWith(defaultPort)) hostPort = hostPort.slice(0, -defaultPort.length);
  return url.host === hostPort;
}

function originChecker(options: HxWsServerOptions): (req: IncomingMessage) => boolean {
  const policy = options.origins;
  if (typeof policy === 'function') return (req) => policy(req.headers.origin, req);
  const allowMissing = options.allowMissingOrigin ?? true;
  let allowed: ((origin: string, req: IncomingMessage) => boolean) | undefined;
  if (policy) {
    const list = new Set(
      policy.map((entry) => {
        const url = parseOrigin(entry);
        if (!url) throw new TypeError(`attachHxWs: origins entry ${JSON.stringify(entry)} is not an http(s) origin`);
        return url.origin;
      }),
    );
    allowed = (origin) => {
      const url = parseOrigin(origin);
      return url !== undefined && list.has(url.origin);
    };
  } else {
    allowed = (origin, req) => isSameOrigin(origin, req.headers.host);
  }
  return (req) => {
    const origin = req.headers.origin;
    return origin === undefined ? allowMissing : allowed(origin, req);
  };
}

function pathMatcher(path: HxWsServerOptions['path']): (pathname: string, req: IncomingMessage) => boolean {
  if (path === undefined) return () => true;
  if (typeof path === 'function') return path;
  return (pathname) => pathname === path;
}

function refuse(socket: Duplex, status: 403): void {
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nForbidden`);
  socket.once('finish', () => socket.destroy());
}

function defaultOnError(error: Error): void {
  console.error(error);
}

/**
 * Serves hx-ws on an HTTP(S) server: handles `upgrade` requests for `options.path`, checks their
 * Origin, decodes each socket's frames with {@link HxWsDecoder} and calls `options.handler` per
 * whole request. `ws`'s `maxPayload` is set to the larger of the text-frame and file limits, so
 * `ws` itself refuses (1009) any bigger frame before buffering it.
 *
 * @param server the HTTP or HTTPS server whose upgrades to handle
 * @param options path, origin policy, limits, handler and hooks
 * @throws {TypeError} when an `origins` entry is not an http(s) origin
 * @throws {RangeError} when a limit is not a positive integer
 */
export function attachHxWs(server: HttpServer | HttpsServer, options: HxWsServerOptions): HxWsServer {
  const limits = resolveLimits(options.limits);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(limits.maxTextFrameBytes, limits.maxFileBytes),
  });
  const clients = new Set<Connection>();
  const matchPath = pathMatcher(options.path);
  const acks = options.ack ?? true;
  const originAllowed = originChecker(options);
  const reportError = (error: Error, ctx: HxWsContext | undefined): void => {
    try {
      (options.onError ?? defaultOnError)(error, ctx);
    } catch (thrown) {
      console.error(thrown);
    }
  };
  const cluster = new ClusterRooms(options.adapter ?? memoryAdapter(), {
    error: (error) => reportError(error, undefined),
    status: (state, error) => {
      try {
        if (options.onAdapterStatus) options.onAdapterStatus(state, error);
        else if (state === 'down') console.warn(`hx-ws adapter down${error ? `: ${error.message}` : ''}`);
        else console.info('hx-ws adapter up');
      } catch (thrown) {
        console.error(thrown);
      }
    },
  });

  class Connection implements HxWsContext {
    readonly id = cluster.newId();
    readonly rooms = new Set<string>();
    readonly data: Record<string, unknown> = {};
    constructor(
      readonly socket: WebSocket,
      readonly req: IncomingMessage,
    ) {}

    send(html: Sendable): boolean {
      if (this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(String(html));
      return true;
    }

    broadcast(html: Sendable, opts: BroadcastOptions = {}): number {
      return cluster.broadcast(String(html), opts.except, opts.local);
    }

    join(room: string): void {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.rooms.add(room);
      cluster.join(this, room);
    }

    leave(room: string): void {
      this.rooms.delete(room);
      cluster.leave(this, room);
    }

    toRoom(room: string, html: Sendable, opts: BroadcastOptions = {}): number {
      return cluster.toRoom(room, String(html), opts.except, opts.local);
    }
  }

  const serve = (socket: WebSocket, req: IncomingMessage, raw: Duplex): void => {
    const ctx = new Connection(socket, req);
    clients.add(ctx);
    cluster.add(ctx);
    let closing = false;
    let paused = false;
    let queued = 0;
    let chain: Promise<void> = Promise.resolve();

    const setPaused = (pause: boolean): void => {
      if (pause === paused) return;
      paused = pause;
      if (pause) {
        socket.pause();
        decoder.suspend();
      } else {
        socket.resume();
        decoder.resume();
      }
    };

    /** Runs app code in order; pauses reading while a request waits behind a running one. */
    const enqueue = (hook: HookError['hook'], task: () => void | Promise<void>): void => {
      queued += 1;
      if (queued > 1 && !closing) setPaused(true);
      chain = chain
        .then(task)
        .catch((error: unknown) => reportError(new HookError(hook, error), ctx))
        .finally(() => {
          queued -= 1;
          if (queued <= 1) setPaused(false);
        });
    };

    const failProtocol = (error: ProtocolError): void => {
      if (closing) return;
      closing = true;
      setPaused(false);
      reportError(error, ctx);
      socket.close(error.code, closeReason(error.message));
    };

    const decoder = new HxWsDecoder({ limits, timers: options.timers, onTimeout: failProtocol });

    // Raw bytes arriving (even inside one big frame) count as progress for the oob timeout.
    raw.on('data', () => decoder.touch());

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (closing || decoder.error) return;
      let request: HxWsRequest | undefined;
      try {
        request = decoder.push(data, isBinary);
      } catch (error) {
        if (error instanceof ProtocolError) failProtocol(error);
        else reportError(error as Error, ctx);
        return;
      }
      if (request) {
        const whole = request;
        const ackId = acks ? requestIdOf(whole.headers) : undefined;
        enqueue(
          'handler',
          ackId === undefined
            ? () => options.handler(whole, ctx)
            : () => {
                try {
                  return options.handler(whole, ctx);
                } finally {
                  ctx.send(ackMessage(ackId));
                }
              },
        );
      }
    });

    socket.on('error', (error: Error) => reportError(error, ctx));

    socket.on('close', (code: number, reason: Buffer) => {
      closing = true;
      decoder.close();
      clients.delete(ctx);
      ctx.rooms.clear();
      cluster.remove(ctx);
      const onClose = options.onClose;
      if (onClose) enqueue('onClose', () => onClose(ctx, code, reason.toString('utf8')));
    });

    const onConnection = options.onConnection;
    if (onConnection) enqueue('onConnection', () => onConnection(ctx));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!matchPath(pathnameOf(req.url), req)) return;
    if (!originAllowed(req)) {
      refuse(socket, 403);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serve(ws, req, socket);
      wss.emit('connection', ws, req);
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    wss,
    clients,
    serverId: cluster.serverId,
    broadcast: (html, opts = {}) => cluster.broadcast(String(html), opts.except, opts.local),
    toRoom: (room, html, opts = {}) => cluster.toRoom(room, String(html), opts.except, opts.local),
    count: (room) => cluster.count(room),
    close: (code = 1012, reason = 'server restarting') =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const client of clients) client.socket.close(code, closeReason(reason));
        wss.close(() => resolve());
      }).then(() => cluster.close()),
  };
}
