/// <reference types="node" />
/**
 * The public types of the server helper: its options (with why a connection closed, as
 * `onClose` is told) and the server object {@link attachHxWs} returns. What the hooks get of
 * a connection is in context.ts.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { DecoderLimits, DecoderTimers } from './decoder/decoder-limits.js';
import type { HxWsRequest } from './decoder/request.js';
import type { OriginPolicy } from './http/origin.js';
import type { BroadcastOptions, HxWsContext, Sendable } from './context.js';
import type { AdapterState, HxWsAdapter } from './hub/adapter.js';
import type { ServerLimits } from './socket/server-limits.js';
import type { RequestRateOptions } from './socket/request-rate.js';
import type { PathOption } from './http/admission.js';
import type { Authenticate } from './http/authenticate.js';
import type { FileSink } from './uploads/file-sink.js';
import type { RecoveryOptions } from './recovery/recovery-store.js';
import type { HxWsStats } from './stats/stats.js';
import type { CompressionOptions } from './wire/compression.js';

/**
 * Why a connection closed, as `onClose` reports it:
 * - `peer`: the client closed it, the TCP connection dropped, or the app closed the socket itself;
 * - `protocol`: the client broke the wire format or a limit (a {@link ProtocolError}, in `error`);
 * - `heartbeat`: the client sent nothing for a whole ping interval and was terminated (code 1006);
 * - `backpressure`: the client did not read and its send buffer went over `maxBufferedBytes`
 *   (code 1013, or 1006 if it never answered the close);
 * - `shutdown`: the server's `close()`;
 * - `expired`: the app's `ctx.expire()` (code 4401, `CLOSE_EXPIRED`): the page reconnects at once
 *   with fresh credentials.
 *
 * `heartbeat` and `backpressure` mean the page may well be alive and will reconnect: an app that
 * keeps per-session state can keep it for a while, and let the page catch up when it is back.
 */
export type CloseCause = 'peer' | 'protocol' | 'heartbeat' | 'backpressure' | 'shutdown' | 'expired';

/** What `onClose` is told besides the code and reason. */
export interface CloseInfo {
  /** Why the connection closed. */
  cause: CloseCause;
  /** For cause `protocol`: the error. */
  error?: Error;
}

/**
 * Options of {@link attachHxWs}. The socket limits ({@link ServerLimits}: connections,
 * heartbeat, send buffer, frame and close deadlines) sit at the top level, next to `limits` (the
 * decoder's).
 */
