/// <reference types="node" />
/**
 * Recovery on one connection (docs/protocol.md, "Recovery"): the offer and its answer, the
 * replay of what the page missed, and what a failing store does to the connection. Works with
 * either kind of {@link RecoveryStore}: an in-memory one answers at once and everything happens
 * in the tick the offer arrived, as without a store; a shared one answers through I/O, and the
 * connection's app code waits in its queue meanwhile, in order. The request-id check before the
 * handler is the connection's (socket/server-connection.ts), with {@link storeFailed} from here.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { HxWsContext } from '../context.js';
import { ProtocolError } from '../errors.js';
import type { Rooms } from '../hub/rooms.js';
import type { CloseCause } from '../options.js';
import type { ConnectionContext } from '../socket/connection-context.js';
import type { HookQueue } from '../socket/hook-queue.js';
import { comparePositions, formatPosition, formatSession, parseOffer, RECOVER_QUERY, type RecoveryOffer } from '../../protocol.js';
import { isPromise, reaches, type RecoverySession, type RecoveryStore, type Resumption } from './recovery-store.js';

/** What a connection lends to its recovery. */
export interface RecoveringConnection {
  /** The server's store. */
  readonly store: RecoveryStore;
  /** The server's rooms: the connection joins them once its offer is answered. */
  readonly rooms: Rooms;
  readonly ctx: ConnectionContext;
  readonly socket: WebSocket;
  readonly queue: HookQueue;
  /** The app's `onConnection`, run once the offer is answered. */
  readonly onConnection: ((ctx: HxWsContext) => void | Promise<void>) | undefined;
  /** The send-buffer high-water mark: a replay stays under half of it. */
  readonly maxBufferedBytes: number;
  /** Hands an error to the app's `onError`, for this connection. */
  reportError(error: Error): void;
  failProtocol(error: ProtocolError): void;
  close(cause: CloseCause, code: number, reason: string, error?: Error, drain?: boolean): void;
}

/** Whether the upgrade URL carries the recovery flag (`?hx-ws-recover=1`). */
export function asksRecovery(req: Pick<IncomingMessage, 'url'>): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q >= 0 && new URLSearchParams(url.slice(q + 1)).get(RECOVER_QUERY) === '1';
}

/** Resolves after `ms`, without keeping the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves once `socket`'s send buffer is at most `bytes`, or it is no longer open. */
async function drained(socket: WebSocket, bytes: number): Promise<void> {
  while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > bytes) await delay(5);
}

/** The store failed (a shared one lost its link): reported, and the page comes back later (1013). */
export function storeFailed(c: RecoveringConnection, error: unknown): void {
  c.ctx.holding = false;
  c.reportError(error instanceof Error ? error : new Error(String(error)));
  c.close('backpressure', 1013, 'recovery store unavailable', undefined, false);
}

/**
 * The first frame of a connection that asked. Answers with its session, puts it back in its
 * rooms with its `data` (a known session), runs `onConnection`, then sends the log after the
 * offered position (or after the session's start) and only then live messages.
 */
export function answerOffer(c: RecoveringConnection, text: string): void {
  const { store, ctx, queue, onConnection } = c;
  const offer = parseOffer(text);
  if (!offer) {
    c.failProtocol(new ProtocolError('invalid-json', 'the first frame of a recovering connection must be its offer {"HX-Recover":{...}}'));
    return;
  }
  const decided = store.resume(offer, ctx.id, ctx.userKey);
  if (!isPromise(decided)) {
    begin(c, decided, offer);
    if (onConnection) queue.enqueue('onConnection', () => onConnection(ctx));
    queue.enqueue('onConnection', () => replay(c, decided.session, decided.from));
    return;
  }
  // Queued at once: whatever the page sends next waits behind these three, in this order.
  let decision: Resumption | undefined;
  queue.enqueue('onConnection', () =>
    decided.then(
      (r) => {
        if (begin(c, r, offer)) decision = r;
        // The socket closed while the store answered: the session it took is let go again.
        else store.keep(r.session, ctx.id, r.session.rooms, r.session.data);
      },
      (error: unknown) => storeFailed(c, error),
    ),
  );
  if (onConnection) queue.enqueue('onConnection', () => (decision ? onConnection(ctx) : undefined));
  queue.enqueue('onConnection', () => (decision ? replay(c, decision.session, decision.from) : undefined));
}

/**
 * Answers the offer and restores the session's rooms and `data`; live messages wait.
 * @returns false when the socket is no longer open (nothing done)
 */
function begin(c: RecoveringConnection, { session, recovered, restored, from }: Resumption, offer: RecoveryOffer): boolean {
  const { rooms, ctx } = c;
  if (c.socket.readyState !== WebSocket.OPEN) return false;
  rooms.stats.recovery(recovered, offer.session !== undefined || offer.position !== undefined);
  ctx.session = session;
  ctx.recovered = recovered;
  ctx.holding = true;
  ctx.covered = from;
  ctx.sendControl(formatSession(session.id, recovered, from));
  rooms.add(ctx);
  if (c.store.feeds) {
    ctx.fed = true;
    rooms.feedFromLog(ctx, session.id);
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
async function replay(c: RecoveringConnection, session: RecoverySession, from: string): Promise<void> {
  const { ctx, socket, store } = c;
  const high = c.maxBufferedBytes / 2;
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
      const text = formatPosition(entry.position) + entry.html;
      c.rooms.stats.sent(text, c.rooms.wire.send(socket, text));
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
