/// <reference types="node" />
/**
 * The per-connection context ({@link HxWsContext}) the app's hooks get: its socket, request,
 * rooms and state, with sends that go through the server's {@link Rooms}.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { BroadcastOptions, HxWsContext, Sendable } from './options.js';
import { formatPosition } from '../protocol.js';
import type { Recovery, RecoverySession } from './recovery.js';
import type { RoomMember, Rooms } from './rooms.js';

/** One connection: what the app sees of it, and a member of the server's rooms. */
export class Connection implements HxWsContext, RoomMember {
  readonly id: string;
  readonly rooms = new Set<string>();
  readonly data: Record<string, unknown> = {};
  recovered: boolean | undefined;
  /** Recovery: this connection's session, once its offer was answered. */
  session: RecoverySession | undefined;
  /** Recovery: the server's log, for a connection that offered recovery. */
  recovery: Recovery | undefined;
  /**
   * Recovery: while set, logged messages are not sent (the replay that follows sends them, in
   * log order).
   */
  holding = false;

  /**
   * @param socket the connection's socket
   * @param req the upgrade request
   * @param roomsOf the server's rooms, where broadcast and room messages go
   * @param maxBufferedBytes the send-buffer high-water mark
   * @param onOverflow called when a send left more than `maxBufferedBytes` waiting
   */
  constructor(
    readonly socket: WebSocket,
    readonly req: IncomingMessage,
    private readonly roomsOf: Rooms,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {
    this.id = roomsOf.newId();
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  send(html: Sendable): boolean {
    const text = String(html);
    // A direct send to a recovering page is logged even while its socket is down.
    if (this.session && this.recovery) return this.sendAt(text, this.recovery.append({ session: this.session.id, html: text }));
    return this.sendControl(text);
  }

  /** Sends a logged message: stamped with its position for a recovering connection. */
  sendAt(text: string, position: string): boolean {
    if (!this.session) return this.sendControl(text);
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    if (this.holding) return true;
    return this.sendControl(formatPosition(position) + text);
  }

  /** Sends `text` as it is (control elements, messages to connections without recovery). */
  sendControl(text: string): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(text);
    if (this.socket.bufferedAmount > this.maxBufferedBytes) this.overflow();
    return true;
  }

  /** The send buffer is over its high-water mark: the connection is closed (1013). */
  overflow(): void {
    this.onOverflow();
  }

  broadcast(html: Sendable, options: BroadcastOptions = {}): number {
    return this.roomsOf.broadcast(String(html), options.except, options.local);
  }

  join(room: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.rooms.add(room);
    this.roomsOf.join(this, room);
  }

  leave(room: string): void {
    this.rooms.delete(room);
    this.roomsOf.leave(this, room);
  }

  toRoom(room: string, html: Sendable, options: BroadcastOptions = {}): number {
    return this.roomsOf.toRoom(room, String(html), options.except, options.local);
  }

  /** The socket closed: out of every room and out of the adapter. */
  detach(): void {
    this.rooms.clear();
    this.roomsOf.remove(this);
  }
}
