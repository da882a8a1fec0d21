/// <reference types="node" />
/**
 * One socket's life ({@link ServerConnection}): its frames go through a {@link FrameGuard} and
 * the decoder into requests, the app's hooks run in order through a {@link HookQueue}, requests
 * are acknowledged, and the socket is closed for a protocol error (after the handlers already
 * queued, and their acks), a full send buffer, a missed heartbeat or a shutdown, with the cause
 * told to `onClose`. Also what every connection of one server shares ({@link ServerScope}), and
 * the close reason rule.
 *
 * An idle connection holds little: the connection lends itself (methods, not closures) to its
 * frame guard, hook queue, context and recovery; its decoder, chunked uploads and hook queue are
 * made when a frame or a hook needs them and let go once idle again; the socket's events reach
 * it through one shared listener per event; liveness is read from the TCP socket's `bytesRead`.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { HxWsContext, HxWsUpgradeRequest } from '../context.js';
import { HxWsDecoder } from '../decoder/decoder.js';
import type { DecoderLimits } from '../decoder/decoder-limits.js';
import type { HxWsRequest } from '../decoder/request.js';
import { ProtocolError, RequestRefusedError, type HookError } from '../errors.js';
import type { Rooms } from '../hub/rooms.js';
import { ackMessage, requestIdOf } from '../html.js';
import type { CloseCause, HxWsServerOptions } from '../options.js';
import { isPromise, type RecoveryStore } from '../recovery/recovery-store.js';
import { answerOffer, asksRecovery, storeFailed, type RecoveringConnection } from '../recovery/replay.js';
import { RequestUploads } from '../uploads/request-uploads.js';
import type { UploadStore } from '../uploads/upload-store.js';
import { CLOSE_EXPIRED, formatRefused, formatSession, mayBeOffer } from '../../protocol.js';
import { ConnectionContext, type ContextOwner } from './connection-context.js';
import type { ConnectionTable } from './connection-table.js';
import { installFrameGuard, type FrameGuard, type FrameGuardHost, type FrameGuardLimits } from './frame-guard.js';
import { guardInflate } from '../wire/inflate-guard.js';
import { HookQueue, type HookQueueHost } from './hook-queue.js';
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
  /** The frame guard's limits (from the two above), one object for every socket. */
  readonly guard: FrameGuardLimits;
  /** This process's rooms, and the adapter to the other processes. */
  readonly rooms: Rooms;
  /** The open connections, as the app sees them. */
  readonly clients: Set<ConnectionContext>;
  /** The open connections, in their heartbeat slots. */
  readonly connections: ConnectionTable<ServerConnection>;
  /** Chunked uploads in progress, and those a drop cut off. */
  readonly uploads: UploadStore;
  /** The message log and page sessions, when recovery is on. */
  readonly recovery: RecoveryStore | undefined;
  /** Hands an error to the app's `onError` (or `console.error`). */
  reportError(error: Error, ctx: HxWsContext): void;
}

/** Where a served `ws` socket keeps its connection, for the shared listeners. */
const CONNECTION = Symbol('hx-ws connection');

/** A `ws` socket with its connection. */
type ServedSocket = WebSocket & { [CONNECTION]: ServerConnection };

/** What is kept of the upgrade request: the request's own URL, method, headers and socket. */
function keptRequest(req: HxWsUpgradeRequest): HxWsUpgradeRequest {
  return { url: req.url, method: req.method, headers: req.headers, socket: req.socket };
}

