/// <reference types="node" />
/**
 * The decoder's size, count and time limits, their defaults, and the clock it times out with.
 *
 * @module
 */

/** Size, count and time limits. Breaking one is a {@link ProtocolError}. */
export interface DecoderLimits {
  /** Largest text (JSON) frame in bytes, inline files included. Default 1 MiB. Code 1009. */
  maxTextFrameBytes: number;
  /** Largest single file in bytes (declared size for oob, decoded size for inline). Default 100 MiB. Code 1009. */
  maxFileBytes: number;
  /** Most files in one request, all serializations counted. Default 100. Code 1008. */
  maxFiles: number;
  /** Largest request in bytes: the JSON frame plus every declared oob size. Default 200 MiB. Code 1009. */
  maxRequestBytes: number;
  /**
   * While oob frames are pending: how long (ms) the connection may go without progress (file
   * bytes: a binary frame, or {@link HxWsDecoder.touch}) before the request fails. Pings and
   * other traffic are not progress. Default 30 000. Code 1008 (`oob-timeout`).
   */
  oobTimeoutMs: number;
  /**
   * While oob frames are pending: the slowest upload allowed, in file bytes a second averaged
   * over each `oobTimeoutMs` window. A window that finished a frame, or carried no bytes at all
   * (the idle rule's case), is never too slow. Default 8192 (64 kbit/s). Code 1008 (`too-slow`).
   */
  minBytesPerSecond: number;
  /**
   * Largest `chunkSize` a `file/oob-chunked` descriptor may name (so the largest binary frame
   * of a chunked file). Default 16 MiB. Code 1009.
   */
  maxChunkBytes: number;
  /**
   * Largest file that arrives in memory: an unchunked `file/oob` file (its one binary frame is
   * buffered whole), and a chunked one when the server has no `fileSink`. With a disk sink,
   * raise `maxFileBytes` and `maxRequestBytes` for big chunked uploads and keep this low, so that
   * a page cannot send the same size unchunked into memory. Default: `maxFileBytes`. Code 1009
   * (or a refusal, for a request with an `HX-Request-Id`).
   */
  maxMemoryFileBytes: number;
}

/** The default {@link DecoderLimits}. */
export const DEFAULT_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxTextFrameBytes: 1024 * 1024,
  maxFileBytes: 100 * 1024 * 1024,
  maxFiles: 100,
  maxRequestBytes: 200 * 1024 * 1024,
  oobTimeoutMs: 30_000,
  minBytesPerSecond: 8192,
  maxChunkBytes: 16 * 1024 * 1024,
  maxMemoryFileBytes: 100 * 1024 * 1024,
});

/** The clock the decoder uses for the oob timeout; inject a fake one in tests. */
export interface DecoderTimers {
  /** Schedules `fn` after `ms` milliseconds; returns a handle for {@link clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle from {@link setTimeout}. */
  clearTimeout(handle: unknown): void;
  /** The current time in milliseconds. */
  now(): number;
}

/** The global timers and `Date.now`, timers unref'd. */
export const systemTimers: DecoderTimers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending upload must not keep a process alive that is otherwise done.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** Limits this module resolved: passed again, they are taken as they are. */
const resolved = new WeakSet<object>();

/**
 * Merges limit overrides with {@link DEFAULT_LIMITS}. A set this function returned comes back
 * as it is (a server resolves its limits once, and its connections share them).
 * @param overrides limits to change
 * @returns the full, frozen set of limits
 * @throws {RangeError} when a limit is not a positive integer
 */
export function resolveLimits(overrides: Partial<DecoderLimits> = {}): Readonly<DecoderLimits> {
  if (resolved.has(overrides)) return overrides as Readonly<DecoderLimits>;
  // maxMemoryFileBytes follows maxFileBytes unless it is set.
  const limits = { ...DEFAULT_LIMITS, ...overrides, maxMemoryFileBytes: overrides.maxMemoryFileBytes ?? overrides.maxFileBytes ?? DEFAULT_LIMITS.maxMemoryFileBytes };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isSafeInteger(value)) {
      throw new RangeError(`hx-ws decoder: limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  Object.freeze(limits);
  resolved.add(limits);
  return limits;
}

