/**
 * The server's own limits, next to the decoder's: connections, heartbeat, send buffers, frame
 * and close deadlines. One table, with its defaults, in {@link DEFAULT_SERVER_LIMITS}; the same
 * table is in the README ("Server options") and `docs/reliability.md`.
 *
 * @module
 */

/** Limits of {@link attachHxWs} that are about sockets rather than requests. */
export interface ServerLimits {
  /**
   * Most open connections (handshakes included). An upgrade over it is answered with HTTP 503.
   * Default 10 000.
   */
  maxConnections: number;
  /**
   * Most open connections from one remote address (see `addressOf`). An upgrade over it is
   * answered with HTTP 429. Behind a reverse proxy every client has the proxy's address: pass
   * `addressOf` to read the client's from a header the proxy sets. Default 256.
   */
  maxConnectionsPerAddress: number;
  /**
   * Heartbeat: every interval the server pings each connection; one that sent nothing at all
   * (no pong, no data) since the previous ping is terminated, and `onClose` gets cause
   * `heartbeat`. A silent peer thus goes within one to two intervals (and one 25 ms tick).
   * The pings of a round are spread over the interval: each connection has a slot, one per
   * 25 ms of the interval (at most 1000), and each tick pings one slot, so no turn of the event
   * loop pings every socket. Connections whose reading is paused by the app are not pinged. TCP
   * keepalive is turned on with the same delay. 0 turns both off. Default 30 000 ms.
   */
  pingIntervalMs: number;
  /**
   * Highest amount of data waiting to be sent on one socket (`bufferedAmount`) after a send.
   * Over it, the socket is closed with 1013 (try again later) and `onClose` gets cause
   * `backpressure`: the client is not reading (a stalled tab, a dead path), and would otherwise
   * hold the server's memory. Default 4 MiB.
   */
  maxBufferedBytes: number;
  /**
   * A text message that has begun must go on arriving: no byte for this long, or a window of
   * this length at under `minBytesPerSecond` (decoder limits), closes with 1008 (`frame-timeout`,
   * `too-slow`). Binary frames are timed by the decoder's `oobTimeoutMs`. Default 30 000 ms.
   */
  frameTimeoutMs: number;
  /**
   * How long a close may take: after sending a close frame, a socket whose peer does not answer
   * is terminated after this long; `close()` of the server terminates whatever is still open
   * after this long and then resolves. Also the longest wait for queued handlers before a
   * protocol close. Default 5000 ms.
   */
  closeTimeoutMs: number;
  /**
   * How long the server keeps a chunked upload that a drop cut off, for the page to resume it
   * after reconnecting (`file/oob-chunked` with `resume`); then its sink is destroyed (a
   * {@link diskSink} file removed). 0 keeps nothing. Default 60 000 ms.
   */
  resumeWindowMs: number;
  /**
   * Most small frames (under 4 KiB) one data message may have (its first frame and its
   * continuations). `ws` keeps every fragment until the message is whole, so a flood of tiny
   * continuation frames costs far more memory than its bytes; over it the socket is closed with
   * 1008 (`too-many-fragments`). Bigger frames do not count: browsers cut a big message into
   * frames of their own size (Chromium: about 128 KiB). Default 1024.
   */
  maxFramesPerMessage: number;
  /**
   * Requests (and hooks) that may wait behind the one the handler is running before reading from
   * the socket pauses; it reads again once the queue is back under it. What `ws` has already
   * read from the network still arrives (at most one read, 64 KiB, of frames). Default 1.
   */
  maxQueuedRequests: number;
}

/** The default {@link ServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  frameTimeoutMs: 30_000,
  closeTimeoutMs: 5000,
  resumeWindowMs: 60_000,
  maxFramesPerMessage: 1024,
  maxQueuedRequests: 1,
});

/**
 * The server limits in force: the defaults, overridden by what the options set.
 * @throws {RangeError} when a limit is not a positive integer (`pingIntervalMs` and `resumeWindowMs` may be 0)
 */
export function resolveServerLimits(options: Partial<ServerLimits>): Readonly<ServerLimits> {
  const limits = { ...DEFAULT_SERVER_LIMITS };
  for (const name of Object.keys(limits) as Array<keyof ServerLimits>) {
    const value = options[name];
    if (value === undefined) continue;
    const min = name === 'pingIntervalMs' || name === 'resumeWindowMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new RangeError(`attachHxWs: ${name} must be an integer of at least ${min}, got ${String(value)}`);
    }
    limits[name] = value;
  }
  return Object.freeze(limits);
}
