/// <reference types="node" />
/**
 * The per-connection context ({@link HxWsContext}) the app's hooks get: its socket, request,
 * rooms and state, with sends that go through the server's {@link Rooms}.
 *
 * @module
 */
import { WebSocket } from 'ws';
import type { BroadcastOptions, HxWsContext, HxWsUpgradeRequest, Sendable } from '../context.js';
import { comparePositions, EXPIRED_REASON, formatPosition } from '../../protocol.js';
import { isPromise, reaches, type LogEntry, type RecoverySession, type RecoveryStore } from '../recovery/recovery-store.js';
import type { RoomMember, Rooms } from '../hub/rooms.js';
import type { SharedFrames } from '../wire/frame-writer.js';

/** What a {@link ConnectionContext} asks of its connection. */
export interface ContextOwner {
  /** The send-buffer high-water mark. */
  readonly maxBufferedBytes: number;
  /** A send left more than {@link maxBufferedBytes} waiting: the connection is closed (1013). */
  sendBufferFull(): void;
  /** The app said the credentials expired: the connection is closed with the expiry code. */
  credentialsExpired(reason: string): void;
}

/**
 * One connection: what the app sees of it, and a member of the server's rooms. Its room set and
 * `data` are made when first used, so an idle connection that joined nothing holds neither.
 */
export class ConnectionContext implements HxWsContext, RoomMember {
  readonly id: string;
  private joined: Set<string> | undefined;
  private state: Record<string, unknown> | undefined;
  recovered: boolean | undefined;
  /** Recovery: this connection's session, once its offer was answered. */
  session: RecoverySession | undefined;
  /** Recovery: the server's log, for a connection that offered recovery. */
  recovery: RecoveryStore | undefined;
  /**
   * Recovery: while set, logged messages are not sent (the replay that follows sends them, in
   * log order).
   */
  holding = false;
  /**
   * Recovery through a shared log (a store that feeds): logged messages reach this connection
   * from the log's feed only ({@link feed}), not when they are sent.
   */
  fed = false;
  /** Recovery: the last log position sent to (or skipped for) this connection. */
  covered: string | undefined;
  /** The identity `authenticate` gave, if any. */
  user: unknown;
  /** The key of {@link user}, binding sessions and uploads to it; undefined without `authenticate`. */
  userKey: string | undefined;
  /** The request whose handler is running its synchronous part, for {@link refuse}. */
  handling: { id: string | undefined; refused?: string } | undefined;

  /**
   * @param socket the connection's socket
   * @param req what is kept of the upgrade request
   * @param roomsOf the server's rooms, where broadcast and room messages go
   * @param owner the connection: its send-buffer limit, and how it closes
   */
  constructor(
    readonly socket: WebSocket,
    readonly req: HxWsUpgradeRequest,
    private readonly roomsOf: Rooms,
    private readonly owner: ContextOwner,
  ) {
    this.id = roomsOf.newId();
  }

  /** The rooms this connection is in. */
  get rooms(): Set<string> {
    return (this.joined ??= new Set());
  }

  /** The app's state of this connection. */
  get data(): Record<string, unknown> {
    return (this.state ??= {});
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  expire(reason = EXPIRED_REASON): void {
    this.owner.credentialsExpired(reason);
  }

  refuse(reason: string): boolean {
    const handling = this.handling;
    if (!handling) {
      throw new Error('hx-ws: ctx.refuse(reason) refuses the request being handled; call it in the handler, before its first await');
    }
    if (handling.id === undefined) return false;
    handling.refused = String(reason);
    return true;
  }

  send(html: Sendable, shared?: SharedFrames): boolean {
    const text = String(html);
    // A direct send to a recovering page is logged even while its socket is down.
    if (this.session && this.recovery) {
      const position = this.recovery.append({ session: this.session.id, html: text });
      // A shared log: the message comes back through the feed (on whichever process has the
      // session then); a failure to log it is reported by the store.
      if (isPromise(position)) return this.socket.readyState === WebSocket.OPEN;
      if (position !== undefined) return this.sendAt(text, position, shared);
    }
    return this.sendControl(text, shared);
  }

  /**
   * Recovery through a shared log: an entry of the log, read in log order. Sent (stamped) when
   * it reaches this connection and comes after what was already sent; not while the replay runs.
   */
  feed(entry: LogEntry, shared?: SharedFrames): void {
    if (!this.session || this.holding) return;
    if (this.covered !== undefined && (comparePositions(entry.position, this.covered) ?? 1) <= 0) return;
    this.covered = entry.position;
    if (reaches(entry, this.session, this.rooms)) this.sendAt(entry.html, entry.position, shared);
  }

  /** Sends a logged message: stamped with its position for a recovering connection. */
  sendAt(text: string, position: string, shared?: SharedFrames): boolean {
    if (!this.session) return this.sendControl(text, shared);
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    if (this.holding) return true;
    return this.sendControl(formatPosition(position) + text, shared);
  }

  /**
   * Sends `text` as it is (control elements, messages to connections without recovery).
   * `shared`: the frames of a delivery to many sockets.
   */
  sendControl(text: string, shared?: SharedFrames): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.roomsOf.stats.sent(text, this.roomsOf.wire.send(this.socket, text, shared));
    if (this.socket.bufferedAmount > this.owner.maxBufferedBytes) this.overflow();
    return true;
  }

  /** The send buffer is over its high-water mark: the connection is closed (1013). */
  overflow(): void {
    this.owner.sendBufferFull();
  }

  broadcast(html: Sendable, options: BroadcastOptions = {}): number {
    return this.roomsOf.broadcast(String(html), options.except, options.local);
  }

  join(room: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.rooms.add(room);
    this.roomsOf.join(this, room);
    this.changed();
  }

  leave(room: string): void {
    this.joined?.delete(room);
    this.roomsOf.leave(this, room);
    if (this.socket.readyState === WebSocket.OPEN) this.changed();
  }

  /** Recovery: tells the store that this connection's rooms changed (a shared store saves them). */
  changed(): void {
    if (this.session) this.recovery?.changed?.(this.session, this.id, this.rooms, this.data);
  }

  toRoom(room: string, html: Sendable, options: BroadcastOptions = {}): number {
    return this.roomsOf.toRoom(room, String(html), options.except, options.local);
  }

  /** The socket closed: out of every room and out of the adapter. */
  detach(): void {
    this.joined?.clear();
    this.roomsOf.remove(this);
  }
}
