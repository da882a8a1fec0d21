/// <reference types="node" />
/**
 * Rooms and broadcast behind one interface, {@link RoomAdapter}, so that delivery across
 * several server processes (a pub/sub adapter) can replace the in-memory default without the
 * connection code changing. {@link MemoryRooms} is that default: one process, no I/O.
 *
 * @module
 */
import type { WebSocket } from 'ws';

/** A local connection as the rooms see it. */
export interface RoomMember {
  /** The member's socket (an `except` may name it instead of the member). */
  readonly socket: WebSocket;
  /** Sends a text message; false when the socket is no longer open. */
  send(text: string): boolean;
}

/** A member (or its socket) that a delivery skips. */
export type Except = RoomMember | WebSocket | undefined;

/**
 * Where broadcast and room messages go. Every call is about this process's connections; an
 * adapter for several processes also forwards `broadcast` and `toRoom` to its peers, and
 * delivers what they forward with the same local code.
 */
export interface RoomAdapter {
  /** A connection opened. */
  add(member: RoomMember): void;
  /** A connection closed; it is no longer in any room. */
  remove(member: RoomMember): void;
  /** Puts `member` in `room` (no-op if already in). */
  join(member: RoomMember, room: string): void;
  /** Takes `member` out of `room` (no-op if not in). */
  leave(member: RoomMember, room: string): void;
  /**
   * Sends `text` to every connection but `except`.
   * @returns how many local connections it was sent to
   */
  broadcast(text: string, except?: Except): number;
  /**
   * Sends `text` to every connection in `room` but `except`.
   * @returns how many local connections it was sent to
   */
  toRoom(room: string, text: string, except?: Except): number;
  /** The server is closing; release what the adapter holds. Optional. */
  close?(): void | Promise<void>;
}

/** Sends `text` to each target but `except`; returns how many accepted it. */
export function deliver(targets: Iterable<RoomMember>, text: string, except: Except): number {
  let count = 0;
  for (const target of targets) {
    if (target === except || target.socket === except) continue;
    if (target.send(text)) count += 1;
  }
  return count;
}

/** The default {@link RoomAdapter}: members and rooms in this process's memory. */
export class MemoryRooms implements RoomAdapter {
  private readonly members = new Set<RoomMember>();
  private readonly rooms = new Map<string, Set<RoomMember>>();
  private readonly roomsOf = new Map<RoomMember, Set<string>>();

  add(member: RoomMember): void {
    this.members.add(member);
  }

  remove(member: RoomMember): void {
    this.members.delete(member);
    for (const room of this.roomsOf.get(member) ?? []) this.leave(member, room);
    this.roomsOf.delete(member);
  }

  join(member: RoomMember, room: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(member);
    let joined = this.roomsOf.get(member);
    if (!joined) this.roomsOf.set(member, (joined = new Set()));
    joined.add(room);
  }

  leave(member: RoomMember, room: string): void {
    this.roomsOf.get(member)?.delete(room);
    const members = this.rooms.get(room);
    if (!members) return;
    members.delete(member);
    if (members.size === 0) this.rooms.delete(room);
  }

  broadcast(text: string, except?: Except): number {
    return deliver(this.members, text, except);
  }

  toRoom(room: string, text: string, except?: Except): number {
    return deliver(this.rooms.get(room) ?? [], text, except);
  }
}
