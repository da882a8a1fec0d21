/**
 * The one ordering of every send on a connection: requests go out in the order they were made,
 * whether they are raw data, a form that is ready, or a form whose files are still being read;
 * while the socket is not open they wait in a bounded queue.
 *
 * @module
 */
import { type OutgoingRequest } from '../events.js';
import { reportProblem } from '../core/dispatch.js';

let requestIds = 0;

/** A fresh request id, in creation order. */
export function nextRequestId(): number {
  return ++requestIds;
}

/** The requests of one connection that have not reached its socket yet. */
export class Outbox {
  #waiting: OutgoingRequest[] = [];
  #tail: Promise<unknown> = Promise.resolve();
  #steps = 0;

  /** Requests waiting for the socket to open. */
  get queued(): readonly OutgoingRequest[] {
    return this.#waiting;
  }

  /** Whether an earlier send is still being prepared (reading files): new sends wait behind it. */
  get busy(): boolean {
    return this.#steps > 0;
  }

  /** Runs `step` after every step handed in before it, whatever became of those. */
  after<T>(step: () => T | Promise<T>): Promise<T> {
    this.#steps += 1;
    const run = this.#tail.then(step);
    const settle = (): void => void (this.#steps -= 1);
    this.#tail = run.then(settle, settle);
    return run;
  }

  /** Keeps `request` until the socket opens. A full queue drops it with an error event. */
  hold(request: OutgoingRequest, limit: number): boolean {
    if (this.#waiting.length >= limit) {
      reportProblem(request.source, 'queue-overflow', `the send queue is full (${limit} requests); request ${request.id} was dropped`, { request });
      return false;
    }
    this.#waiting.push(request);
    return true;
  }

  /** Takes every waiting request out, in order. */
  take(): OutgoingRequest[] {
    const all = this.#waiting;
    this.#waiting = [];
    return all;
  }

  /** Reports every waiting request as not sent (`send-abandoned`) and forgets it. */
  abandon(why: string): void {
    for (const request of this.take()) {
      reportProblem(request.source, 'send-abandoned', `${why}; queued request ${request.id} was not sent`, { request });
    }
  }
}
