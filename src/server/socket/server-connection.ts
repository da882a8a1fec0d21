/// <reference types="node" />
/**
 * One socket's life ({@link ServerConnection}): its frames go through a {@link FrameGuard} and
 * the decoder into requests, the app's hooks run in order through a {@link HookQueue}, requests
 * are acknowledged, and the socket is closed for a protocol error (after the handlers already
 * queued, and their acks), a full send buffer, a missed heartbeat or a shutdown, with the cause
 * told to `onClose`. Also what every connection of one server shares ({@link ServerScope}), and
 * the close reason rule.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { HxWsContext } from '../context.js';
import { HxWsDecoder } from '../decoder/decoder.js';
import { systemTimers, type DecoderLimits } from '../decoder/decoder-limits.js';
import type { HxWsRequest } from '../decoder/request.js';
import { ProtocolError, RequestRefusedError } from '../errors.js';
import type { Rooms } from '../hub/rooms.js';
import { ackMessage, requestIdOf } from '../html.js';
import type { CloseCause, HxWsServerOptions } from '../options.js';
import { isPromise, type RecoveryStore } from '../recovery/recovery-store.js';
import { answerOffer, asksRecovery, storeFailed, type RecoveringConnection } from '../recovery/replay.js';
import { RequestUploads } from '../uploads/request-uploads.js';
import type { UploadStore } from '../uploads/upload-store.js';
import { CLOSE_EXPIRED, formatRefused, formatSession, mayBeOffer } from '../../protocol.js';
import { ConnectionContext } from './connection-context.js';
import { installFrameGuard, type FrameGuard } from './frame-guard.js';
import { HookQueue } from './hook-queue.js';
import { RequestRate } from './request-rate.js';
import type { ServerLimits } from './server-limits.js';

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

/** Longest refusal reason sent to a client, in characters (the whole reason goes to `onError`). */
const MAX_REFUSAL_CHARS = 300;

/** `reason` cut to {@link MAX_REFUSAL_CHARS}. */
function refusalReason(reason: string): string {
  return reason.length <= MAX_REFUSAL_CHARS ? reason : `${reason.slice(0, MAX_REFUSAL_CHARS - 3)}...`;
}

/** What every connection of one server shares. */
export interface ServerScope {
  /** The server's options, as the app gave them. */
  readonly options: HxWsServerOptions;
  /** The resolved decoder limits. */
  readonly limits: Readonly<DecoderLimits>;
  /** The resolved socket limits. */
  readonly server: Readonly<ServerLimits>;
  /** `ws`'s `maxPayload`. */
  readonly maxPayload: number;
  /** This process's rooms, and the adapter to the other processes. */
  readonly rooms: Rooms;
  /** The open connections, as the app sees them. */
  readonly clients: Set<ConnectionContext>;
  /** The open connections. */
  readonly connections: Set<ServerConnection>;
  /** Chunked uploads in progress, and those a drop cut off. */
  readonly uploads: UploadStore;
  /** The message log and page sessions, when recovery is on. */
  readonly recovery: RecoveryStore | undefined;
  /** Hands an error to the app's `onError` (or `console.error`). */
  reportError(error: Error, ctx: HxWsContext): void;
}

/** One upgraded socket, served until it closes. */
export class ServerConnection {
  /** What the app sees of the connection. */
  readonly ctx: ConnectionContext;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  /** Whether anything arrived since the last heartbeat. */
  private alive = true;
  private paused = false;
  /** Reading paused because the handler queue is behind. */
  private queuePaused = false;
  /** Sinks that are full: reading pauses until each has drained. */
  private fullSinks = 0;
  /** The chunked files of the request whose bytes are arriving. */
  private readonly uploads: RequestUploads;
  /** Set once the server closes the socket, with why. */
  private cause: CloseCause | undefined;
  private error: Error | undefined;
  private readonly decoder: HxWsDecoder;
  private readonly guard: FrameGuard | undefined;
  /** The connection's app code, in order. */
  readonly queue: HookQueue;
  /** Recovery: the connection waits for its offer frame before anything else. */
  private awaitingOffer = false;
  /** Recovery: what this connection lends to it, when the page asked and the server has it on. */
  private readonly recovering: RecoveringConnection | undefined;
  /** Whether no data frame has arrived yet. */
  private firstFrame = true;
  /** The request rate, when the app set one. */
  private readonly rate: RequestRate | undefined;

