/**
 * The two clocks of one socket: the connect clock gives up on a socket still connecting (or a
 * recovery offer still unanswered) after `connect-timeout`; the idle clock takes an open socket
 * that received nothing for `idle-timeout` for dead. Timers are injected ({@link Timers}).
 *
 * @module
 */
import type { Timers } from './retry.js';

/** `ms` in words for a message: `5 s`, `2.5 s`, `800 ms`. */
export function inWords(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : ms > 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/** At most one connect and one idle timer. */
export class Watchdog {
  #connectTimer: unknown;
  #idleTimer: unknown;

  readonly #timers: Timers;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Whether the idle clock runs (it is restarted by every message). */
  get idling(): boolean {
    return this.#idleTimer !== undefined;
  }

  /** Runs `fire(ms)` after `ms` unless {@link clear}ed first; `ms` of 0 or less: never. */
  connect(ms: number, fire: (ms: number) => void): void {
    this.#timers.clearTimeout(this.#connectTimer);
    this.#connectTimer = ms > 0 ? this.#timers.setTimeout(() => ((this.#connectTimer = undefined), fire(ms)), ms) : undefined;
  }

  /** (Re)starts the idle clock: `fire(ms)` after `ms` with nothing received; 0 or less: off. */
  idle(ms: number, fire: (ms: number) => void): void {
    this.#timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = ms > 0 ? this.#timers.setTimeout(() => ((this.#idleTimer = undefined), fire(ms)), ms) : undefined;
  }

  /** Stops both clocks. */
  clear(): void {
    this.connect(0, () => {});
    this.idle(0, () => {});
  }
}
