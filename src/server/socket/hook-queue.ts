/**
 * Runs one connection's app code (hooks and handler calls) one after the other, and tells the
 * connection to stop reading while a request waits behind a running one.
 *
 * @module
 */
import { HookError } from '../errors.js';

/** What a {@link HookQueue} tells its connection (methods, so the connection lends itself). */
export interface HookQueueHost {
  /** Called with true to stop reading from the socket, false to read again. */
  setQueuePaused(paused: boolean): void;
  /** Where a hook's throw or rejection goes, as a {@link HookError}. */
  reportHookError(error: HookError): void;
}

/** A sequential queue of app code for one connection. */
export class HookQueue {
  private queued = 0;
  /** The last task's promise while any is queued; none when the queue is empty (an idle connection holds no promise). */
  private chain: Promise<void> | undefined;
  /** Once set, a waiting task no longer pauses reading (the socket is closing). */
  closing = false;

  /**
   * @param host pause control and error reporting
   * @param maxWaiting tasks that may wait behind the running one before reading pauses
   */
  constructor(
    private readonly host: HookQueueHost,
    private readonly maxWaiting = 1,
  ) {}

  /** Runs `task` after every task queued before it; pauses reading while one waits. */
  enqueue(hook: HookError['hook'], task: () => void | Promise<void>): void {
    const most = this.maxWaiting;
    this.queued += 1;
    if (this.queued > most && !this.closing) this.host.setQueuePaused(true);
    this.chain = (this.chain ?? Promise.resolve())
      .then(task)
      .catch((error: unknown) => this.host.reportHookError(new HookError(hook, error)))
      .finally(() => {
        this.queued -= 1;
        // Nothing was chained after this task: its promise is the chain, and can go.
        if (this.queued === 0) this.chain = undefined;
        if (this.queued <= most) this.host.setQueuePaused(false);
      });
  }

  /** Tasks queued, the running one included. */
  get size(): number {
    return this.queued;
  }

  /** Resolves once every task queued so far has settled, or after `withinMs`, whichever is first. */
  drained(withinMs: number): Promise<void> {
    if (!this.chain) return Promise.resolve();
    // The wait must not keep the process alive.
    return Promise.race([this.chain, new Promise<void>((resolve) => setTimeout(resolve, withinMs).unref())]);
  }
}