  /**
   * @param scope what the server's connections share
   * @param socket the `ws` socket
   * @param req the upgrade request
   * @param raw the TCP (or TLS) socket under it
   * @param identity what `authenticate` said (its user, and the user's key), if the app has it
   */
  constructor(
    readonly scope: ServerScope,
    readonly socket: WebSocket,
    req: IncomingMessage,
    private readonly raw: Duplex,
    identity?: { user: unknown; key: string },
  ) {
    const { options, limits, server } = scope;
    this.rate = options.requestRate ? new RequestRate(options.requestRate) : undefined;
    this.ctx = new ConnectionContext(socket, req, scope.rooms, server.maxBufferedBytes, () =>
      this.close('backpressure', 1013, `send buffer over maxBufferedBytes ${server.maxBufferedBytes}`, undefined, false),
    );
    this.ctx.user = identity?.user;
    this.ctx.userKey = identity?.key;
    this.ctx.onExpire = (reason) => this.close('expired', CLOSE_EXPIRED, reason);
    this.queue = new HookQueue({
      maxWaiting: server.maxQueuedRequests,
      setPaused: (pause) => {
        this.queuePaused = pause;
        this.applyPause();
      },
      reportError: (error) => scope.reportError(error, this.ctx),
    });
    this.uploads = new RequestUploads(scope.uploads, this, this.ctx, (full) => {
      this.fullSinks += 1;
      this.applyPause();
      void full.then(() => {
        this.fullSinks = Math.max(0, this.fullSinks - 1);
        this.applyPause();
      });
    });
    this.decoder = new HxWsDecoder({
      limits,
      timers: options.timers,
      onTimeout: (error) => this.failProtocol(error),
      chunks: { begin: (file) => this.uploads.begin(file), write: (file, bytes) => this.uploads.write(file, bytes) },
      refuse: (error, id) => this.refuseRequest(id, error.message, error),
      chunksInMemory: !options.fileSink,
    });
    this.guard = installFrameGuard(socket, {
      maxTextBytes: limits.maxTextFrameBytes,
      maxPayload: scope.maxPayload,
      frameTimeoutMs: server.frameTimeoutMs,
      maxFramesPerMessage: server.maxFramesPerMessage,
      discarding: () => this.decoder.discarding,
      minBytesPerSecond: limits.minBytesPerSecond,
      timers: options.timers ?? systemTimers,
      expectedBinary: () => this.decoder.expectedBinaryBytes,
      onFileBytes: (bytes) => this.decoder.touch(bytes),
      // Chunks stream into their sink as they arrive: `ws` would hold each one whole, and copy it.
      stream: () => !this.cause && this.decoder.streamable,
      onStreamBytes: (bytes) => this.decode(bytes.length, () => this.decoder.streamPart(bytes)),
      onStreamEnd: () => this.decode(0, () => this.decoder.streamEnd()),
      onRefuse: (error) => this.failProtocol(error),
    });
    if (server.pingIntervalMs > 0) (raw as Partial<Socket>).setKeepAlive?.(true, server.pingIntervalMs);
    scope.clients.add(this.ctx);
    scope.connections.add(this);
    this.recovering =
      scope.recovery && asksRecovery(req)
        ? {
            store: scope.recovery,
            rooms: scope.rooms,
            ctx: this.ctx,
            socket,
            queue: this.queue,
            onConnection: options.onConnection,
            maxBufferedBytes: server.maxBufferedBytes,
            reportError: (error) => scope.reportError(error, this.ctx),
            failProtocol: (error) => this.failProtocol(error),
            close: (...args) => this.close(...args),
          }
        : undefined;
    if (this.recovering) {
      // Not a member of anything, and no onConnection, until the offer says which session it is.
      this.awaitingOffer = true;
      this.ctx.recovery = this.recovering.store;
    } else scope.rooms.add(this.ctx);

    raw.on('data', () => (this.alive = true));
    socket.on('message', (data: RawData, isBinary: boolean) => this.message(data, isBinary));
    // ws answers each ping with a pong before this event: a client that pings and never reads
    // fills the send buffer as surely as one that is sent messages. ws (8.18+) itself drops a
    // socket with too many pongs unsent (maxPendingAutoPongs), without a close frame.
    socket.on('ping', () => {
      if (socket.readyState !== WebSocket.OPEN) this.cause ??= 'backpressure';
      else if (socket.bufferedAmount > server.maxBufferedBytes) this.ctx.overflow();
    });
    socket.on('error', (error: Error) => {
      // ws refused a frame itself (over maxPayload, bad UTF-8, a broken frame) and closes.
      if (!this.cause) [this.cause, this.error] = ['protocol', error];
      scope.reportError(error, this.ctx);
    });
    let closed!: () => void;
    this.closed = new Promise((resolve) => (closed = resolve));
    socket.on('close', (code: number, reason: Buffer) => {
      this.onClosed(code, reason.toString('utf8'));
      closed();
    });
    const onConnection = options.onConnection;
    if (onConnection && !this.awaitingOffer) this.queue.enqueue('onConnection', () => onConnection(this.ctx));
  }

