/// <reference types="node" />
/**
 * Recovery in one process ({@link MemoryRecoveryStore}, the default {@link RecoveryStore}): the
 * server's message log (every broadcast, room message and direct send to a recovering
 * connection, with a position) and the sessions of recovering pages, kept
 * for `maxDisconnectionMs` after their socket closed so a page that comes back gets its rooms,
 * its `data` and every message it missed. See docs/protocol.md ("Recovery") for the wire side.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { comparePositions, utf8Length, type RecoveryOffer } from '../../protocol.js';
import { positive, type LogEntry, type LogMessage, type RecoveryOptions, type RecoverySession, type RecoveryStore, type Resumption } from './recovery-store.js';

/** One entry of the in-memory log. */
interface MemoryEntry extends LogEntry {
  readonly n: number;
  readonly bytes: number;
}

/** A session of the in-memory store. */
interface MemorySession extends RecoverySession {
  /** The request ids the handler has been given, oldest first. */
  readonly requestIds: Set<string>;
  /** When it expires (epoch ms), or `null` while a socket is open. */
  expires: number | null;
  /** The connection that owns it now (its id), if its socket is open. */
  live: string | undefined;
}

/** The log and sessions of one server, in its memory (the default {@link RecoveryStore}). */
export class MemoryRecoveryStore implements RecoveryStore {
  readonly feeds = false;
  private readonly entries: MemoryEntry[] = [];
  private bytes = 0;
  private n = 0;
  private readonly epoch: string;
  private readonly sessions = new Map<string, MemorySession>();
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
  append({ local: _local, ...message }: LogMessage): string {
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
   * Decides what a connection that sent `offer` gets: its old session within the window, opened
   * by the same `owner`, and a position the log still holds, else a new session (recovered only when a `resume-from`
   * position alone was offered and the log holds it).
   */
  resume(offer: RecoveryOffer, connectionId: string, owner?: string, now = Date.now()): Resumption {
    this.sweep(now);
    const found = offer.session ? this.sessions.get(offer.session) : undefined;
    // Another user's session is no session of this one's.
    const old = found && found.owner === owner ? found : undefined;
    const holds = offer.position !== undefined && this.since(offer.position) !== null;
    if (old && holds) {
      old.expires = null;
      old.live = connectionId;
      old.connectionIds.add(connectionId);
      return { session: old, recovered: true, restored: true, from: offer.position! };
    }
    const session: MemorySession = {
      id: randomBytes(16).toString('base64url'),
      connectionIds: new Set([connectionId]),
      rooms: [],
      data: {},
      requestIds: new Set(),
      expires: null,
      live: connectionId,
      owner,
    };
    this.sessions.set(session.id, session);
    const fresh = !offer.session && holds;
    return { session, recovered: fresh, restored: false, from: fresh ? offer.position! : this.position() };
  }

  /** The socket of `connectionId` closed: its session keeps `rooms` and `data` for the window. */
  keep(kept: RecoverySession, connectionId: string, rooms: Iterable<string>, data: Record<string, unknown>, now = Date.now()): void {
    this.sweep(now);
    const session = kept as MemorySession;
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
  firstDelivery(given: RecoverySession, id: string): boolean {
    const session = given as MemorySession;
    if (session.requestIds.has(id)) return false;
    session.requestIds.add(id);
    if (session.requestIds.size > this.maxRequestIds) session.requestIds.delete(session.requestIds.values().next().value!);
    return true;
  }

  /** Forgets sessions past their window. */
  private sweep(now: number): void {
    for (const [id, session] of this.sessions) if (session.expires !== null && session.expires <= now) this.sessions.delete(id);
  }
}