export interface HxWsServerOptions extends Partial<ServerLimits> {
  /**
   * Which upgrade requests are ours: an exact pathname (`"/chat"`; the query string is ignored)
   * or a predicate on the pathname. Other upgrades are left untouched for other `upgrade`
   * listeners. Default: every upgrade request.
   */
  path?: PathOption;
  /**
   * What becomes of an upgrade whose path is not ours. When this helper is the server's only
   * `upgrade` listener it gets HTTP 404 at once. Otherwise, after this many milliseconds, it gets
   * 404 if its socket is still open and no other listener has written to it. Both go to
   * {@link onError} as an {@link UpgradeRefusedError}, so a page with a wrong socket path is
   * told instead of waiting forever. `null`: leave such upgrades alone. Default 3000.
   */
  unclaimedUpgradeMs?: number | null;
  /**
   * Allowed origins. Default: same origin only, i.e. the Origin header's host:port equals the
   * request's Host header (no scheme compared, default ports ignored). When set, it replaces the
   * same-origin rule. Refused upgrades get HTTP 403 and reach only {@link onError} (as an
   * {@link UpgradeRefusedError} saying which Origin was refused and how to allow it).
   */
  origins?: OriginPolicy;
  /**
   * Whether a request without an Origin header is accepted (browsers always send one, so such a
   * client is a script or a server, which could forge any Origin anyway). Default true. Not used
   * when {@link origins} is a function (the function decides).
   */
  allowMissingOrigin?: boolean;
  /**
   * The Host header values this server answers to (`"localhost:3000"`, or `"app.internal"` for
   * that name on any port; compared without case). An upgrade with another Host is
   * refused with 403 before the Origin check. The same-origin rule compares Origin with Host, and
   * a DNS-rebinding page controls both; pinning the host (or an explicit `origins` list) is what
   * stops it. Recommended for every server on localhost or an intranet. Default: any host.
   */
  allowedHosts?: readonly string[];
  /**
   * The remote address a connection counts against for `maxConnectionsPerAddress`. Default: the
   * TCP peer's address. Behind a proxy, read the header it sets (and trust only that proxy).
   */
  addressOf?: (req: IncomingMessage) => string;
  /**
   * Who may connect, decided before the upgrade (no socket, heartbeat or session exists yet).
   * Called with the upgrade request (cookies, headers, URL) once its path, Host, Origin and
   * connection counts passed; may be async. Its answer:
   * - an identity of any kind (a user object, an id): the upgrade goes on, and the identity is
   *   `ctx.user` for every hook of the connection;
   * - `undefined`, `null` or `false`: refused with HTTP 401;
   * - a thrown or returned {@link refuseUpgrade}`(401 | 403, reason)`: refused with that status.
   *
   * Any other throw is refused with 500, and no answer within {@link authenticateTimeoutMs} with
   * 503. Every refusal reaches {@link onError} as an {@link UpgradeRefusedError} (with the reason;
   * the client only gets the status). With it set, recovery sessions, chunked-upload resumes and
   * request-id deduplication belong to the identity's {@link userKey}: a session or upload
   * offered under another identity is not resumed (a fresh session, `recovered: false`).
   * Default: none (every upgrade that passed the checks is taken; `ctx.user` is undefined).
   */
  authenticate?: Authenticate;
  /** Most milliseconds {@link authenticate} may take before the upgrade is refused (503). Default 10000. */
  authenticateTimeoutMs?: number;
  /**
   * The key of an identity: two connections whose identities have the same key are the same
   * user, who may resume the other's recovery session and uploads. Must be the same on every
   * process (it is stored with a session in Redis). Default: `user.id` for an object with a
   * string or number `id`, the value itself for a string or number, else its JSON.
   */
  userKey?: (user: unknown) => string;
  /**
   * The most requests a second one connection may send: a token bucket of `burst` requests
   * (default `perSecond`) refilled at `perSecond`. A request over it is not handed to the
   * handler: one with an `HX-Request-Id` is refused with `<hx-ws-refused>` and the socket kept
   * (docs/protocol.md 5.1); one without is closed with 1008 (`rate-limited`). Checked once a
   * request is whole. Default: no limit.
   */
  requestRate?: RequestRateOptions;
  /** Decoder limits to override (see {@link DecoderLimits} for the defaults). */
  limits?: Partial<DecoderLimits>;
  /** Clock for the oob timeout (tests). Default: the global timers. */
  timers?: DecoderTimers;
  /**
   * Where the bytes of chunked files (`file/oob-chunked`, a sender with `chunk-size`) go: a
   * function returning a `Writable` per file, e.g. {@link diskSink}, written as the bytes come
   * off the socket (pieces of chunks). The handler gets the request once every sink has finished. A slow sink pauses reading from the socket. Default:
   * memory (the file's `bytes`). Unchunked files always arrive in memory.
   */
  fileSink?: FileSink;
  /**
   * Carries `broadcast`, `toRoom` and presence to the other processes of the app (see
   * docs/scale-out.md; `hx-ws-elements/server/redis` has one for Redis). Its `close` is called by
   * {@link HxWsServer.close}. Default: {@link memoryAdapter}, this process only.
   */
  adapter?: HxWsAdapter;
  /**
   * The adapter's link to the other processes went `down` (with why) or came back `up`. Default:
   * a `console.warn` for down and a `console.info` for up. The in-memory adapter never calls it.
   */
  onAdapterStatus?: (state: AdapterState, error?: Error) => void;
  /**
   * Recovery (docs/reliability.md): pages that ask (`<hx-ws-connect recover>`) get a session,
   * every message to them a log position, and after a drop the messages they missed, their
   * rooms and `data` back, and each request handed to the handler once. `true` for the defaults.
   * The log and the sessions are in this process's memory, or, with an adapter that has a
   * recovery store (the Redis adapter), where every process finds them (docs/scale-out.md).
   * Default: off (an offer is answered with "no recovery here").
   */
  recovery?: boolean | RecoveryOptions;
  /**
   * permessage-deflate (docs/performance.md, "Compression"): pages whose browser offers it (all
   * do) get compressed messages of at least `threshold` bytes. `true` for the defaults of
   * {@link CompressionOptions}, which keep memory bounded: no per-socket compressor, so a
   * broadcast is compressed once for every socket, and a bounded number of zlib operations at a
   * time. An object overrides some of them. A bad value throws when the server is made, naming
   * the option. Default: off.
   */
  compression?: boolean | CompressionOptions;
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
  /**
   * Called when a connection has closed, after its queued requests were handled. `info.cause`
   * tells who closed it and why (see {@link CloseCause}).
   */
  onClose?: (ctx: HxWsContext, code: number, reason: string, info: CloseInfo) => void | Promise<void>;
  /**
   * Called with every error: a {@link ProtocolError} (the socket is then closed with its code), a
   * {@link RequestRefusedError} (one request refused with `<hx-ws-refused>`, the socket kept),
   * a {@link HookError} from the app's own hooks, an error from `ws` (e.g. a frame over
   * `maxPayload`; `ws` then closes with 1009 itself), an {@link UpgradeRefusedError} for an
   * upgrade refused before any connection existed (its Host or Origin, a path no listener
   * serves, or {@link authenticate}), or one from the adapter: a {@link PublishError} (a message that reached this
   * process's connections only; it carries the message) or another adapter failure. `ctx` is the
   * connection concerned, undefined for refusals and the adapter's errors. Default:
   * `console.error`.
   */
  onError?: (error: Error, ctx: HxWsContext | undefined) => void;
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
   * Recovery: the current position of the message log, for `<hx-ws-connect recover
   * resume-from="...">` in a page rendered now (messages published after it are replayed when
   * the page's socket opens). With the Redis adapter, the last stream id this process has read
   * (`undefined` until it has connected). `undefined` when recovery is off.
   */
  position(): string | undefined;
  /**
   * This process's counters: connections, rooms, messages and bytes in and out, refusals and
   * closes by cause, the adapter's state, recovery hits and misses (see {@link HxWsStats};
   * {@link statsToPrometheus} renders them for Prometheus). A new object each call.
   */
  stats(): HxWsStats;
  /**
   * Stops accepting upgrades, closes every connection (after its queued handlers, and their acks)
   * and resolves once all are closed; whatever is still open after `closeTimeoutMs` is
   * terminated. The HTTP server itself is left running.
   * @param code close code: 1012 (service restart) by default, which pages reconnect after, so a
   *   restarted server gets its pages back; 1001 (going away) for a shutdown with no return
   * @param reason close reason (at most 123 bytes)
   */
  close(code?: number, reason?: string): Promise<void>;
}