  /**
   * One heartbeat tick: terminates the socket if nothing arrived since the last tick, else pings
   * it. A socket whose reading the app paused counts as alive.
   */
  heartbeat(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.paused) {
      this.alive = true;
      return;
    }
    if (!this.alive) {
      this.terminate('heartbeat');
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /**
   * Closes the socket with `code`. With `drain`, the handlers already queued run first (their
   * acks go out), for at most `closeTimeoutMs`. Data frames that arrive meanwhile are dropped
   * unread. Only the first close counts.
   */
  close(cause: CloseCause, code: number, reason: string, error?: Error, drain = true): void {
    if (this.cause || this.socket.readyState !== WebSocket.OPEN) return;
    this.cause = cause;
    this.error = error;
    this.queue.closing = true;
    this.queuePaused = false;
    this.fullSinks = 0;
    this.applyPause();
    this.guard?.stopData();
    // ws cannot see the peer's answer any more: stop reading (nothing would be kept, but each
    // read costs a buffer) and, once the close frame is out, end our side; ws's close timer
    // destroys the socket if the peer does not end it first.
    const deaf = this.guard?.passesNothing === true;
    if (deaf) this.raw.pause();
    const send = (): void => {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.close(code, closeReason(reason));
      if (deaf) this.raw.end();
    };
    if (!drain) return send();
    void this.queue.drained(this.scope.server.closeTimeoutMs).then(send);
  }

  /** Drops the connection without a closing handshake. */
  terminate(cause: CloseCause): void {
    this.cause ??= cause;
    this.socket.terminate();
  }

  /** A protocol error: reported, and the socket closed with its code. */
  failProtocol(error: ProtocolError): void {
    if (this.cause) return;
    this.scope.reportError(error, this.ctx);
    this.close('protocol', error.code, error.message, error);
  }

  /**
   * Refuses one request and keeps the socket: `<hx-ws-refused>` with its id and `reason` goes to
   * the client at once (before the acks of requests still queued: the page matches it by id),
   * and the app's `onError` hears of it as a {@link RequestRefusedError}.
   */
  refuseRequest(id: string, reason: string, cause?: unknown): void {
    if (this.cause) return;
    this.scope.reportError(new RequestRefusedError(id, reason, cause), this.ctx);
    this.ctx.sendControl(formatRefused(id, refusalReason(reason)));
  }

  /** Pauses reading while the handler queue is behind or a sink is full; reads again when neither. */
  private applyPause(): void {
    const pause = !this.cause && (this.queuePaused || this.fullSinks > 0);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) {
      this.socket.pause();
      this.decoder.suspend();
      this.guard?.pause();
    } else {
      this.socket.resume();
      this.decoder.resume();
      this.guard?.unpause();
    }
  }

  private message(data: RawData, isBinary: boolean): void {
    this.scope.rooms.stats.received(Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength);
    if (this.cause || this.decoder.error) return;
    if (this.firstFrame) {
      this.firstFrame = false;
      const text = isBinary ? undefined : String(data);
      if (this.awaitingOffer) {
        this.awaitingOffer = false;
        if (text === undefined) this.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer, not binary'));
        else answerOffer(this.recovering!, text);
        return;
      }
      if (text !== undefined && mayBeOffer(text)) {
        // A recovering client on a server with recovery off: say so, and serve it without.
        this.ctx.sendControl(formatSession(undefined, false));
        return;
      }
    }
    this.decode(0, () => this.decoder.push(data, isBinary));
  }

  /**
   * One step of the decoder (a whole frame, or a part or the end of a streamed chunk, whose
   * `bytes` count as received), the statuses it owes sent, the request it completed delivered.
   */
  private decode(bytes: number, step: () => HxWsRequest | undefined | void): void {
    if (bytes > 0) this.scope.rooms.stats.received(bytes);
    if (this.cause || this.decoder.error) return;
    let request: HxWsRequest | undefined | void;
    try {
      request = step();
    } catch (error) {
      if (error instanceof ProtocolError) this.failProtocol(error);
      else this.scope.reportError(error as Error, this.ctx);
      return;
    } finally {
      this.uploads.flushStatuses();
    }
    if (request) this.deliver(request);
  }

