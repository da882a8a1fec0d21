/**
 * Runs one connection's app code (hooks and handler calls) one after the other, and tells the
 * connection to stop reading while a request waits behind a running one.
 *
 * @module
 */
import { HookError } from '../errors.js';

/** Options of {@link HookQueue}. */
export interface HookQueueOptions {
  /** Called with true to stop reading from the socket, false to read again. */
  setPaused: (paused: boolean) => void;
  /** Where a hook's throw or rejection goes, as a {@link HookError}. */
  reportError: (error: HookError) => void;
  /** Tasks that may wait behind the running one before reading pauses. Default 1. */
  maxWaiting?: number;
}

/** A sequential queue of app code for one connection. */
export class HookQueue {
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Once set, a waiting task no longer pauses reading (the socket is closing). */
  closing = false;

  /** @param options pause control and error reporting */
  constructor(private readonly options: HookQueueOptions) {}

  /** Runs `task` after every task queued before it; pauses reading while one waits. */
  enqueue(hook: HookError['hook'], task: () => void | Promise<void>): void {
    const most = this.options.maxWaiting ?? 1;
    this.queued += 1;
    if (this.queued > most && !this.closing) this.options.setPaused(true);
    this.chain = this.chain
      .then(task)
      .catch((error: unknown) => this.options.reportError(new HookError(hook, error)))
      .finally(() => {
        this.queued -= 1;
        if (this.queued <= most) this.options.setPaused(false);
      });
  }

  /** Tasks queued, the running one included. */
  get size(): number {
    return this.queued;
  }

  /** Resolves once every task queued so far has settled, or after `withinMs`, whichever is first. */
  drained(withinMs: number): Promise<void> {
    // The wait must not keep the process alive.
    return Promise.race([this.chain, new Promise<void>((resolve) => setTimeout(resolve, withinMs).unref())]);
  }
}
