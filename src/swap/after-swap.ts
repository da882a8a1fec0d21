/**
 * What follows the swaps of one message: scripts of new content run, and focus moves to a
 * replaced element's successor.
 *
 * @module
 */
import { disabledRegion } from '../core/disable.js';

/**
 * Runs the scripts of `added[from...]`, now in the page. Parsed scripts are inert (the parser marks
 * them as started), so each is replaced with a fresh copy, which runs on insertion; a script that
 * has run is never run again, even when it is moved later. Scripts inside an `hx-disable`
 * element are left inert.
 */
export function activateScripts(added: readonly Element[], from: number): void {
  for (let i = from; i < added.length; i++) {
    const el = added[i]!;
    if (el.localName === 'script') {
      rerun(el as HTMLScriptElement);
    } else {
      const scripts = el.getElementsByTagName('script');
      if (scripts.length === 0) continue;
      for (const script of Array.from(scripts)) rerun(script);
    }
  }
}

function rerun(old: HTMLScriptElement): void {
  // Content inside hx-disable is untrusted by the page's own word: its scripts stay inert.
  if (!old.parentNode || disabledRegion(old)) return;
  const fresh = document.createElement('script');
  for (const attr of Array.from(old.attributes)) fresh.setAttribute(attr.name, attr.value);
  // Browsers may hide the nonce attribute once the element is in the page; the property keeps it.
  if (old.nonce) fresh.nonce = old.nonce;
  fresh.textContent = old.textContent;
  old.replaceWith(fresh);
}

/** The focused element before a swap, deep through open shadow roots. */
interface SavedFocus {
  readonly el: Element;
  readonly id: string;
  readonly root: Node;
  readonly start: number | null;
  readonly end: number | null;
}

export function captureFocus(): SavedFocus | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  if (!el || !el.id || el === document.body) return null;
  let start: number | null = null;
  let end: number | null = null;
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
    try {
      start = el.selectionStart;
      end = el.selectionEnd;
    } catch {
      // Input types without a selection (older engines throw instead of returning null).
    }
  }
  return { el, id: el.id, root: el.getRootNode(), start, end };
}

/**
 * When the element that had focus was swapped out and the new content holds an element with the
 * same id, focus goes to that element and an input's selection is put back.
 */
export function restoreFocus(saved: SavedFocus, added: readonly Element[]): void {
  if (saved.el.isConnected) return;
  const root = saved.root as Partial<Pick<Document, 'getElementById'>>;
  const next = root.getElementById?.(saved.id);
  if (!next || !next.isConnected || !added.some((el) => el.contains(next))) return;
  (next as HTMLElement).focus?.({ preventScroll: true });
  if (saved.start !== null && (next instanceof HTMLInputElement || next instanceof HTMLTextAreaElement)) {
    try {
      next.setSelectionRange(saved.start, saved.end ?? saved.start);
    } catch {
      // Not every input type has a selection.
    }
  }
}
