/**
 * `hx-disable`: markup inside an element that carries `hx-disable` (or `data-hx-disable`) is
 * never given socket behaviour. No `hx-ws` attribute in it is upgraded, no `<hx-ws-connect>` in
 * it opens a socket, no sender in it sends, and no `<script>` swapped into it runs. The region
 * reaches into shadow roots: an element in a shadow tree whose host sits in the region is in it.
 *
 * @module
 */
import { HxWsErrorEvent } from '../events.js';
import { emit } from './dispatch.js';

/** Elements that make their content inert, as htmx's `hx-disable`. */
export const DISABLE_SELECTOR = '[hx-disable],[data-hx-disable]';

/** The closest `hx-disable` element around `el` (itself included, across shadow roots), or `null`. */
export function disabledRegion(el: Element): Element | null {
  for (let node: Element | null = el; node; ) {
    const found = node.closest(DISABLE_SELECTOR);
    if (found) return found;
    const root = node.getRootNode();
    node = root instanceof ShadowRoot ? root.host : null;
  }
  return null;
}

const told = new WeakSet<Element>();

/**
 * Says once per element that it stays inert: one `console.warn` and one `hx-ws-error` with
 * reason `disabled`. @returns whether `el` is in a disabled region.
 */
export function checkDisabled(el: Element, what: string): boolean {
  const region = disabledRegion(el);
  if (!region) return false;
  if (told.has(el)) return true;
  told.add(el);
  const message = `${what} is inside an hx-disable element: it opens no socket and sends nothing`;
  console.warn(`hx-ws: ${message}`, el);
  emit(el, new HxWsErrorEvent('disabled', message, { part: region.hasAttribute('hx-disable') ? 'hx-disable' : 'data-hx-disable' }));
  return true;
}

/** A label for `el` in messages: `<hx-ws-connect>`, or `<div hx-ws="...">`. */
export function describeElement(el: Element): string {
  const ws = el.getAttribute('hx-ws') ?? el.getAttribute('data-hx-ws');
  return ws === null ? `<${el.localName}>` : `<${el.localName} hx-ws="${ws}">`;
}
