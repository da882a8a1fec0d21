/**
 * The optional request rate of one connection ({@link RequestRate}): a token bucket that holds
 * `burst` tokens, gains `perSecond` a second, and gives one per request. A request that finds it
 * empty is over the rate.
 *
 * @module
 */

/** `attachHxWs({ requestRate })`: the most requests a second one connection may send, with a burst. */
export interface RequestRateOptions {
  /** Requests a second, on average (may be fractional: 0.5 is one every two seconds). */
  perSecond: number;
  /** Requests that may come at once after a quiet spell. Default: `perSecond`, at least 1. */
  burst?: number;
}

/** One connection's token bucket. */
export class RequestRate {
  private tokens: number;
  private at: number;
  private readonly burst: number;

  /**
   * @param options the rate and the burst
   * @param now the clock, in ms (tests pass their own)
   * @throws {RangeError} when the rate or the burst is not a positive number
   */
  constructor(
    private readonly options: RequestRateOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) {
      throw new RangeError(`attachHxWs: requestRate.perSecond must be a positive number, got ${String(options.perSecond)}`);
    }
    this.burst = options.burst ?? Math.max(1, options.perSecond);
    if (!(this.burst >= 1) || !Number.isFinite(this.burst)) throw new RangeError(`attachHxWs: requestRate.burst must be at least 1, got ${String(options.burst)}`);
    this.tokens = this.burst;
    this.at = now();
  }

  /** Takes a token for a request. @returns false when there is none (over the rate) */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.options.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The rate in words, for a refusal. */
  describe(): string {
    return `over the request rate of ${this.options.perSecond} a second (burst ${this.burst})`;
  }
}