/** One upgraded socket, served until it closes. */
export class ServerConnection implements FrameGuardHost, HookQueueHost, ContextOwner, RecoveringConnection {
  /** What the app sees of the connection. */
  readonly ctx: ConnectionContext;
  /** Its heartbeat slot in {@link ServerScope.connections}. */
  slot = -1;
  /** `bytesRead` of the TCP socket at the last ping; -1 before the first (and while paused). */
  private readAtPing = -1;
  private paused = false;
  /** Reading paused because the handler queue is behind. */
  private queuePaused = false;
  /** Sinks that are full: reading pauses until each has drained. */
  private fullSinks = 0;
  /** The chunked files of the request whose bytes are arriving, while there are any. */
  private uploadsPart: RequestUploads | undefined;
  /** Set once the server closes the socket, with why. */
  private cause: CloseCause | undefined;
  private error: Error | undefined;
  /** The decoder, while a request is arriving (or after it failed). */
  private decoderPart: HxWsDecoder | undefined;
  private readonly guard: FrameGuard | undefined;
  /** The connection's app code, in order: made at the first hook. */
  private queuePart: HookQueue | undefined;
  /** Recovery: the connection waits for its offer frame before anything else. */
  private awaitingOffer = false;
  /** Whether no data frame has arrived yet. */
  private firstFrame = true;
  /** The request rate, when the app set one. */
  private readonly rate: RequestRate | undefined;
  /** Bytes of data events, for a stream with no `bytesRead` of its own (not a TCP or TLS socket). */
  private dataBytes: number | undefined;
  /** Whether the socket has closed. */
  private ended = false;
  /** Resolves {@link closed}, once someone waits for it. */
  private resolveClosed: (() => void) | undefined;
  private closedPromise: Promise<void> | undefined;

  /**
   * @param scope what the server's connections share
   * @param socket the `ws` socket
   * @param req the upgrade request (only its URL, method, headers and socket are kept)
   * @param raw the TCP (or TLS) socket under it
   * @param identity what `authenticate` said (its user, and the user's key), if the app has it
   */
  constructor(
    readonly scope: ServerScope,
    readonly socket: WebSocket,
    req: HxWsUpgradeRequest,
    private readonly raw: Duplex,
    identity?: { user: unknown; key: string },
  ) {
    const { options, server } = scope;
    this.rate = options.requestRate ? new RequestRate(options.requestRate) : undefined;
    this.ctx = new ConnectionContext(socket, keptRequest(req), scope.rooms, this);
    if (identity) {
      this.ctx.user = identity.user;
      this.ctx.userKey = identity.key;
    }
    this.guard = installFrameGuard(socket, scope.guard, this);
    // Compressed frames: their inflated size is bounded as the guard bounds plain ones.
    if (socket.extensions.includes('permessage-deflate')) {
      guardInflate(socket, (text) => (text ? scope.guard.maxTextBytes : Math.min(scope.guard.maxPayload, this.expectedBinary() ?? 1)));
    }
    if (server.pingIntervalMs > 0) (raw as Partial<Socket>).setKeepAlive?.(true, server.pingIntervalMs);
    if (typeof (raw as Partial<Socket>).bytesRead !== 'number') {
      this.dataBytes = 0;
      raw.on('data', (chunk: Buffer) => (this.dataBytes! += chunk.length));
    }
    scope.clients.add(this.ctx);
    scope.connections.add(this);
    if (scope.recovery && asksRecovery(req)) {
      // Not a member of anything, and no onConnection, until the offer says which session it is.
      this.awaitingOffer = true;
      this.ctx.recovery = scope.recovery;
    } else scope.rooms.add(this.ctx);

    (socket as ServedSocket)[CONNECTION] = this;
    socket.on('message', ServerConnection.onMessage);
    socket.on('ping', ServerConnection.onPing);
    socket.on('error', ServerConnection.onError);
    socket.on('close', ServerConnection.onClose);
    const onConnection = options.onConnection;
    if (onConnection && !this.awaitingOffer) this.queue.enqueue('onConnection', () => onConnection(this.ctx));
  }

