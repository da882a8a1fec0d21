/// <reference types="node" />
/**
 * Rooms and broadcast for one server, on top of an {@link HxWsAdapter}: this process's members
 * and rooms live here (delivery to them is synchronous and needs no I/O); every `broadcast` and
 * `toRoom` is then handed to the adapter for the other processes, and what they publish comes
 * back through {@link AdapterHost.deliver} to the same local delivery.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { LogEntry, RecoveryStore } from '../recovery/recovery-store.js';
import { ServerStats } from '../stats/stats.js';
import { FrameWriter, SharedFrames } from '../wire/frame-writer.js';
import { PublishError, type AdapterHost, type AdapterMessage, type AdapterState, type HxWsAdapter } from './adapter.js';

/** A random server id: 12 characters of base64url, so 72 bits. */
function newServerId(): string {
  return randomBytes(9).toString('base64url');
}

/** A local connection as the rooms see it. */
export interface RoomMember {
  /** Unique across processes: the server id, a dot, a counter. */
  readonly id: string;
  /** The member's socket (an `except` may name it instead of the member). */
  readonly socket: WebSocket;
  /**
   * Sends a text message; false when the socket is no longer open. `shared`: the frames of this
   * delivery, built once for every socket that can take them.
   */
  send(text: string, shared?: SharedFrames): boolean;
  /** Sends a logged message at `position` (stamped for a recovering connection). */
  sendAt?(text: string, position: string, shared?: SharedFrames): boolean;
  /** Recovery: its session's id. */
  readonly sessionId?: string;
  /** Recovery through a shared log: logged messages reach it through {@link feed} only. */
  readonly fed?: boolean;
  /** Recovery through a shared log: an entry of the log, in log order. */
  feed?(entry: LogEntry, shared?: SharedFrames): void;
}

/** What a delivery skips: a member, its socket, or a connection id (of any process). */
export type Except = RoomMember | WebSocket | string | undefined;

/** The TCP (or TLS) sockets corked in this tick, uncorked together on the next one. */
let corked: Set<Duplex> | undefined;

function uncorkAll(): void {
  const sockets = corked!;
  corked = undefined;
  for (const raw of sockets) raw.uncork();
}

/**
 * Holds `socket`'s writes until the end of this tick, so that many messages to one socket in
 * one tick (a batch read from the adapter, a burst of broadcasts) leave as one write instead of
 * one system call each. Uses the `ws` socket's underlying stream (`_socket`, not in its types).
 */
function corkForThisTick(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Duplex | null })._socket;
  if (!raw || typeof raw.cork !== 'function') return;
  if (!corked) {
    corked = new Set();
    process.nextTick(uncorkAll);
  }
  if (corked.has(raw)) return;
  corked.add(raw);
  raw.cork();
}

/**
 * Sends `text` to each target but `except` (at `position` in the log, if logged); returns how
 * many accepted it. The message is framed (and compressed) once per kind of socket.
 */
export function deliver(targets: Iterable<RoomMember>, text: string, except: Except, position?: string): number {
  let count = 0;
  const shared = new SharedFrames();
  for (const target of targets) {
    if (target === except || target.socket === except || target.id === except) continue;
    if (target.fed) {
      count += 1; // it gets the message from the log's feed
      continue;
    }
    corkForThisTick(target.socket);
    if (position !== undefined && target.sendAt ? target.sendAt(text, position, shared) : target.send(text, shared)) count += 1;
  }
  return count;
}

/** Hooks of {@link Rooms} into the server's error and status reporting. */
export interface ClusterReporting {
  /** An adapter failure, a {@link PublishError} among them. */
  error(error: Error): void;
  /** The adapter's link went up or down. */
  status(state: AdapterState, error?: Error): void;
}

/** This server's members and rooms, and the adapter that links it to the others. */
export class Rooms {
  /** This server's id, unique across processes. */
  readonly serverId = newServerId();
  private readonly members = new Set<RoomMember>();
  private readonly rooms = new Map<string, Set<RoomMember>>();
  private readonly roomsOf = new Map<RoomMember, Set<string>>();
  private nextId = 0;
  private state: AdapterState | undefined;
  /** The message log of recovery, when the server has it on. */
  readonly recovery: RecoveryStore | undefined;
  /** Recovery through a shared log: the connections fed from it, by session id. */
  private readonly bySession = new Map<string, RoomMember>();
  /** The server's counters (`hx.stats()`). */
  readonly stats = new ServerStats();
  /** Writes every text message of this server's sockets (frames shared where possible). */
  readonly wire: FrameWriter;

  /**
   * @param adapter the transport to the other processes (started here)
   * @param reporting where adapter errors and status changes go
   * @param openStore recovery (undefined: off): opens the store of the message log, once the
   *   adapter has started, with this server's id and where a shared log hands its entries
   * @param wire how text messages are written (default: no compression)
   */
  constructor(
    private readonly adapter: HxWsAdapter,
    private readonly reporting: ClusterReporting,
    openStore?: (serverId: string, feed: (entry: LogEntry) => void) => RecoveryStore,
    wire?: FrameWriter,
  ) {
    this.wire = wire ?? new FrameWriter(undefined);
    const host: AdapterHost = {
      serverId: this.serverId,
      deliver: (message) =>
        deliver(message.room === undefined ? this.members : (this.rooms.get(message.room) ?? []), message.html, message.except, this.log(message.room, message.html, message.except, false)),
      localCount: (room) => this.localCount(room),
      localRooms: () => {
        const sizes = new Map<string, number>();
        for (const [room, members] of this.rooms) sizes.set(room, members.size);
        return sizes;
      },
      error: (error) => this.reporting.error(error),
      status: (state, error) => {
        if (state === this.state) return;
        this.state = state;
        this.stats.adapter(state);
        this.reporting.status(state, error);
      },
    };
    adapter.start(host);
    this.recovery = openStore?.(this.serverId, (entry) => this.feed(entry));
  }

