/**
 * Received messages, applied in arrival order, back-to-back ones together. A message that finds
 * the page idle is applied at once, in its own task; the ones that arrive before the next task
 * of ours wait for it and are applied then, in one pass, as long as more keep coming. A pass
 * stops after {@link PASS_MS} and leaves the rest to the next one, so frames still come through a
 * flood.
 *
 * @module
 */

/** The longest a pass runs before it lets the page render (ms). */
export const PASS_MS = 8;

/**
 * The longest a message waits for the pass: a browser may run network tasks before ours for a
 * while (a busy machine), and then the next message to arrive applies the waiting ones itself.
 */
export const MAX_WAIT_MS = 2;

/**
 * A message that comes this long after the last one was applied is not part of a burst: it is
 * applied at once even while a pass is still to come (some engines deliver our task late).
 */
export const GAP_MS = 1;

/** Runs `fn` in a task of its own, after the tasks already queued (no 4 ms timer clamp). */
const nextTask: (fn: () => void) => void = (() => {
  const waiting: (() => void)[] = [];
  let channel: MessageChannel | undefined;
  return (fn) => {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    waiting.push(fn);
    channel.port2.postMessage(null);
  };
})();

/** One connection's received messages on their way to being applied. */
export class Inbox<T> {
  /** Messages waiting for the next pass; `null` when none is scheduled (the page is idle). */
  #waiting: T[] | null = null;
  /** When the first of {@link #waiting} arrived (page clock). */
  #since = 0;
  /** When the last message was applied (page clock). */
  #last = 0;

  constructor(
    /** Applies one message; a throw is the caller's to report (the others still go). */
    readonly receive: (message: T) => void,
  ) {}

  /** A message arrived: applied now when the page is idle, else at the next pass. */
  push(message: T): void {
    const waiting = this.#waiting;
    if (waiting) {
      const now = performance.now();
      if (waiting.length === 0) {
        if (now - this.#last > GAP_MS) return this.#apply(message); // alone, though a pass is due
        this.#since = now;
      } else if (now - this.#since > MAX_WAIT_MS) {
        // Waited too long for the pass: apply them now, in this task.
        this.#waiting = [];
        for (const m of waiting) this.receive(m);
        return this.#apply(message);
      }
      waiting.push(message);
      return;
    }
    this.#waiting = [];
    nextTask(this.#pass);
    this.#apply(message);
  }

  #apply(message: T): void {
    this.receive(message);
    this.#last = performance.now();
  }

  /** Applies every waiting message now (before the socket they came from is let go). */
  flush(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting) for (const message of waiting) this.receive(message);
  }

  readonly #pass = (): void => {
    const waiting = this.#waiting;
    if (!waiting) return; // flushed meanwhile
    if (waiting.length === 0) {
      this.#waiting = null; // nothing came: idle again
      return;
    }
    this.#waiting = [];
    nextTask(this.#pass);
    const end = performance.now() + PASS_MS;
    let i = 0;
    while (i < waiting.length) {
      this.receive(waiting[i++]!);
      this.#last = performance.now();
      if (i < waiting.length && this.#last > end) break;
    }
    // Out of time: the rest goes first in the next pass.
    if (i < waiting.length) this.#waiting = waiting.slice(i).concat(this.#waiting ?? []);
  };
}
