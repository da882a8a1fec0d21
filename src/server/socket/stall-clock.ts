/**
 * A clock that notices a transfer that stopped or slowed to a trickle. It fails when no
 * progress came for `idleMs` (idle), or when a window of `idleMs` carried some bytes but fewer
 * than `minBytesPerSecond` a second and finished no frame (slow; a window whose bytes all came in
 * its first half is judged at the idle deadline instead, so a stop is reported as one). Used for
 * pending oob files and for text messages still arriving. Only what the caller counts is
 * progress; pings and other traffic are not.
 *
 * @module
 */
import type { DecoderTimers } from '../decoder/decoder-limits.js';

/** Why a {@link StallClock} fired. */
export type StallReason =
  | { kind: 'idle'; idleMs: number }
  | { kind: 'slow'; bytes: number; windowMs: number };

/** A clock for one transfer at a time: {@link start}, {@link progress}, {@link stop}. */
export class StallClock {
  private timer: unknown;
  private running = false;
  private paused = false;
  private lastProgress = 0;
  private windowStart = 0;
  private windowBytes = 0;
  private windowDone = false;
  /** The window ended slow but its bytes stopped early; waiting for the idle deadline. */
  private late = false;

  /**
   * @param timers the clock
   * @param idleMs longest time without progress, and the length of a rate window
   * @param minBytesPerSecond the lowest rate a window may average
   * @param onStall called once when the transfer stalls; the clock is stopped by then
   */
  constructor(
    private readonly timers: DecoderTimers,
    private readonly idleMs: number,
    private readonly minBytesPerSecond: number,
    private readonly onStall: (reason: StallReason) => void,
  ) {}

  /** Whether a transfer is being timed. */
  get active(): boolean {
    return this.running;
  }

  /** Starts timing a transfer, from zero. */
  start(): void {
    this.stopTimer();
    this.running = true;
    this.restartWindow();
    if (!this.paused) this.schedule();
  }

  /**
   * `bytes` of the transfer arrived (0: a sign of life that carries no bytes).
   * @param bytes how many
   * @param frameDone whether they finished a frame (a window that finished one is never slow)
   */
  progress(bytes: number, frameDone = false): void {
    if (!this.running) return;
    this.lastProgress = this.timers.now();
    this.windowBytes += bytes;
    if (frameDone) this.windowDone = true;
  }

  /** The transfer is over. */
  stop(): void {
    this.running = false;
    this.stopTimer();
  }

  /** Stops counting time (reading is paused on purpose); {@link unpause} starts from zero. */
  pause(): void {
    this.paused = true;
    this.stopTimer();
  }

  /** Counts time again after {@link pause}, with a fresh window. */
  unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.running) return;
    this.restartWindow();
    this.schedule();
  }

  private restartWindow(): void {
    const now = this.timers.now();
    this.lastProgress = now;
    this.windowStart = now;
    this.windowBytes = 0;
    this.windowDone = false;
    this.late = false;
  }

  private schedule(): void {
    const now = this.timers.now();
    const due = Math.min(this.lastProgress, this.windowStart) + this.idleMs;
    this.timer = this.timers.setTimeout(() => this.check(), Math.max(1, due - now));
  }

  private stopTimer(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private check(): void {
    this.timer = undefined;
    if (!this.running || this.paused) return;
    const now = this.timers.now();
    const idle = now - this.lastProgress;
    if (idle >= this.idleMs) return this.fire({ kind: 'idle', idleMs: idle });
    const windowMs = now - this.windowStart;
    if (windowMs >= this.idleMs) {
      const slow = this.windowBytes > 0 && !this.windowDone && this.windowBytes * 1000 < this.minBytesPerSecond * windowMs;
      if (slow) {
        // Bytes still coming in the window's second half: a trickle. Bytes that came early and
        // stopped: a stall, told apart at the idle deadline (slow if bytes came by then).
        if (this.late || idle * 2 < windowMs) return this.fire({ kind: 'slow', bytes: this.windowBytes, windowMs });
        this.late = true;
        this.timer = this.timers.setTimeout(() => this.check(), Math.max(1, this.lastProgress + this.idleMs - now));
        return;
      }
      this.windowStart = now;
      this.windowBytes = 0;
      this.windowDone = false;
      this.late = false;
    }
    this.schedule();
  }

  private fire(reason: StallReason): void {
    this.stop();
    this.onStall(reason);
  }
}
