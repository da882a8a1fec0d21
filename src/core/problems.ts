/**
 * The one shape of a problem found while reading settings, markup or files, before it is
 * reported (one `hx-ws-error` and one `console.error`, by {@link report}).
 *
 * @module
 */
import { reportProblem, type HxWsErrorReason } from '../events.js';

/** Something that stops a step, named well enough for a developer to fix it. */
export interface Problem<R extends HxWsErrorReason = HxWsErrorReason> {
  reason: R;
  /** A sentence naming the bad part. */
  message: string;
  /** The offending text, as written. */
  part?: string;
  cause?: unknown;
  /** The file a `file-rejected` problem is about. */
  file?: File;
}

/** Reports `p` on `target`. */
export function report(target: EventTarget, { reason, message, part, cause, file }: Problem): void {
  reportProblem(target, reason, message, { part, cause, ...(file ? { file } : {}) });
}

/** The one `console.error` line of a problem that has its own event (or none). */
export function logError(message: string, target: unknown): void {
  console.error(`hx-ws: ${message}`, target);
}
