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
import type { RoomMember, Rooms } from './rooms.js';

/** One connection: what the app sees of it, and a member of the server's rooms. */
export class Connection implements HxWsContext, RoomMember {
  readonly id: string;
  readonly rooms = new Set<string>();
  readonly data: Record<string, unknown> = {};

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

  send(html: Sendable): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(String(html));
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
