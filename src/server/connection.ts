/// <reference types="node" />
/**
 * One socket's life: decodes its frames into requests, runs the app's hooks in order through a
 * {@link HookQueue}, acknowledges requests, and closes on a protocol error.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { Connection } from './context.js';
import { HxWsDecoder, type DecoderLimits, type HxWsRequest } from './decoder.js';
import { ProtocolError } from './errors.js';
import { ackMessage, requestIdOf } from './fragments.js';
import type { HxWsContext, HxWsServerOptions } from './options.js';
import { HookQueue } from './queue.js';
import type { Rooms } from './rooms.js';

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
  /** This process's rooms, and the adapter to the other processes. */
  readonly rooms: Rooms;
  /** The open connections. */
  readonly clients: Set<Connection>;
  /** Hands an error to the app's `onError` (or `console.error`). */
  reportError(error: Error, ctx: HxWsContext | undefined): void;
}

/** The handler call for `request`, followed by its ack when the client asked for one. */
function handlerTask(scope: ServerScope, request: HxWsRequest, ctx: Connection): () => void | Promise<void> {
  const { handler, ack = true } = scope.options;
  const ackId = ack ? requestIdOf(request.headers) : undefined;
  if (ackId === undefined) return () => handler(request, ctx);
  return () => {
    try {
      return handler(request, ctx);
    } finally {
      ctx.send(ackMessage(ackId));
    }
  };
}

/**
 * Serves one upgraded socket until it closes.
 * @param scope what the server's connections share
 * @param socket the `ws` socket
 * @param req the upgrade request
 * @param raw the TCP (or TLS) socket under it
 */
export function serveSocket(scope: ServerScope, socket: WebSocket, req: IncomingMessage, raw: Duplex): void {
  const { options, limits } = scope;
  const ctx = new Connection(socket, req, scope.rooms);
  scope.clients.add(ctx);
  scope.rooms.add(ctx);
  let paused = false;

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
  const queue = new HookQueue({ setPaused, reportError: (error) => scope.reportError(error, ctx) });

  const failProtocol = (error: ProtocolError): void => {
    if (queue.closing) return;
    queue.closing = true;
    setPaused(false);
    scope.reportError(error, ctx);
    socket.close(error.code, closeReason(error.message));
  };

  const decoder = new HxWsDecoder({ limits, timers: options.timers, onTimeout: failProtocol });

  // Raw bytes arriving (even inside one big frame) count as progress for the oob timeout.
  raw.on('data', () => decoder.touch());

  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (queue.closing || decoder.error) return;
    let request: HxWsRequest | undefined;
    try {
      request = decoder.push(data, isBinary);
    } catch (error) {
      if (error instanceof ProtocolError) failProtocol(error);
      else scope.reportError(error as Error, ctx);
      return;
    }
    if (request) queue.enqueue('handler', handlerTask(scope, request, ctx));
  });

  socket.on('error', (error: Error) => scope.reportError(error, ctx));

  socket.on('close', (code: number, reason: Buffer) => {
    queue.closing = true;
    decoder.close();
    scope.clients.delete(ctx);
    ctx.detach();
    const onClose = options.onClose;
    if (onClose) queue.enqueue('onClose', () => onClose(ctx, code, reason.toString('utf8')));
  });

  const onConnection = options.onConnection;
  if (onConnection) queue.enqueue('onConnection', () => onConnection(ctx));
}
