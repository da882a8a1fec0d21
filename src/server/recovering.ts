/// <reference types="node" />
/**
 * Recovery on one connection (docs/protocol.md, "Recovery"): the offer and its answer, the
 * replay of what the page missed, and the request-id check before the handler. Works with
 * either kind of {@link RecoveryStore}: an in-memory one answers at once and everything happens
 * in the tick the offer arrived, as without a store; a shared one answers through I/O, and the
 * connection's app code waits in its queue meanwhile, in order.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { ConnectionContext } from './socket/connection-context.js';
import type { HxWsRequest } from './decoder/request.js';
import { ProtocolError } from './errors.js';
import { ackMessage, requestIdOf } from './html.js';
import type { CloseCause } from './options.js';
import { comparePositions, formatPosition, formatSession, parseOffer, RECOVER_QUERY } from '../protocol.js';
import { isPromise, reaches, type Resumption, type RecoverySession, type RecoveryStore } from './recovery-store.js';
import type { HookQueue } from './queue.js';
import type { ServerScope } from './scope.js';

/** What a connection lends to its recovery. */
export interface Recovering {
  readonly scope: ServerScope;
  readonly ctx: ConnectionContext;
  readonly socket: WebSocket;
  readonly queue: HookQueue;
  failProtocol(error: ProtocolError): void;
  close(cause: CloseCause, code: number, reason: string, error?: Error, drain?: boolean): void;
}

/** Whether the upgrade URL carries the recovery flag (`?hx-ws-recover=1`). */
export function asksRecovery(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q >= 0 && new URLSearchParams(url.slice(q + 1)).get(RECOVER_QUERY) === '1';
}

/** Resolves after `ms`, without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves once `socket`'s send buffer is at most `bytes`, or it is no longer open. */
async function drained(socket: WebSocket, bytes: number): Promise<void> {
  while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > bytes) await delay(5);
}

/** The store failed (a shared one lost its link): reported, and the page comes back later (1013). */
function storeFailed(c: Recovering, error: unknown): void {
  c.ctx.holding = false;
  c.scope.reportError(error instanceof Error ? error : new Error(String(error)), c.ctx);
  c.close('backpressure', 1013, 'recovery store unavailable', undefined, false);
}

/**
 * The first frame of a connection that asked. Answers with its session, puts it back in its
 * rooms with its `data` (a known session), runs `onConnection`, then sends the log after the
 * offered position (or after the session's start) and only then live messages.
 */
export function resume(c: Recovering, text: string): void {
  const { scope, ctx, queue } = c;
  const offer = parseOffer(text);
  if (!offer) {
    c.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer {"HX-Recover":{...}}'));
    return;
  }
  const onConnection = scope.options.onConnection;
  const decided = scope.recovery!.resume(offer, ctx.id);
  if (!isPromise(decided)) {
    begin(c, decided);
    if (onConnection) queue.enqueue('onConnection', () => onConnection(ctx));
    queue.enqueue('onConnection', () => replay(c, decided.session, decided.from));
    return;
  }
  // Queued at once: whatever the page sends next waits behind these three, in this order.
  let resumption: Resumption | undefined;
  queue.enqueue('onConnection', () =>
    decided.then(
      (r) => {
        if (begin(c, r)) resumption = r;
        // The socket closed while the store answered: the session it took is let go again.
        else scope.recovery!.keep(r.session, ctx.id, r.session.rooms, r.session.data);
      },
      (error: unknown) => storeFailed(c, error),
    ),
  );
  if (onConnection) queue.enqueue('onConnection', () => (resumption ? onConnection(ctx) : undefined));
  queue.enqueue('onConnection', () => (resumption ? replay(c, resumption.session, resumption.from) : undefined));
}

/**
 * Answers the offer and restores the session's rooms and `data`; live messages wait.
 * @returns false when the socket is no longer open (nothing done)
 */
