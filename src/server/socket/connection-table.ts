/**
 * The open connections of one server ({@link ConnectionTable}), kept in heartbeat slots so that a
 * round of pings is spread over the ping interval instead of run in one event-loop turn.
 *
 * @module
 */

/** The shortest time between two heartbeat ticks, in ms: a slot per this much of the interval. */
export const HEARTBEAT_TICK_MS = 25;

/** The most slots: a very long interval gets longer ticks rather than more of them. */
const MAX_SLOTS = 1000;

/** What the table asks of a connection at its heartbeat. */
export interface Beating {
  /** One heartbeat: a ping, or the end of a peer that answered nothing since the last one. */
  heartbeat(): void;
  /** Its slot in the table, set by the table (-1: in none). */
  slot: number;
}

/**
 * The open connections, each in one of the interval's slots (given round-robin as they open): one
 * per {@link HEARTBEAT_TICK_MS} of the ping interval, at most 1000. Tick `n` of the interval is
 * due `n` tick lengths after the table was made, by the clock (a late timer does not push the
 * later ticks back); {@link tick} visits the slots of the ticks that came due, so every
 * connection is visited once per interval, always at the same place in it, and a tick touches
 * about `size / slots` of them. A slot is visited again only once the interval, less one tick,
 * has passed since its last visit (a visit that came late, after the event loop was held up, moves
 * its slot's next visit to the following round), so a live peer always has a whole interval to
 * answer its ping, as with one ping round per interval.
 */
export class ConnectionTable<C extends Beating> implements Iterable<C> {
  private readonly slots: Set<C>[];
  /** When each slot was last visited. */
  private readonly visited: number[];
  private readonly start: number;
  /** The length of a tick, ms. */
  readonly tickMs: number;
  private count = 0;
  private nextSlot = 0;
  /** Ticks done since the start. */
  private done = 0;

  /**
   * @param intervalMs the ping interval (0: no heartbeat, one slot)
   * @param now the clock, ms
   */
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const slots = Math.min(MAX_SLOTS, Math.max(1, Math.floor(intervalMs / HEARTBEAT_TICK_MS)));
    this.slots = Array.from({ length: slots }, () => new Set<C>());
    this.visited = Array.from({ length: slots }, () => -Infinity);
    this.tickMs = intervalMs / slots;
    this.start = now();
  }

  /** Open connections. */
  get size(): number {
    return this.count;
  }

  add(connection: C): void {
    if (this.slots[connection.slot]?.has(connection)) return;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slots.length;
    this.slots[slot]!.add(connection);
    connection.slot = slot;
    this.count += 1;
  }

  delete(connection: C): boolean {
    if (!this.slots[connection.slot]?.delete(connection)) return false;
    connection.slot = -1;
    this.count -= 1;
    return true;
  }

  *[Symbol.iterator](): Iterator<C> {
    for (const slot of this.slots) yield* [...slot];
  }

  /** A heartbeat tick: the connections of each slot that came due get their heartbeat. */
  tick(): void {
    const slots = this.slots.length;
    const due = Math.floor((this.now() - this.start) / this.tickMs);
    // After a stall of more than an interval, each slot once.
    if (due - this.done > slots) this.done = due - slots;
    while (this.done < due) {
      this.done += 1;
      const slot = this.done % slots;
      const at = this.now();
      if (at - this.visited[slot]! < this.intervalMs - this.tickMs) continue;
      this.visited[slot] = at;
      for (const connection of this.slots[slot]!) connection.heartbeat();
    }
  }
}
