/// <reference types="node" />
/**
 * Adapter between an `http.Server`, the `ws` package and {@link HxWsDecoder}: it accepts
 * WebSocket upgrades on one path (after an Origin check), decodes each socket's frames and
 * calls the app's handler once per whole request.
 *
 * The pieces: `upgrade.ts` and `origin.ts` decide which upgrades are taken, `connection.ts`
 * serves one socket (with `queue.ts` for the order of app code and `context.ts` for what the app
 * sees), `rooms.ts` delivers broadcast and room messages, here and through the adapter
 * (`adapter.ts`) on the other processes.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { closeReason, serveSocket, type ServerScope } from './connection.js';
import type { Connection } from './context.js';
import { resolveLimits } from './decoder.js';
import type { HxWsContext, HxWsServer, HxWsServerOptions } from './options.js';
import { originChecker } from './origin.js';
import { memoryAdapter } from './adapter.js';
import { Rooms } from './rooms.js';
import { pathMatcher, pathnameOf, refuse } from './upgrade.js';

export { closeReason } from './connection.js';
export { HookError } from './errors.js';
export type { BroadcastOptions, HxWsContext, HxWsServer, HxWsServerOptions, Sendable } from './options.js';
export type { OriginPolicy } from './origin.js';

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
  const reportError = (error: Error, ctx: HxWsContext | undefined): void => {
    try {
      (options.onError ?? defaultOnError)(error, ctx);
    } catch (thrown) {
      console.error(thrown);
    }
  };
  const rooms = new Rooms(options.adapter ?? memoryAdapter(), {
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
  const scope: ServerScope = { options, limits, rooms, clients: new Set<Connection>(), reportError };
  const matchPath = pathMatcher(options.path);
  const originAllowed = originChecker(options);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!matchPath(pathnameOf(req.url), req)) return;
    if (!originAllowed(req)) {
      refuse(socket, 403);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveSocket(scope, ws, req, socket);
      wss.emit('connection', ws, req);
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    wss,
    clients: scope.clients,
    serverId: rooms.serverId,
    broadcast: (html, opts = {}) => rooms.broadcast(String(html), opts.except, opts.local),
    toRoom: (room, html, opts = {}) => rooms.toRoom(room, String(html), opts.except, opts.local),
    count: (room) => rooms.count(room),
    close: (code = 1012, reason = 'server restarting') =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const client of scope.clients) client.socket.close(code, closeReason(reason));
        wss.close(() => {
          rooms
            .close()
            .catch((error: unknown) => console.error(error))
            .finally(resolve);
        });
      }),
  };
}
