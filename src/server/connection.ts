/// <reference types="node" />
/**
 * One socket's life ({@link Session}): its frames go through a {@link FrameGuard} and the
 * decoder into requests, the app's hooks run in order through a {@link HookQueue}, requests are
 * acknowledged, and the socket is closed for a protocol error (after the handlers already
 * queued, and their acks), a full send buffer, a missed heartbeat or a shutdown, with the cause
 * told to `onClose`.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { Connection } from './context.js';
import { HxWsDecoder, type DecoderLimits, type HxWsRequest } from './decoder.js';
import { ProtocolError } from './errors.js';
import { installFrameGuard, type FrameGuard } from './frames.js';
import { ackMessage, requestIdOf } from './fragments.js';
import { systemTimers } from './limits.js';
import type { CloseCause, HxWsContext, HxWsServerOptions } from './options.js';
import { HookQueue } from './queue.js';
import type { Rooms } from './rooms.js';
import type { ServerLimits } from './server-limits.js';
import type { Upload, UploadStore } from './uploads.js';
import { formatUploadStatus, type UploadStatus } from '../protocol.js';
import type { HxWsFile } from './request.js';
import { formatPosition, formatSession, mayBeOffer, parseOffer, RECOVER_QUERY } from '../protocol.js';
import { Recovery, type RecoverySession } from './recovery.js';

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
  readonly clients: Set<Connection>;
  /** The open connections' sessions. */
  readonly sessions: Set<Session>;
  /** Chunked uploads in progress, and those a drop cut off. */
  readonly uploads: UploadStore;
  /** The message log and page sessions, when recovery is on. */
  readonly recovery: Recovery | undefined;
  /** Hands an error to the app's `onError` (or `console.error`). */
  reportError(error: Error, ctx: HxWsContext): void;
}

/** The handler call for `request`, followed by its ack when the client asked for one. */
function handlerTask(scope: ServerScope, request: HxWsRequest, ctx: Connection): () => void | Promise<void> {
  const { handler, ack = true } = scope.options;
  const requestId = requestIdOf(request.headers);
  const ackId = ack ? requestId : undefined;
  // Recovery: a request resent after a reconnect reaches the handler only the first time.
  const first = (): boolean => !(requestId && ctx.session && scope.recovery) || scope.recovery.firstDelivery(ctx.session, requestId);
  if (ackId === undefined) return () => (first() ? handler(request, ctx) : undefined);
  return () => {
    try {
      return first() ? handler(request, ctx) : undefined;
    } finally {
      ctx.sendControl(String(ackMessage(ackId)));
    }
  };
}

/** Whether the upgrade URL carries the recovery flag (`?hx-ws-recover=1`). */
function asksRecovery(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q >= 0 && new URLSearchParams(url.slice(q + 1)).get(RECOVER_QUERY) === '1';
}

/** Resolves once `socket`'s send buffer is at most `bytes`, or it is no longer open. */
async function drained(socket: WebSocket, bytes: number): Promise<void> {
  while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > bytes) await delay(5);
}

/** Resolves after `ms`, without keeping the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One upgraded socket, served until it closes. */
export class Session {
  /** What the app sees of the connection. */
  readonly ctx: Connection;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  /** Whether anything arrived since the last heartbeat. */
  private alive = true;
  private paused = false;
  /** Reading paused because the handler queue is behind. */
  private queuePaused = false;
  /** Sinks that are full: reading pauses until each has drained. */
  private fullSinks = 0;
  /** The chunked files of the request whose bytes are arriving, with their uploads. */
  private uploads = new Map<HxWsFile, Upload>();
  /** Upload statuses to send after the current frame (answers to resumed descriptors). */
  private statuses: UploadStatus[] = [];
  /** Whether every chunked file of the request being decoded was delivered before. */
  private duplicate = true;
  /** Set once the server closes the socket, with why. */
  private cause: CloseCause | undefined;
  private error: Error | undefined;
  private readonly decoder: HxWsDecoder;
  private readonly guard: FrameGuard | undefined;
  private readonly queue: HookQueue;
  /** Recovery: the connection waits for its offer frame before anything else. */
  private awaitingOffer = false;
  /** Whether no data frame has arrived yet. */
  private firstFrame = true;