function begin(c: Recovering, { session, recovered, restored, from }: Resumption): boolean {
  const { scope, ctx } = c;
  if (c.socket.readyState !== WebSocket.OPEN) return false;
  ctx.session = session;
  ctx.recovered = recovered;
  ctx.holding = true;
  ctx.covered = from;
  ctx.sendControl(formatSession(session.id, recovered, from));
  scope.rooms.add(ctx);
  if (scope.recovery!.feeds) {
    ctx.fed = true;
    scope.rooms.feedFromLog(ctx, session.id);
  }
  if (restored) {
    for (const room of session.rooms) ctx.join(room);
    Object.assign(ctx.data, session.data);
  }
  return true;
}

/** Whether a replay that reached `after` has caught up with what the store's feed has fed. */
function caughtUp(store: RecoveryStore, after: string): boolean {
  const end = store.position();
  return end === undefined || (comparePositions(after, end) ?? 0) >= 0;
}

/**
 * Sends the log after `from` that reaches this connection, at the pace its send buffer allows
 * (a long replay must not trip the high-water mark), until it has caught up with the log's end;
 * live messages are held meanwhile (they are in the log), and flow again once the replay
 * reaches the end, in the same tick. With a shared log, "the end" is the last entry the feed
 * has handed over: what comes after reaches the connection through the feed.
 */
async function replay(c: Recovering, session: RecoverySession, from: string): Promise<void> {
  const { ctx, socket } = c;
  const store = c.scope.recovery!;
  const high = c.scope.server.maxBufferedBytes / 2;
  let after = from;
  let empty = 0;
  for (;;) {
    const pending = store.since(after);
    let missed;
    try {
      missed = isPromise(pending) ? await pending : pending;
    } catch (error) {
      storeFailed(c, error);
      return;
    }
    if (missed === null) {
      // The log moved past the position while the page caught up: no partial replay.
      ctx.holding = false;
      c.close('backpressure', 1013, 'fell behind the recovery log', undefined, false);
      return;
    }
    if (missed.length === 0) {
      if (!store.feeds || caughtUp(store, after)) break;
      // The feed has handed over entries the log did not return yet: ask again, a few times.
      if (++empty > 50) return storeFailed(c, new Error('hx-ws recovery: the log does not return entries its feed has read'));
      await delay(10);
      continue;
    }
    empty = 0;
    let paused = false;
    for (const entry of missed) {
      after = entry.position;
      if (!reaches(entry, session, ctx.rooms)) continue;
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(formatPosition(entry.position) + entry.html);
      if (socket.bufferedAmount > high) {
        await drained(socket, high / 2);
        paused = true;
        break; // read the log again from `after`: it may have been trimmed meanwhile
      }
    }
    if (store.feeds && !paused && caughtUp(store, after)) break;
  }
  ctx.covered = after;
  ctx.holding = false;
}

/**
 * The handler call for `request`, followed by its ack when the client asked for one. With
 * recovery, a request resent after a reconnect reaches the handler only the first time; when a
 * shared store cannot tell, the request is neither handled nor acked and the socket is closed
 * (1013), so that the page sends it again on its next socket.
 */
export function handlerTask(c: Recovering, request: HxWsRequest): () => void | Promise<void> {
  const { scope, ctx } = c;
  const { handler, ack = true } = scope.options;
  const requestId = requestIdOf(request.headers);
  const ackId = ack ? requestId : undefined;
  const run = (first: boolean): void | Promise<void> => {
    if (ackId === undefined) return first ? handler(request, ctx) : undefined;
    try {
      return first ? handler(request, ctx) : undefined;
    } finally {
      ctx.sendControl(String(ackMessage(ackId)));
    }
  };
  return () => {
    if (!(requestId && ctx.recovery)) return run(true);
    // A recovering connection whose offer was not answered (the store failed): nothing to check against.
    if (!ctx.session) return undefined;
    const first = ctx.recovery.firstDelivery(ctx.session, requestId);
    if (!isPromise(first)) return run(first);
    return first.then(run, (error: unknown) => storeFailed(c, error));
  };
}
