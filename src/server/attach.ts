/// <reference types="node" />
/**
 * Adapter between an `http.Server`, the `ws` package and {@link HxWsDecoder}: it accepts
 * WebSocket upgrades on one path (after Host, Origin and connection-count checks), decodes each
 * socket's frames and calls the app's handler once per whole request.
 *
 * This file wires the parts, one folder each: `http/` decides which upgrades are taken
 * (`admission.ts`, with the Host and Origin rules of `origin.ts`); `socket/` serves one socket
 * (`server-connection.ts`, with `frame-guard.ts` in front of `ws`'s parser, `hook-queue.ts` for
 * the order of app code, `connection-context.ts` for what the app sees, `server-limits.ts` for
 * the socket limits); `decoder/` turns frames into requests; `uploads/` takes chunked files into
 * their sinks; `hub/` delivers broadcast and room messages, here (`rooms.ts`) and through the
 * adapter (`adapter.ts`) on the other processes; `recovery/` is where the log and the sessions
 * of recovery live (`recovery-store.ts`, the contract; `memory-store.ts`, or the adapter's own
 * store) and how a connection recovers (`replay.ts`); `redis/` is the Redis adapter.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HxWsContext } from './context.js';
import type { HxWsServer, HxWsServerOptions } from './options.js';
import { resolveLimits } from './decoder/decoder-limits.js';
import { Admission } from './http/admission.js';
import { authenticateUpgrade, defaultUserKey } from './http/authenticate.js';
import { memoryAdapter } from './hub/adapter.js';
import { Rooms, type ClusterReporting } from './hub/rooms.js';
import { MemoryRecoveryStore } from './recovery/memory-store.js';
import type { ConnectionContext } from './socket/connection-context.js';
import { ConnectionTable } from './socket/connection-table.js';
import { ServerConnection, type ServerScope } from './socket/server-connection.js';
import { RequestRate } from './socket/request-rate.js';
import { resolveServerLimits } from './socket/server-limits.js';
import { systemTimers } from './decoder/decoder-limits.js';
import { UploadStore } from './uploads/upload-store.js';
import { claimZlibLimit, perMessageDeflate, resolveCompression } from './wire/compression.js';
import { FrameWriter } from './wire/frame-writer.js';

function defaultOnError(error: Error): void {
  console.error(error);
}

/** Runs `tick` every `ms` (not at all for 0), without keeping the process alive. */
function every(ms: number, tick: () => void): () => void {
  if (ms <= 0) return () => {};
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Serves hx-ws on an HTTP(S) server: handles `upgrade` requests for `options.path`, checks their
 * Host, Origin and the connection limits, decodes each socket's frames with {@link HxWsDecoder}
 * and calls `options.handler` per whole request. Frames are checked from their headers, before
 * `ws` buffers them: a text message over `maxTextFrameBytes` is refused (1009), and so is a
 * binary one nobody asked for or longer than the file it carries (1003). `ws`'s own
 * `maxPayload` (the largest of the text-frame limit, what a file may bring into memory, and a chunk) stays as a second line.
 *
 * @param server the HTTP or HTTPS server whose upgrades to handle
 * @param options path, origin policy, limits, handler and hooks
 * @throws {TypeError} when an `origins` entry is not an http(s) origin
 * @throws {RangeError} when a limit is not a positive integer, or `requestRate` or
 *   `authenticateTimeoutMs` is not a positive number, or a `compression` number is out of range
 * @throws {TypeError} when `compression` is not a boolean or an object of known options
 */
export function attachHxWs(server: HttpServer | HttpsServer, options: HxWsServerOptions): HxWsServer {
  const limits = resolveLimits(options.limits);
  const serverLimits = resolveServerLimits(options);
  const authTimeoutMs = options.authenticateTimeoutMs ?? 10_000;
  if (!(authTimeoutMs > 0)) throw new RangeError(`hx-ws: authenticateTimeoutMs must be a positive number, got ${String(authTimeoutMs)}`);
  // A bad rate is said now, not at each connection.
  if (options.requestRate) void new RequestRate(options.requestRate);
  const compression = resolveCompression(options.compression);
  if (compression) claimZlibLimit(compression.concurrencyLimit);
  // The largest frame ws may buffer: a text message, an unchunked file (in memory), or a chunk
  // (never longer than its file).
  const maxPayload = Math.max(
    limits.maxTextFrameBytes,
    Math.min(limits.maxFileBytes, limits.maxMemoryFileBytes),
    Math.min(limits.maxFileBytes, limits.maxChunkBytes),
  );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    // The frame guard needs the decoder to have seen a frame as soon as ws has parsed it.
    allowSynchronousEvents: true,
    closeTimeout: serverLimits.closeTimeoutMs,
    perMessageDeflate: compression ? perMessageDeflate(compression) : false,
  } as ConstructorParameters<typeof WebSocketServer>[0]);
  const wire = new FrameWriter(compression);
  wire.listen(wss);
  const reportError = (error: Error, ctx: HxWsContext | undefined): void => {
    try {
      (options.onError ?? defaultOnError)(error, ctx);
    } catch (thrown) {
      console.error(thrown);
    }
  };
  const adapter = options.adapter ?? memoryAdapter();
  const recoveryOptions = options.recovery === true ? {} : options.recovery || undefined;
  const reporting: ClusterReporting = {
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
  };
  // Recovery: with an adapter that has a store of its own (Redis), the log and the sessions live
  // there; else in this process's memory. Opened by the rooms once the adapter has started.
  const rooms = new Rooms(
    adapter,
    reporting,
    recoveryOptions && ((serverId, feed) => adapter.recovery?.(recoveryOptions, feed) ?? new MemoryRecoveryStore(serverId, recoveryOptions)),
    wire,
  );
  const recovery = rooms.recovery;
  const scope: ServerScope = {
    recovery,
    options,
    limits,
    server: serverLimits,
    guard: {
      maxTextBytes: limits.maxTextFrameBytes,
      maxPayload,
      frameTimeoutMs: serverLimits.frameTimeoutMs,
      maxFramesPerMessage: serverLimits.maxFramesPerMessage,
      minBytesPerSecond: limits.minBytesPerSecond,
      timers: options.timers ?? systemTimers,
    },
    rooms,
    clients: new Set<ConnectionContext>(),
    connections: new ConnectionTable<ServerConnection>(serverLimits.pingIntervalMs),
    uploads: new UploadStore(options.fileSink, serverLimits.resumeWindowMs),
    reportError,
  };
  // Refusals before any connection exists reach onError with no ctx.
  const admission = new Admission(
    server,
    options,
    serverLimits,
    (error) => {
      rooms.stats.refused(error.status);
      reportError(error, undefined);
    },
    (status) => rooms.stats.refused(status),
  );

  const authenticate = options.authenticate;
  const userKey = options.userKey ?? defaultUserKey;
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, identity?: { user: unknown; key: string }): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      wire.adopt(ws, req);
      void new ServerConnection(scope, ws, req, socket, identity);
      wss.emit('connection', ws, req);
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!admission.admit(req, socket)) return;
    if (!authenticate) return upgrade(req, socket, head);
    // Until ws takes the socket, its errors (a client that gave up) are ours to swallow.
    const dropped = (): void => void socket.destroy();
    socket.on('error', dropped);
    void authenticateUpgrade(authenticate, req, authTimeoutMs).then((outcome) => {
      socket.off('error', dropped);
      if (socket.destroyed || !socket.writable) return; // the client left while we asked
      if (!('user' in outcome)) return admission.refuseAuthentication(req, socket, outcome.status, outcome.reason, outcome.cause);
      let key: string;
      try {
        key = String(userKey(outcome.user));
      } catch (error) {
        return admission.refuseAuthentication(req, socket, 500, `userKey threw: ${(error as Error)?.message ?? String(error)}`, error);
      }
      upgrade(req, socket, head, { user: outcome.user, key });
    });
  };
  server.on('upgrade', onUpgrade);
  // The heartbeat: one slot of connections per tick, so each connection is pinged once per
  // interval and no tick holds the event loop for a whole round.
  const stopHeartbeat = every(serverLimits.pingIntervalMs && scope.connections.tickMs, () => scope.connections.tick());

  return {
    wss,
    clients: scope.clients,
    serverId: rooms.serverId,
    broadcast: (html, opts = {}) => rooms.broadcast(String(html), opts.except, opts.local),
    toRoom: (room, html, opts = {}) => rooms.toRoom(room, String(html), opts.except, opts.local),
    count: (room) => rooms.count(room),
    position: () => recovery?.position(),
    stats: () => rooms.stats.snapshot(scope.connections.size, rooms.roomCount),
    close: async (code = 1012, reason = 'server restarting') => {
      server.off('upgrade', onUpgrade);
      stopHeartbeat();
      const connections = [...scope.connections];
      for (const connection of connections) connection.close('shutdown', code, reason);
      const deadline = setTimeout(() => {
        for (const connection of scope.connections) connection.terminate('shutdown');
      }, serverLimits.closeTimeoutMs);
      await Promise.all(connections.map((connection) => connection.closed));
      clearTimeout(deadline);
      scope.uploads.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      try {
        await rooms.close();
      } catch (error) {
        console.error(error);
      }
    },
  };
}
