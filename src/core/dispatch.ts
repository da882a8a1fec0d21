/**
 * How the library tells the page things: {@link emit} dispatches an event (and, when the htmx
 * feature is loaded, its htmx twin); {@link reportProblem} is the one way a problem is reported
 * (one `hx-ws-error` and one `console.error`). Internal: not part of any entry point.
 *
 * @module
 */
import { HxWsErrorEvent, type HxWsErrorReason, type HxWsEvent } from '../events.js';
import { features, type Features } from './features.js';

/**
 * Dispatches `event` on `target`, then its htmx twin when the htmx feature is loaded.
 * @returns `false` when either was cancelled.
 */
export function emit(target: EventTarget, event: HxWsEvent): boolean {
  return target.dispatchEvent(event) && (features.twin?.(target, event) ?? true);
}

/** Reports a problem: one error event on `target` and one `console.error`. */
export function reportProblem(target: EventTarget, reason: HxWsErrorReason, message: string, info: HxWsErrorEvent['info'] = {}): void {
  console.error(`hx-ws: ${message}`, target);
  emit(target, new HxWsErrorEvent(reason, message, info));
}

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

const told = new WeakMap<Element, Set<string>>();

/**
 * Whether feature slot `slot` is filled; when not, says so once per element and `setting`: an
 * `hx-ws-error` (`feature-missing`) and a `console.error` naming the import to add.
 */
export function needFeature(host: Element, slot: keyof Features, setting: string, entry: string): boolean {
  if (features[slot]) return true;
  const said = told.get(host) ?? new Set<string>();
  told.set(host, said);
  if (!said.has(setting)) {
    said.add(setting);
    reportProblem(host, 'feature-missing', `${setting} needs a feature this page has not loaded: add import 'hx-ws-elements/${entry}'; going on without it`, { part: setting });
  }
  return false;
}
