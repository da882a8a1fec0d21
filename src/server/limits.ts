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
   * While oob frames are pending: how long (ms) the connection may go without progress (a binary
   * frame, or {@link HxWsDecoder.touch}) before the request fails. Default 30 000. Code 1008.
   */
  oobTimeoutMs: number;
}

/** The default {@link DecoderLimits}. */
export const DEFAULT_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxTextFrameBytes: 1024 * 1024,
  maxFileBytes: 100 * 1024 * 1024,
  maxFiles: 100,
  maxRequestBytes: 200 * 1024 * 1024,
  oobTimeoutMs: 30_000,
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

/**
 * Merges limit overrides with {@link DEFAULT_LIMITS}.
 * @param overrides limits to change
 * @returns the full, frozen set of limits
 * @throws {RangeError} when a limit is not a positive integer
 */
export function resolveLimits(overrides: Partial<DecoderLimits> = {}): Readonly<DecoderLimits> {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isSafeInteger(value)) {
      throw new RangeError(`hx-ws decoder: limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return Object.freeze(limits);
}