  /** A new connection id: unique across processes. */
  newId(): string {
    return `${this.serverId}.${(this.nextId++).toString(36)}`;
  }

  /** This process's count of connections in `room` (every connection when undefined). */
  localCount(room?: string): number {
    return room === undefined ? this.members.size : (this.rooms.get(room)?.size ?? 0);
  }

  /** How many rooms of this process have a member. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** A connection opened. */
  add(member: RoomMember): void {
    this.members.add(member);
    this.adapter.presence(undefined, this.members.size);
  }

  /** Recovery through a shared log: `member` (of session `session`) is fed from the log from now on. */
  feedFromLog(member: RoomMember, session: string): void {
    this.bySession.set(session, member);
  }

  /**
   * Recovery through a shared log: an entry of the log (this process's own included), in log
   * order, for the connections fed from it.
   */
  feed(entry: LogEntry): void {
    if (entry.session !== undefined) {
      const member = this.bySession.get(entry.session);
      if (member) corkForThisTick(member.socket);
      member?.feed?.(entry);
      return;
    }
    const shared = new SharedFrames();
    for (const member of entry.room === undefined ? this.members : (this.rooms.get(entry.room) ?? [])) {
      if (!member.fed) continue;
      corkForThisTick(member.socket);
      member.feed?.(entry, shared);
    }
  }

  /** A connection closed; it leaves every room. */
  remove(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    const session = member.sessionId;
    if (session !== undefined && this.bySession.get(session) === member) this.bySession.delete(session);
    for (const room of [...(this.roomsOf.get(member) ?? [])]) this.leave(member, room);
    this.roomsOf.delete(member);
    this.adapter.presence(undefined, this.members.size);
  }

  /** Puts `member` in `room` (no-op if already in). */
  join(member: RoomMember, room: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    if (members.has(member)) return;
    members.add(member);
    let joined = this.roomsOf.get(member);
    if (!joined) this.roomsOf.set(member, (joined = new Set()));
    joined.add(room);
    this.adapter.presence(room, members.size);
  }

  /** Takes `member` out of `room` (no-op if not in). */
  leave(member: RoomMember, room: string): void {
    this.roomsOf.get(member)?.delete(room);
    const members = this.rooms.get(room);
    if (!members?.delete(member)) return;
    if (members.size === 0) this.rooms.delete(room);
    this.adapter.presence(room, members.size);
  }

  /**
   * Sends `text` to every connection but `except`: this process's now, the others' through the
   * adapter (unless `local`).
   * @returns how many connections of this process it was sent to
   */
  broadcast(text: string, except?: Except, local = false): number {
    const count = deliver(this.members, text, except, this.log(undefined, text, except, local));
    if (!local) this.publish(this.message(undefined, text, except));
    return count;
  }

  /**
   * Sends `text` to every connection in `room` but `except`, on every process (unless `local`).
   * @returns how many connections of this process it was sent to
   */
  toRoom(room: string, text: string, except?: Except, local = false): number {
    const count = deliver(this.rooms.get(room) ?? [], text, except, this.log(room, text, except, local));
    if (!local) this.publish(this.message(room, text, except));
    return count;
  }

  /** Connections in `room` (every connection when undefined) across every live process. */
  count(room?: string): Promise<number> {
    return this.adapter.count(room);
  }

  /** Leaves the cluster. */
  close(): Promise<void> {
    return this.adapter.close();
  }

  /**
   * Logs a message for recovery (when on). A shared log (a store that feeds) gets what the
   * adapter publishes; only a `local` message is logged here, for this process's recovering
   * connections.
   * @returns its position, for an in-memory log
   */
  private log(room: string | undefined, html: string, except: Except, local: boolean): string | undefined {
    const recovery = this.recovery;
    if (!recovery || (recovery.feeds && !local)) return undefined;
    const id = this.exceptId(except);
    const message = { ...(room === undefined ? {} : { room }), ...(id === undefined ? {} : { except: id }), html };
    const position = recovery.append(recovery.feeds ? { ...message, local: true } : message);
    return typeof position === 'string' ? position : undefined;
  }

  /** What the adapter publishes; with a shared log, an `except` socket of this process by its id. */
  private message(room: string | undefined, html: string, except: Except): AdapterMessage {
    const id = this.recovery?.feeds ? this.exceptId(except) : idOf(except);
    return { ...(room === undefined ? {} : { room }), html, ...(id === undefined ? {} : { except: id }) };
  }

  /** The connection id an `except` names, a bare socket of this process included. */
  private exceptId(except: Except): string | undefined {
    let id = idOf(except);
    if (id === undefined && except !== undefined) for (const m of this.members) if (m.socket === except) id = m.id;
    return id;
  }

  private publish(message: AdapterMessage): void {
    let pending: ReturnType<HxWsAdapter['publish']>;
    try {
      pending = this.adapter.publish(message);
    } catch (error) {
      this.reporting.error(new PublishError(message, error));
      return;
    }
    pending?.then(undefined, (error: unknown) => this.reporting.error(new PublishError(message, error)));
  }
}

/** The connection id an `except` names, for the other processes (a bare socket is local only). */
function idOf(except: Except): string | undefined {
  if (typeof except === 'string') return except;
  return except && 'id' in except && typeof except.id === 'string' ? except.id : undefined;
}
