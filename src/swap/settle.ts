/**
 * The settle step of a swap: the added class (`htmx-added`) comes off the new elements once the
 * message's settle delay has passed, and an attribute it leaves empty goes too.
 *
 * @module
 */

/** Messages whose added class is still to be removed, each with the time it is due. */
const unsettled: { due: number; cls: string; els: readonly Element[] }[] = [];
let settleTimer: ReturnType<typeof setTimeout> | undefined;
let settleTimerDue = Infinity;

/**
 * Removes `cls` from `els` once `delay` ms have passed. One timer serves every pending message (a
 * burst of messages costs one timer, not one each); no message settles before its own delay.
 */
export function scheduleSettle(els: readonly Element[], cls: string, delay: number): void {
  const due = performance.now() + delay;
  unsettled.push({ due, cls, els });
  if (due >= settleTimerDue) return;
  clearTimeout(settleTimer);
  settleTimerDue = due;
  settleTimer = setTimeout(settle, delay);
}

function settle(): void {
  settleTimer = undefined;
  settleTimerDue = Infinity;
  const now = performance.now();
  let next = Infinity;
  let kept = 0;
  for (const entry of unsettled) {
    // Timers may fire a little early by the performance clock: allow a millisecond.
    if (entry.due <= now + 1) {
      for (const el of entry.els) {
        // One swapped out again before it settled is gone: nothing to take off.
        if (!el.isConnected) continue;
        el.classList.remove(entry.cls);
        // Markup comes out as it went in: no `class=""` left where the class was the only one.
        if (el.getAttribute('class') === '') el.removeAttribute('class');
      }
    } else {
      unsettled[kept++] = entry;
      next = Math.min(next, entry.due);
    }
  }
  unsettled.length = kept;
  if (kept > 0) {
    settleTimerDue = next;
    settleTimer = setTimeout(settle, next - now);
  }
}