  /**
   * A whole request: queued for the handler. With chunked files, the client is told they all
   * arrived, and the handler runs once every sink has finished; a sink that fails drops the
   * request (reported, nothing handed to the handler).
   */
  private deliver(request: HxWsRequest): void {
    if (this.rate && !this.rate.take()) {
      const id = requestIdOf(request.headers);
      if (id !== undefined) this.refuseRequest(id, this.rate.describe());
      else this.failProtocol(new ProtocolError('rate-limited', `request ${this.rate.describe()}`));
      // Its chunked files, if any, are not kept.
      this.uploads.cutOff(false, () => new Error('hx-ws: request over the request rate'));
      return;
    }
    const files = this.uploads.take(request, (error) => this.scope.reportError(error, this.ctx));
    if (files === 'duplicate') {
      // A continuation of a request the handler already had (its done notice was lost): not
      // handled again, but acked again, as its ack may have been lost too.
      const ackId = this.scope.options.ack === false ? undefined : requestIdOf(request.headers);
      if (ackId !== undefined) this.ctx.sendControl(String(ackMessage(ackId)));
      return;
    }
    const handle = this.handlerTask(request);
    if (!files) this.queue.enqueue('handler', handle);
    else {
      const id = requestIdOf(request.headers);
      this.queue.enqueue('handler', async () => {
        if (await files()) return handle();
        // A sink failed (reported as it is): the page is told, unless it cannot be named.
        if (id !== undefined) this.refuseRequest(id, 'a file of this request could not be stored');
      });
    }
  }

  /**
   * The handler call for `request`, followed by its ack when the client asked for one. With
   * recovery, a request resent after a reconnect reaches the handler only the first time; when a
   * shared store cannot tell, the request is neither handled nor acked and the socket is closed
   * (1013), so that the page sends it again on its next socket.
   */
  private handlerTask(request: HxWsRequest): () => void | Promise<void> {
    const { scope, ctx } = this;
    const { handler, ack = true } = scope.options;
    const requestId = requestIdOf(request.headers);
    const ackId = ack ? requestId : undefined;
    const run = (first: boolean): void | Promise<void> => {
      if (!first) {
        if (ackId !== undefined) ctx.sendControl(String(ackMessage(ackId)));
        return undefined;
      }
      // `ctx.refuse(reason)` in the handler's synchronous part: the refusal instead of the ack.
      const handling: { id: string | undefined; refused?: string } = { id: requestId };
      ctx.handling = handling;
      try {
        return handler(request, ctx);
      } finally {
        ctx.handling = undefined;
        if (handling.refused !== undefined) this.refuseRequest(requestId!, handling.refused);
        else if (ackId !== undefined) ctx.sendControl(String(ackMessage(ackId)));
      }
    };
    return () => {
      if (!(requestId && ctx.recovery)) return run(true);
      // A recovering connection whose offer was not answered (the store failed): nothing to check against.
      if (!ctx.session) return undefined;
      const first = ctx.recovery.firstDelivery(ctx.session, requestId);
      if (!isPromise(first)) return run(first);
      return first.then(run, (error: unknown) => storeFailed(this.recovering!, error));
    };
  }

  private onClosed(code: number, reason: string): void {
    const { scope, ctx } = this;
    this.queue.closing = true;
    // A chunked request cut off: kept for a resume after a drop; removed after a refusal.
    const keep = this.cause === undefined || this.cause === 'peer' || this.cause === 'heartbeat' || this.cause === 'backpressure' || this.cause === 'expired';
    this.uploads.cutOff(keep, () => this.error ?? new Error(`hx-ws: upload cut off (${this.cause})`));
    this.decoder.close();
    this.guard?.close();
    scope.clients.delete(ctx);
    scope.connections.delete(this);
    if (ctx.session && scope.recovery) scope.recovery.keep(ctx.session, ctx.id, ctx.rooms, ctx.data);
    ctx.detach();
    const onClose = scope.options.onClose;
    const info = { cause: this.cause ?? 'peer', ...(this.error ? { error: this.error } : {}) };
    scope.rooms.stats.closed(info.cause);
    if (onClose) this.queue.enqueue('onClose', () => onClose(ctx, code, reason, info));
  }
}