  /**
   * @param scope what the server's connections share
   * @param socket the `ws` socket
   * @param req the upgrade request
   * @param raw the TCP (or TLS) socket under it
   */
  constructor(
    private readonly scope: ServerScope,
    private readonly socket: WebSocket,
    req: IncomingMessage,
    private readonly raw: Duplex,
  ) {
    const { options, limits, server } = scope;
    this.ctx = new Connection(socket, req, scope.rooms, server.maxBufferedBytes, () =>
      this.close('backpressure', 1013, `send buffer over maxBufferedBytes ${server.maxBufferedBytes}`, undefined, false),
    );
    this.queue = new HookQueue({
      setPaused: (pause) => {
        this.queuePaused = pause;
        this.applyPause();
      },
      reportError: (error) => scope.reportError(error, this.ctx),
    });
    this.decoder = new HxWsDecoder({
      limits,
      timers: options.timers,
      onTimeout: (error) => this.failProtocol(error),
      chunks: { begin: (file) => this.beginUpload(file), write: (file, bytes) => this.writeChunk(file, bytes) },
    });
    this.guard = installFrameGuard(socket, {
      maxTextBytes: limits.maxTextFrameBytes,
      maxPayload: scope.maxPayload,
      frameTimeoutMs: server.frameTimeoutMs,
      minBytesPerSecond: limits.minBytesPerSecond,
      timers: options.timers ?? systemTimers,
      expectedBinary: () => this.decoder.expectedBinaryBytes,
      onFileBytes: (bytes) => this.decoder.touch(bytes),
      onRefuse: (error) => this.failProtocol(error),
    });
    if (server.pingIntervalMs > 0) (raw as Partial<Socket>).setKeepAlive?.(true, server.pingIntervalMs);
    scope.clients.add(this.ctx);
    scope.sessions.add(this);
    if (scope.recovery && asksRecovery(req)) {
      // Not a member of anything, and no onConnection, until the offer says which session it is.
      this.awaitingOffer = true;
      this.ctx.recovery = scope.recovery;
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
   * Recovery: the first frame of a connection that asked. Answers with its session, puts it back
   * in its rooms with its `data` (a known session), runs `onConnection`, then sends the log after
   * the offered position (or after the session's start) and only then live messages.
   */
  private resume(text: string): void {
    const { scope, ctx } = this;
    const recovery = scope.recovery!;
    const offer = parseOffer(text);
    if (!offer) {
      this.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer {"HX-Recover":{...}}'));
      return;
    }
    const { session, recovered, restored, from } = recovery.resume(offer, ctx.id);
    ctx.session = session;
    ctx.recovered = recovered;
    ctx.holding = true;
    ctx.sendControl(formatSession(session.id, recovered, from));
    scope.rooms.add(ctx);
    if (restored) {
      for (const room of session.rooms) ctx.join(room);
      Object.assign(ctx.data, session.data);
    }
    const onConnection = scope.options.onConnection;
    if (onConnection) this.queue.enqueue('onConnection', () => onConnection(ctx));
    this.queue.enqueue('onConnection', () => this.replay(session, from));
  }

  /**
   * Recovery: sends the log after `from` that reaches this connection, at the pace its send
   * buffer allows (a long replay must not trip the high-water mark), until it has caught up with
   * the log's end; live messages are held meanwhile (they are in the log), and flow again once
   * the replay reaches the end, in the same tick.
   */
  private async replay(session: RecoverySession, from: string): Promise<void> {
    const { ctx, socket } = this;
    const recovery = this.scope.recovery!;
    const high = this.scope.server.maxBufferedBytes / 2;
    let after = from;
    for (;;) {
      const missed = recovery.since(after);
      if (missed === null) {
        // The log moved past the position while the page caught up: no partial replay.
        ctx.holding = false;
        this.close('backpressure', 1013, 'fell behind the recovery log', undefined, false);
        return;
      }
      if (missed.length === 0) break;
      for (const entry of missed) {
        after = entry.position;
        if (!Recovery.reaches(entry, session, ctx.rooms)) continue;
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(formatPosition(entry.position) + entry.html);
        if (socket.bufferedAmount > high) {
          await drained(socket, high / 2);
          break; // read the log again from `after`: it may have been trimmed meanwhile
        }
      }
    }
    ctx.holding = false;
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
    void Promise.race([this.queue.drained(), delay(this.scope.server.closeTimeoutMs)]).then(send);
  }

  /** Drops the connection without a closing handshake. */
  terminate(cause: CloseCause): void {
    this.cause ??= cause;
    this.socket.terminate();
  }

  private failProtocol(error: ProtocolError): void {
    if (this.cause) return;
    this.scope.reportError(error, this.ctx);
    this.close('protocol', error.code, error.message, error);
  }

  /** Pauses reading while the handler queue is behind or a sink is full; reads again when neither. */
  private applyPause(): void {
    const pause = !this.cause && (this.queuePaused || this.fullSinks > 0);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) {
      this.socket.pause();
      this.decoder.suspend();
      this.guard?.suspend();
    } else {
      this.socket.resume();
      this.decoder.resume();
      this.guard?.resume();
    }
  }

  private message(data: RawData, isBinary: boolean): void {
    if (this.cause || this.decoder.error) return;
    if (this.firstFrame) {
      this.firstFrame = false;
      const text = isBinary ? undefined : String(data);
      if (this.awaitingOffer) {
        this.awaitingOffer = false;
        if (text === undefined) this.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer, not binary'));
        else this.resume(text);
        return;
      }
      if (text !== undefined && mayBeOffer(text)) {
        // A recovering client on a server with recovery off: say so, and serve it without.
        this.ctx.sendControl(formatSession(undefined, false));
        return;
      }
    }
    let request: HxWsRequest | undefined;
    try {
      request = this.decoder.push(data, isBinary);
    } catch (error) {
      if (error instanceof ProtocolError) this.failProtocol(error);
      else this.scope.reportError(error as Error, this.ctx);
      return;
    } finally {
      this.flushStatuses();
    }
    if (request) this.deliver(request);
  }

  /** A chunked file's descriptor: a new upload, or the continuation of one a drop cut off. */
  private beginUpload(file: HxWsFile): number {
    if (this.uploads.size === 0) this.duplicate = true;
    const opened = this.scope.uploads.open(file, this, this.ctx);
    if ('delivered' in opened) {
      this.statuses.push(opened.delivered);
      return file.size;
    }
    this.duplicate = false;
    this.uploads.set(file, opened.upload);
    if (opened.status) this.statuses.push(opened.status);
    return opened.upload.received;
  }

  private writeChunk(file: HxWsFile, bytes: Buffer): void {
    const upload = this.uploads.get(file);
    // Another socket of the same page resumed it meanwhile: this one's bytes are stale.
    if (!upload || upload.owner !== this) return;
    const full = upload.write(bytes);
    if (!full) return;
    this.fullSinks += 1;
    this.applyPause();
    void full.then(() => {
      this.fullSinks = Math.max(0, this.fullSinks - 1);
      this.applyPause();
    });
  }

  private flushStatuses(): void {
    if (this.statuses.length === 0) return;
    const text = this.statuses.map(formatUploadStatus).join('');
    this.statuses = [];
    this.ctx.sendControl(text);
  }

  /**
   * A whole request: queued for the handler. With chunked files, the client is told they all
   * arrived, and the handler runs once every sink has finished; a sink that fails drops the
   * request (reported, nothing handed to the handler).
   */
  private deliver(request: HxWsRequest): void {
    const uploads = [...this.uploads];
    const duplicate = this.duplicate && request.files.some((f) => f.uploadId !== undefined);
    this.uploads = new Map();
    this.duplicate = true;
    if (uploads.length === 0) {
      if (duplicate) {
        // A continuation of a request the handler already had (its done notice was lost): not
        // handled again, but acked again, as its ack may have been lost too.
        const ackId = this.scope.options.ack === false ? undefined : requestIdOf(request.headers);
        if (ackId !== undefined) this.ctx.sendControl(String(ackMessage(ackId)));
        return;
      }
      this.queue.enqueue('handler', handlerTask(this.scope, request, this.ctx));
      return;
    }
    const { uploads: store } = this.scope;
    for (const [, upload] of uploads) store.markDelivered(upload);
    this.ctx.sendControl(uploads.map(([file, upload]) => formatUploadStatus({ id: upload.id, received: file.size, state: 'done' })).join(''));
    const handle = handlerTask(this.scope, request, this.ctx);
    this.queue.enqueue('handler', async () => {
      try {
        await Promise.all(uploads.map(([file, upload]) => upload.finish(file)));
      } catch (error) {
        for (const [, upload] of uploads) upload.discard(error as Error);
        this.scope.reportError(error as Error, this.ctx);
        return;
      }
      return handle();
    });
  }

  private onClosed(code: number, reason: string): void {
    const { scope, ctx } = this;
    this.queue.closing = true;
    // A chunked request cut off: kept for a resume after a drop; removed after a refusal.
    const keep = this.cause === undefined || this.cause === 'peer' || this.cause === 'heartbeat' || this.cause === 'backpressure';
    for (const [, upload] of this.uploads) {
      if (upload.owner !== this) continue;
      if (keep) scope.uploads.park(upload);
      else scope.uploads.discard(upload, this.error ?? new Error(`hx-ws: upload cut off (${this.cause})`));
    }
    this.uploads = new Map();
    this.decoder.close();
    this.guard?.close();
    scope.clients.delete(ctx);
    scope.sessions.delete(this);
    if (ctx.session && scope.recovery) scope.recovery.keep(ctx.session, ctx.id, ctx.rooms, ctx.data);
    ctx.detach();
    const onClose = scope.options.onClose;
    const info = { cause: this.cause ?? 'peer', ...(this.error ? { error: this.error } : {}) };
    if (onClose) this.queue.enqueue('onClose', () => onClose(ctx, code, reason, info));
  }
}
