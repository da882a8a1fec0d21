/**
 * The recovery store: where the message log and the sessions of recovering pages live. The
 * server uses one through this interface only, set up with {@link RecoveryOptions}:
 * {@link MemoryRecoveryStore} (memory-store.ts) keeps both in the process's memory, and an
 * adapter may provide one that keeps them where every process sees them
 * ({@link HxWsAdapter.recovery}; the Redis adapter's `RedisRecoveryStore` is in
 * redis/redis-store.ts). See docs/scale-out.md ("Recovery across processes") for the contract.
 *
 * @module
 */
import type { RecoveryOffer } from '../../protocol.js';

/** Options of recovery (`attachHxWs({ recovery: {...} })`); every field has a default. */
export interface RecoveryOptions {
  /** How long a session outlives its socket, in milliseconds. Default 120000 (2 minutes). */
  maxDisconnectionMs?: number;
  /**
   * Most messages the log keeps. Default 10000. In-memory log only: with the Redis adapter the
   * log is its stream, bounded by `redisAdapter({ maxLen })`, and setting this is an error.
   */
  maxLogMessages?: number;
  /**
   * Most bytes of HTML the log keeps. Default 16 MiB. In-memory log only (a Redis stream has no
   * bound in bytes; setting this with the Redis adapter is an error).
   */
  maxLogBytes?: number;
  /** Most request ids a session remembers, to hand each to the handler once. Default 10000. */
  maxRequestIds?: number;
}

/** A value now, or later. An in-memory store answers at once; a shared one through I/O. */
export type Maybe<T> = T | Promise<T>;

/** Whether `value` is a promise (a store that answers later). */
export function isPromise<T>(value: Maybe<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** One logged message. */
export interface LogEntry {
  /** Where it sits in the log; positions of one log only grow. */
  readonly position: string;
  /** The room, for a room message. */
  readonly room?: string;
  /** The session, for a direct send. */
  readonly session?: string;
  /** A connection id the message skipped. */
  readonly except?: string;
  readonly html: string;
}

/** What a store logs: a broadcast, a room message or a direct send to a session. */
export interface LogMessage {
  readonly room?: string;
  readonly session?: string;
  readonly except?: string;
  readonly html: string;
  /** Sent with `local: true`: for this process's connections only. */
  readonly local?: boolean;
}

/** A page's session, while its socket is open and for a while after. */
export interface RecoverySession {
  readonly id: string;
  /** Ids of every connection this session had (a logged `except` names one of them). */
  readonly connectionIds: Set<string>;
  /** Its rooms when it was last saved. */
  rooms: string[];
  /** Its `data` when it was last saved. */
  data: Record<string, unknown>;
  /** The key of the user who opened it (`authenticate`), if any: only that user resumes it. */
  readonly owner?: string | undefined;
}

/** What {@link RecoveryStore.resume} decided. */
export interface Resumption {
  readonly session: RecoverySession;
  /** Whether the page gets everything since its position (its session, or its `resume-from`). */
  readonly recovered: boolean;
  /** Whether `session` is the one the page offered (rooms and `data` to restore). */
  readonly restored: boolean;
  /** Replay the log after this position. */
  readonly from: string;
}

/**
 * The log and the sessions of recovery. Two kinds:
 * - `feeds: false` (the in-memory store): the server logs each broadcast and room message with
 *   {@link append} as it sends it, and sends it to its connections at once, stamped with the
 *   position `append` returned.
 * - `feeds: true` (a shared log): the adapter logs what it publishes, and the store hands every
 *   entry of the log, this process's own included, in log order, to the function it was created
 *   with; the server sends logged messages to its recovering connections from there only.
 */
export interface RecoveryStore {
  /** Whether entries come back through the feed (see above). */
  readonly feeds: boolean;
  /** How long a session outlives its socket, in ms. */
  readonly maxDisconnectionMs: number;
  /**
   * The position of the last entry this process knows of: what a page rendered now resumes
   * from. With a feed, every entry up to it has been fed. `undefined` while not known yet.
   */
  position(): string | undefined;
  /**
   * Logs a message: with `feeds: false` every broadcast and room message, with `feeds: true`
   * direct sends and `local` messages only (the adapter logs the rest when it publishes).
   * @returns its position (a shared store reports a failure itself and resolves `undefined`)
   */
  append(message: LogMessage): Maybe<string | undefined>;
  /**
   * Entries after `position`, in log order (a shared store may return the first of them only,
   * in batches), or `null` when the log cannot tell: another log's position, or some entry after
   * it was trimmed away. Never a partial list that looks whole.
   */
  since(position: string): Maybe<readonly LogEntry[] | null>;
  /**
   * Decides what a connection that sent `offer` gets: its old session when the store has it
   * and the log still holds the offered position (the session's live connection is now
   * `connectionId`), else a new session (recovered only for a `resume-from` position alone that
   * the log holds). A session whose `owner` is not `owner` (another user's, or one opened under
   * an identity when none is offered now, or the other way round) is treated as unknown: a new
   * session, owned by `owner`.
   */
  resume(offer: RecoveryOffer, connectionId: string, owner?: string): Maybe<Resumption>;
  /** The open connection's rooms or state changed (a shared store saves them). Optional. */
  changed?(session: RecoverySession, connectionId: string, rooms: Iterable<string>, data: Record<string, unknown>): void;
  /** The socket of `connectionId` closed: its session keeps `rooms` and `data` for the window. */
  keep(session: RecoverySession, connectionId: string, rooms: Iterable<string>, data: Record<string, unknown>): void;
  /**
   * Records that the handler is given request `id` of `session`.
   * @returns false when it was given that id before (a request resent after a reconnect)
   */
  firstDelivery(session: RecoverySession, id: string): Maybe<boolean>;
}

/** Whether an entry of the log goes to a connection of `session` in `rooms`. */
export function reaches(entry: LogEntry, session: RecoverySession, rooms: ReadonlySet<string>): boolean {
  if (entry.except !== undefined && session.connectionIds.has(entry.except)) return false;
  if (entry.session !== undefined) return entry.session === session.id;
  return entry.room === undefined || rooms.has(entry.room);
}

/** Checks a limit of {@link RecoveryOptions}: a positive integer, or the default. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`hx-ws recovery: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