  // The socket's events, one listener each for every connection (called on the socket).
  private static onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    (this as ServedSocket)[CONNECTION].message(data, isBinary);
  }

  // ws answers each ping with a pong before this event: a client that pings and never reads
  // fills the send buffer as surely as one that is sent messages. ws (8.18+) itself drops a
  // socket with too many pongs unsent (maxPendingAutoPongs), without a close frame.
  private static onPing(this: WebSocket): void {
    const connection = (this as ServedSocket)[CONNECTION];
    if (this.readyState !== WebSocket.OPEN) connection.cause ??= 'backpressure';
    else if (this.bufferedAmount > connection.scope.server.maxBufferedBytes) connection.ctx.overflow();
  }

  // ws refused a frame itself (over maxPayload, bad UTF-8, a broken frame) and closes.
  private static onError(this: WebSocket, error: Error): void {
    const connection = (this as ServedSocket)[CONNECTION];
    if (!connection.cause) [connection.cause, connection.error] = ['protocol', error];
    connection.scope.reportError(error, connection.ctx);
  }

  private static onClose(this: WebSocket, code: number, reason: Buffer): void {
    const connection = (this as ServedSocket)[CONNECTION];
    connection.onClosed(code, reason.toString('utf8'));
    connection.ended = true;
    connection.resolveClosed?.();
  }

  /** Resolves once the socket has closed. */
  get closed(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return (this.closedPromise ??= new Promise((resolve) => (this.resolveClosed = resolve)));
  }

  /** The connection's app code, in order. */
  get queue(): HookQueue {
    return (this.queuePart ??= new HookQueue(this, this.scope.server.maxQueuedRequests));
  }

  /** The decoder of the request arriving now (made for its first frame). */
  private get decoder(): HxWsDecoder {
    if (!this.decoderPart) {
      const { limits, options } = this.scope;
      this.decoderPart = new HxWsDecoder({
        limits,
        timers: options.timers,
        onTimeout: (error) => this.failProtocol(error),
        chunks: { begin: (file) => this.uploads.begin(file), write: (file, bytes) => this.uploadsPart?.write(file, bytes) },
        refuse: (error, id) => this.refuseRequest(id, error.message, error),
        chunksInMemory: !options.fileSink,
      });
      if (this.paused) this.decoderPart.suspend();
    }
    return this.decoderPart;
  }

  /** The chunked files of the request arriving now. */
  private get uploads(): RequestUploads {
    return (this.uploadsPart ??= new RequestUploads(this.scope.uploads, this, this.ctx, (full) => {
      this.fullSinks += 1;
      this.applyPause();
      void full.then(() => {
        this.fullSinks = Math.max(0, this.fullSinks - 1);
        this.applyPause();
      });
    }));
  }

  /** Lets go of the decoder and the uploads part once they hold nothing a new one would not. */
  private settle(): void {
    const decoder = this.decoderPart;
    if (decoder && !decoder.pending && !decoder.discarding && !decoder.error) this.decoderPart = undefined;
    if (this.uploadsPart?.idle) this.uploadsPart = undefined;
  }

  // FrameGuardHost
  expectedBinary(): number | undefined {
    return this.decoderPart?.expectedBinaryBytes;
  }

  discarding(): boolean {
    return this.decoderPart?.discarding === true;
  }

  onFileBytes(bytes: number): void {
    this.decoderPart?.touch(bytes);
  }

  // Chunks stream into their sink as they arrive: `ws` would hold each one whole, and copy it.
  stream(): boolean {
    return !this.cause && this.decoderPart?.streamable === true;
  }

  onStreamBytes(bytes: Buffer): void {
    this.decode(bytes.length, () => this.decoder.streamPart(bytes));
  }

  onStreamEnd(): void {
    this.decode(0, () => this.decoder.streamEnd());
  }

  onRefuse(error: ProtocolError): void {
    this.failProtocol(error);
  }

  hold(on: boolean): void {
    if (on) this.raw.pause();
    else if (!this.paused) this.raw.resume();
  }

  // HookQueueHost
  setQueuePaused(pause: boolean): void {
    this.queuePaused = pause;
    this.applyPause();
  }

  reportHookError(error: HookError): void {
    this.scope.reportError(error, this.ctx);
  }

  // ContextOwner
  get maxBufferedBytes(): number {
    return this.scope.server.maxBufferedBytes;
  }

  sendBufferFull(): void {
    this.close('backpressure', 1013, `send buffer over maxBufferedBytes ${this.maxBufferedBytes}`, undefined, false);
  }

  credentialsExpired(reason: string): void {
    this.close('expired', CLOSE_EXPIRED, reason);
  }

  // RecoveringConnection (used only when the page asked and the server has recovery on)
  get store(): RecoveryStore {
    return this.scope.recovery!;
  }

  get rooms(): Rooms {
    return this.scope.rooms;
  }

  get onConnection(): HxWsServerOptions['onConnection'] {
    return this.scope.options.onConnection;
  }

  reportError(error: Error): void {
    this.scope.reportError(error, this.ctx);
  }

  /** How many bytes the TCP socket has read (counted from its data events where it has no `bytesRead`). */
  private get bytesRead(): number {
    return this.dataBytes ?? (this.raw as Socket).bytesRead;
  }

  /**
   * One heartbeat tick: terminates the socket if nothing arrived since the last tick, else pings
   * it. A socket whose reading the app paused counts as alive.
   */
  heartbeat(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.paused) {
      this.readAtPing = -1;
      return;
    }
    const read = this.bytesRead;
    if (read === this.readAtPing) {
      this.terminate('heartbeat');
      return;
    }
    this.readAtPing = read;
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
    if (this.queuePart) this.queuePart.closing = true;
    this.queuePaused = false;
    this.fullSinks = 0;
    this.applyPause();
    this.guard?.stopData();
    // ws cannot see the peer's answer any more: stop reading (nothing would be kept, but each
    // read costs a buffer) and, once the close frame is out, end our side. Not reading, we do
    // not see the peer end its side either: ws's close timer destroys the socket (closeTimeoutMs).
    const deaf = this.guard?.passesNothing === true;
    if (deaf) this.raw.pause();
    const send = (): void => {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.close(code, closeReason(reason));
      if (deaf) this.raw.end();
    };
    if (!drain) return send();
    // After the queued handlers; with none (no queue made yet), still after this turn's code, as with an empty queue.
    void (this.queuePart?.drained(this.scope.server.closeTimeoutMs) ?? Promise.resolve()).then(send);
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
      this.decoderPart?.suspend();
      this.guard?.pause();
    } else {
      this.socket.resume();
      this.decoderPart?.resume();
      this.guard?.unpause();
    }
  }

  private message(data: RawData, isBinary: boolean): void {
    try {
      this.take(data, isBinary);
    } finally {
      this.guard?.arrived();
    }
  }

  /** A data message from `ws`: the recovery offer, or frames for the decoder. */
  private take(data: RawData, isBinary: boolean): void {
    this.scope.rooms.stats.received(Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength);
    if (this.cause || this.decoderPart?.error) return;
    if (this.firstFrame) {
      this.firstFrame = false;
      const text = isBinary ? undefined : String(data);
      if (this.awaitingOffer) {
        this.awaitingOffer = false;
        if (text === undefined) this.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer, not binary'));
        else answerOffer(this, text);
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
    if (this.cause || this.decoderPart?.error) return;
    let request: HxWsRequest | undefined | void;
    try {
      request = step();
    } catch (error) {
      if (error instanceof ProtocolError) this.failProtocol(error);
      else this.scope.reportError(error as Error, this.ctx);
      return;
    } finally {
      this.uploadsPart?.flushStatuses();
    }
    if (request) this.deliver(request);
    this.settle();
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
      this.uploadsPart?.cutOff(false, () => new Error('hx-ws: request over the request rate'));
      return;
    }
    // Without an uploads part, no chunked file of this request was begun.
    const files = this.uploadsPart?.take(request, (error) => this.scope.reportError(error, this.ctx));
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
      return first.then(run, (error: unknown) => storeFailed(this, error));
    };
  }

  private onClosed(code: number, reason: string): void {
    const { scope, ctx } = this;
    this.queue.closing = true;
    // A chunked request cut off: kept for a resume after a drop; removed after a refusal.
    const keep = this.cause === undefined || this.cause === 'peer' || this.cause === 'heartbeat' || this.cause === 'backpressure' || this.cause === 'expired';
    this.uploadsPart?.cutOff(keep, () => this.error ?? new Error(`hx-ws: upload cut off (${this.cause})`));
    this.uploadsPart = undefined;
    this.decoderPart?.close();
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
