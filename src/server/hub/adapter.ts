/// <reference types="node" />
/**
 * The cluster adapter: what {@link attachHxWs} needs from a transport to make `broadcast`,
 * `toRoom` and presence reach every process of an app, not just its own sockets.
 *
 * The server always delivers a message to its own connections first, synchronously, then hands
 * it to {@link HxWsAdapter.publish}; the adapter carries it to the other processes, which deliver
 * it to theirs through {@link AdapterHost.deliver}. So an adapter never touches a socket, and the
 * in-memory default ({@link memoryAdapter}) is a no-op that costs nothing per message.
 *
 * @module
 */
import type { LogEntry, RecoveryOptions, RecoveryStore } from '../recovery/recovery-store.js';

/** A message for the connections of every process: a broadcast, or a message to one room. */
export interface AdapterMessage {
  /** The room, or undefined for a broadcast to every connection. */
  readonly room?: string;
  /** The HTML to send, as text. */
  readonly html: string;
  /** The {@link HxWsContext.id} of a connection to skip (ids are unique across processes). */
  readonly except?: string;
}

/**
 * Where a published message sits in the adapter's log, when it has one (the Redis adapter's is
 * the stream entry id, e.g. `"1733054400000-0"`). Positions of one log only grow.
 */
export type LogPosition = string;

/** The adapter's link to the other processes: `up` once it can publish and receive, else `down`. */
export type AdapterState = 'up' | 'down';

/** What {@link attachHxWs} gives an adapter in {@link HxWsAdapter.start}. */
export interface AdapterHost {
  /** This server's id, unique across processes; every connection id starts with it. */
  readonly serverId: string;
  /**
   * Sends a message that another process published to this process's matching connections.
   * @param message what was published
   * @param position where it sits in the adapter's log, if it has one
   * @returns how many local connections it was sent to
   */
  deliver(message: AdapterMessage, position?: LogPosition): number;
  /** How many connections this process has in `room` (every connection when undefined). */
  localCount(room?: string): number;
  /** The rooms this process has connections in, with how many. */
  localRooms(): ReadonlyMap<string, number>;
  /** Reports an adapter failure (other than a failed publish) to the app's `onError`. */
  error(error: Error): void;
  /** Reports a change of the link, to the app's `onAdapterStatus`. Repeats are ignored. */
  status(state: AdapterState, error?: Error): void;
}

/**
 * A transport between the processes of one app. Five methods, and an optional sixth for
 * recovery across processes; see docs/scale-out.md for the contract in full and what an
 * implementation must guarantee.
 */
export interface HxWsAdapter {
  /** Called once by {@link attachHxWs}, before any other method. */
  start(host: AdapterHost): void;
  /**
   * Carries a message to the other processes (this process has delivered it already). Messages
   * must arrive in the order of the calls, each once. Must not throw: a failure is a rejected
   * promise, which the server reports to `onError` as a {@link PublishError} with the message.
   * @returns nothing (the in-memory adapter), or a promise of the message's log position
   */
  publish(message: AdapterMessage): void | Promise<LogPosition | undefined>;
  /**
   * This process's count of connections in `room` (every connection when undefined) changed to
   * `count`. Called on every join, leave, open and close; an adapter may batch.
   */
  presence(room: string | undefined, count: number): void;
  /**
   * How many connections `room` has across every live process (every connection when undefined).
   * Rejects when the adapter cannot tell (e.g. its link is down).
   */
  count(room?: string): Promise<number>;
  /** The server is closing: leave the cluster (drop out of presence) and release resources. */
  close(): Promise<void>;
  /**
   * Optional, for recovery across processes: a {@link RecoveryStore} that keeps the message log
   * and the sessions where every process sees them. Called once, after {@link start}, when the
   * server has recovery on; without it the server keeps both in its own memory. The store calls
   * `feed` with every entry of the log, this process's own included, in log order (docs/scale-out.md).
   */
  recovery?(options: RecoveryOptions, feed: (entry: LogEntry) => void): RecoveryStore;
}

/** A message could not be handed to the other processes; {@link published} is that message. */
export class PublishError extends Error {
  /** The message that did not reach the other processes (this process's sockets got it). */
  readonly published: AdapterMessage;

  /**
   * @param published what could not be published
   * @param cause why
   */
  constructor(published: AdapterMessage, cause: unknown) {
    const what = published.room === undefined ? 'broadcast' : `message to room ${JSON.stringify(published.room)}`;
    super(`hx-ws adapter: a ${what} reached this process only: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PublishError';
    this.published = published;
  }
}

/**
 * The default adapter: one process, nothing to carry. `publish` does nothing (the server has
 * delivered locally already) and `count` is this process's own count.
 */
export function memoryAdapter(): HxWsAdapter {
  let host: AdapterHost | undefined;
  return {
    start(h) {
      host = h;
    },
    publish() {},
    presence() {},
    count: (room) => Promise.resolve(host?.localCount(room) ?? 0),
    close: () => Promise.resolve(),
  };
}
