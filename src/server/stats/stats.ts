/**
 * What `hx.stats()` reports ({@link HxWsStats}), and the counters behind it
 * ({@link ServerStats}): one object per server, bumped at the places where a message arrives or
 * leaves, an upgrade is refused, a connection closes, the adapter's link changes state and a
 * recovering page is answered. Counters only grow (until the process restarts); `connections` and
 * `rooms` are read when the snapshot is taken.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { AdapterState } from '../hub/adapter.js';

/**
 * Why connections closed, as {@link HxWsStats.closes} counts them: the same causes as
 * `onClose`'s `CloseCause`.
 */
export const CLOSE_CAUSES = ['peer', 'protocol', 'heartbeat', 'backpressure', 'shutdown', 'expired'] as const;

/** One of {@link CLOSE_CAUSES}. */
export type StatsCloseCause = (typeof CLOSE_CAUSES)[number];

/**
 * The HTTP statuses an upgrade is refused with, as {@link HxWsStats.refusals} counts them: 401
 * (`authenticate` refused it), 403 (its Host or Origin, or `authenticate`), 404 (a path nobody
 * serves), 429 (`maxConnectionsPerAddress`), 500 (`authenticate` threw) and 503
 * (`maxConnections`, or `authenticate` did not answer in time).
 */
export const REFUSAL_STATUSES = [401, 403, 404, 429, 500, 503] as const;

/** One of {@link REFUSAL_STATUSES}. */
export type StatsRefusalStatus = (typeof REFUSAL_STATUSES)[number];

/** A snapshot of one server's counters, as `hx.stats()` returns it. */
export interface HxWsStats {
  /** Open connections of this process (recovering ones whose offer is pending included). */
  readonly connections: number;
  /** Rooms of this process with at least one member. */
  readonly rooms: number;
  /** Data frames received (each frame of a request with files counts). */
  readonly messagesIn: number;
  /** Payload bytes of those frames. */
  readonly bytesIn: number;
  /** Messages sent, one per socket (a broadcast to 100 sockets counts 100), control elements included. */
  readonly messagesOut: number;
  /** UTF-8 bytes of those messages (payload only, no frame headers). */
  readonly bytesOut: number;
  /**
   * Bytes of those messages as framed for the wire: frame headers included, and the compressed
   * size of a compressed message. A message `ws` compressed itself (a socket with server context
   * takeover) counts its uncompressed size: an upper bound.
   */
  readonly wireBytesOut: number;
  /** Upgrades refused, by HTTP status. */
  readonly refusals: Readonly<Record<StatsRefusalStatus, number>>;
  /** Connections closed, by cause (see `CloseCause`). */
  readonly closes: Readonly<Record<StatsCloseCause, number>>;
  /** The adapter's link to the other processes. */
  readonly adapter: {
    /** `up` or `down` as last reported; `none` until the adapter reports (the in-memory adapter never does). */
    readonly state: AdapterState | 'none';
    /** How many times it went down. */
    readonly downs: number;
  };
  /** Recovery: pages answered after a drop. */
  readonly recovery: {
    /** Offers answered with everything since the page's position (or its session). */
    readonly hits: number;
    /** Offers naming a session or a position that could not be recovered (the page got a snapshot). */
    readonly misses: number;
    /** Offers with neither: a page's first socket. */
    readonly fresh: number;
  };
}

function zeroes<K extends string | number>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** The counters of one server. */
export class ServerStats {
  private messagesIn = 0;
  private bytesIn = 0;
  private messagesOut = 0;
  private bytesOut = 0;
  private wireBytesOut = 0;
  private readonly refusals = zeroes(REFUSAL_STATUSES);
  private readonly closes = zeroes(CLOSE_CAUSES);
  private state: AdapterState | 'none' = 'none';
  private downs = 0;
  private hits = 0;
  private misses = 0;
  private fresh = 0;

  /** A data frame of `bytes` arrived. */
  received(bytes: number): void {
    this.messagesIn += 1;
    this.bytesIn += bytes;
  }

  /** The last text counted, and its UTF-8 length: a broadcast sends one string to many sockets. */
  private lastText = '';
  private lastBytes = 0;

  /**
   * A text message went to one socket.
   * @param wire the bytes its frame took on the wire, when known (else the frame of its payload)
   */
  sent(text: string, wire?: number): void {
    this.messagesOut += 1;
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastBytes = Buffer.byteLength(text, 'utf8');
    }
    this.bytesOut += this.lastBytes;
    this.wireBytesOut += wire ?? this.lastBytes + (this.lastBytes < 126 ? 2 : this.lastBytes < 65536 ? 4 : 10);
  }

  /** An upgrade was refused with `status`. */
  refused(status: number): void {
    if (status in this.refusals) this.refusals[status as StatsRefusalStatus] += 1;
  }

  /** A connection closed. */
  closed(cause: StatsCloseCause): void {
    this.closes[cause] += 1;
  }

  /** The adapter's link changed state. */
  adapter(state: AdapterState): void {
    if (state === 'down' && this.state !== 'down') this.downs += 1;
    this.state = state;
  }

  /**
   * A recovering page's offer was answered.
   * @param recovered whether it got everything since its position
   * @param asked whether the offer named a session or a position
   */
  recovery(recovered: boolean, asked: boolean): void {
    if (recovered) this.hits += 1;
    else if (asked) this.misses += 1;
    else this.fresh += 1;
  }

  /** The counters now, with the two gauges read by the caller. */
  snapshot(connections: number, rooms: number): HxWsStats {
    return {
      connections,
      rooms,
      messagesIn: this.messagesIn,
      bytesIn: this.bytesIn,
      messagesOut: this.messagesOut,
      bytesOut: this.bytesOut,
      wireBytesOut: this.wireBytesOut,
      refusals: { ...this.refusals },
      closes: { ...this.closes },
      adapter: { state: this.state, downs: this.downs },
      recovery: { hits: this.hits, misses: this.misses, fresh: this.fresh },
    };
  }
}
