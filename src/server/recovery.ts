/// <reference types="node" />
/**
 * Recovery in one process: the server's message log (every broadcast, room message and direct
 * send to a recovering connection, with a position) and the sessions of recovering pages, kept
 * for `maxDisconnectionMs` after their socket closed so a page that comes back gets its rooms,
 * its `data` and every message it missed. See docs/protocol.md ("Recovery") for the wire side.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { comparePositions, utf8Length, type RecoveryOffer } from '../protocol.js';

/** Options of recovery (`attachHxWs({ recovery: {...} })`); every field has a default. */
export interface RecoveryOptions {
  /** How long a session outlives its socket, in milliseconds. Default 120000 (2 minutes). */
  maxDisconnectionMs?: number;
  /** Most messages the log keeps. Default 10000. */
  maxLogMessages?: number;
  /** Most bytes of HTML the log keeps. Default 16 MiB. */
  maxLogBytes?: number;
  /** Most request ids a session remembers, to hand each to the handler once. Default 10000. */
  maxRequestIds?: number;
}

/** One logged message. */
export interface LogEntry {
  readonly n: number;
  readonly position: string;
  /** The room, for a room message. */
  readonly room?: string;
  /** The session, for a direct send. */
  readonly session?: string;
  /** A connection id the message skipped. */
  readonly except?: string;
  readonly html: string;
  readonly bytes: number;
}

/** A page's session, while its socket is open and for a while after. */
export interface RecoverySession {
  readonly id: string;
  /** Ids of every connection this session had (a logged `except` names one of them). */
  readonly connectionIds: Set<string>;
  /** Its rooms when its socket closed. */
  rooms: string[];
  /** Its `data` when its socket closed. */
  data: Record<string, unknown>;
  /** The request ids the handler has been given, oldest first. */
  readonly requestIds: Set<string>;
  /** When it expires (epoch ms), or `null` while a socket is open. */
  expires: number | null;
  /** The connection that owns it now (its id), if its socket is open. */
  live: string | undefined;
}

/** What {@link Recovery.resume} decided. */
export interface Resumption {
  readonly session: RecoverySession;
  /** Whether the page gets everything since its position (its session, or its `resume-from`). */
  readonly recovered: boolean;
  /** Whether `session` is the one the page offered (rooms and `data` to restore). */
  readonly restored: boolean;
  /** Replay the log after this position. */
  readonly from: string;
}

/** The log and sessions of one server. */
export class Recovery {
  private readonly entries: LogEntry[] = [];
  private bytes = 0;
  private n = 0;
  private readonly epoch: string;
  private readonly sessions = new Map<string, RecoverySession>();
  readonly maxDisconnectionMs: number;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxRequestIds: number;

  /**
   * @param serverId this server's id (positions start with it and a random epoch)
   * @param options limits
   */
  constructor(serverId: string, options: RecoveryOptions = {}) {
    this.epoch = `${serverId}-${randomBytes(3).toString('base64url')}`;
    this.maxDisconnectionMs = positive(options.maxDisconnectionMs, 120_000, 'maxDisconnectionMs');
    this.maxMessages = positive(options.maxLogMessages, 10_000, 'maxLogMessages');
    this.maxBytes = positive(options.maxLogBytes, 16 << 20, 'maxLogBytes');
    this.maxRequestIds = positive(options.maxRequestIds, 10_000, 'maxRequestIds');
  }

  /** The position of the last message logged (the one a page rendered now would resume from). */
  position(): string {
    return `${this.epoch}:${this.n}`;
  }

  /** Logs a message. @returns its position */
  append(message: { room?: string; session?: string; except?: string; html: string }): string {
    const n = ++this.n;
    const position = `${this.epoch}:${n}`;
    const bytes = utf8Length(message.html);
    this.entries.push({ ...message, n, position, bytes });
    this.bytes += bytes;
    while (this.entries.length > this.maxMessages || (this.bytes > this.maxBytes && this.entries.length > 1)) {
      this.bytes -= this.entries.shift()!.bytes;
    }
    return position;
  }

  /**
   * The entries after `position`, or `null` when the log cannot tell (another log's position,
   * or some entries after it were trimmed away).
   */
  since(position: string): LogEntry[] | null {
    const cmp = comparePositions(position, this.position());
    if (cmp === null || cmp > 0) return null;
    const after = Number(position.slice(position.lastIndexOf(':') + 1));
    const first = this.entries[0]?.n ?? this.n + 1;
    if (after + 1 < first) return null; // trimmed
    return this.entries.slice(after + 1 - first);
  }

  /**
   * Decides what a connection that sent `offer` gets: its old session within the window and a
   * position the log still holds, else a new session (recovered only when a `resume-from`
   * position alone was offered and the log holds it).
   */
  resume(offer: RecoveryOffer, connectionId: string, now = Date.now()): Resumption {
    this.sweep(now);
    const old = offer.session ? this.sessions.get(offer.session) : undefined;
    const holds = offer.position !== undefined && this.since(offer.position) !== null;
    if (old && holds) {
      old.expires = null;
      old.live = connectionId;
      old.connectionIds.add(connectionId);
      return { session: old, recovered: true, restored: true, from: offer.position! };
    }
    const session: RecoverySession = {
      id: randomBytes(16).toString('base64url'),
      connectionIds: new Set([connectionId]),
      rooms: [],
      data: {},
      requestIds: new Set(),
      expires: null,
      live: connectionId,
    };
    this.sessions.set(session.id, session);
    const fresh = !offer.session && holds;
    return { session, recovered: fresh, restored: false, from: fresh ? offer.position! : this.position() };
  }

  /** The socket of `connectionId` closed: its session keeps `rooms` and `data` for the window. */
  keep(session: RecoverySession, connectionId: string, rooms: Iterable<string>, data: Record<string, unknown>, now = Date.now()): void {
    this.sweep(now);
    if (session.live !== connectionId) return; // taken over by a newer connection
    session.live = undefined;
    session.rooms = [...rooms];
    session.data = data;
    session.expires = now + this.maxDisconnectionMs;
  }

  /**
   * Records that the handler is given request `id` of `session`.
   * @returns false when it was given that id before (a request resent after a reconnect)
   */
  firstDelivery(session: RecoverySession, id: string): boolean {
    if (session.requestIds.has(id)) return false;
    session.requestIds.add(id);
    if (session.requestIds.size > this.maxRequestIds) session.requestIds.delete(session.requestIds.values().next().value!);
    return true;
  }

  /** Whether an entry of the log goes to a connection of `session` in `rooms`. */
  static reaches(entry: LogEntry, session: RecoverySession, rooms: ReadonlySet<string>): boolean {
    if (entry.except !== undefined && session.connectionIds.has(entry.except)) return false;
    if (entry.session !== undefined) return entry.session === session.id;
    return entry.room === undefined || rooms.has(entry.room);
  }

  /** Forgets sessions past their window. */
  private sweep(now: number): void {
    for (const [id, session] of this.sessions) if (session.expires !== null && session.expires <= now) this.sessions.delete(id);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`hx-ws recovery: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
