/**
 * Reconnect scheduling: full-jitter backoff, the retry timer, and wake-ups (back online, tab
 * visible again) that cut a wait short. Random source and timers are injected, so tests drive
 * them without patching globals.
 *
 * @module
 */
import type { ReconnectDelay } from '../config.js';

import type { Timers } from '../core/features.js';

export type { Timers } from '../core/features.js';

/** The page's timers, looked up at each call (so fake timers installed later still apply). */
export const pageTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** `Math.random`, looked up at each call. */
export const pageRandom = (): number => Math.random();

/** Longest exponent used by full jitter: delays stop growing after 64 s. */
export const MAX_JITTER_EXPONENT = 6;

/**
 * Full-jitter exponential backoff: a uniformly random delay in `[0, 1000 * 2^min(retryCount, 6))`
 * milliseconds. `retryCount` is 0 for the first reconnect after an open.
 */
export function fullJitter(retryCount: number, random: () => number = pageRandom): number {
  return random() * 1000 * 2 ** Math.min(Math.max(0, retryCount), MAX_JITTER_EXPONENT);
}

/**
 * The delay before reconnect number `retryCount + 1`. A function that throws or returns
 * something other than a finite, non-negative number falls back to full jitter.
 */
export function reconnectDelay(policy: ReconnectDelay, retryCount: number, random: () => number = pageRandom): number {
  if (policy === 'full-jitter') return fullJitter(retryCount, random);
  let ms: unknown;
  try {
    ms = policy(retryCount);
  } catch {
    ms = NaN;
  }
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : fullJitter(retryCount, random);
}

/**
 * One pending reconnect at a time: a timer, or (paused while hidden) a wait for the tab to be
 * visible. `online`, and `visibilitychange` to visible, run it at once.
 */
export class RetrySchedule {
  #timer: unknown;
  #waiting = false;

  readonly #run: () => void;
  readonly #timers: Timers;

  constructor(
    run: () => void,
    timers: Timers,
  ) {
    this.#run = run;
    this.#timers = timers;
  }

  /** Whether a reconnect is pending. */
  get pending(): boolean {
    return this.#waiting;
  }

  /** Listens for wake-ups (call when the owner starts). */
  listen(): void {
    window.addEventListener('online', this.#onWake);
    document.addEventListener('visibilitychange', this.#onWake);
  }

  /** Stops listening and drops the pending reconnect. */
  unlisten(): void {
    window.removeEventListener('online', this.#onWake);
    document.removeEventListener('visibilitychange', this.#onWake);
    this.cancel();
  }

  /** Runs after `delay` ms, or only once the tab is visible when `pauseWhileHidden`. */
  schedule(delay: number, pauseWhileHidden: boolean): void {
    this.cancel();
    this.#waiting = true;
    if (pauseWhileHidden && document.visibilityState === 'hidden') return; // a wake-up resumes
    this.#timer = this.#timers.setTimeout(() => this.#fire(), delay);
  }

  /** Drops the pending reconnect, if any. */
  cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = false;
  }

  #fire(): void {
    this.cancel();
    this.#run();
  }

  readonly #onWake = (e: Event): void => {
    if (!this.#waiting) return;
    if (e.type === 'visibilitychange' && document.visibilityState !== 'visible') return;
    this.#fire();
  };
}
