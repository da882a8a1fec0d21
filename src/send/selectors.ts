/**
 * The extended selectors of `hx-include` and a trigger's `from:`: `this`, `closest <sel>`,
 * `find <sel>`, `next` / `previous` (with or without a selector), `body`, `document`, or CSS.
 *
 * @module
 */

/**
 * Resolves an `include` selector from `elt`: `this` (`owner`, the element that carries the
 * attribute, default `elt`), `closest <sel>`, `find <sel>`, `next` / `previous` (the sibling),
 * `next <sel>` / `previous <sel>` (the first match after / before `elt` in document order),
 * `body`, `document` (the whole page), or a CSS selector matched in the element's root (its shadow root, or the document).
 * A selector after a keyword may be wrapped as `<sel/>`.
 * @throws {DOMException} for a selector that is not valid CSS.
 */
export function resolveSelector(elt: Element, selector: string, owner: Element = elt): Element[] {
  const s = selector.trim();
  if (s === 'this') return [owner];
  if (s === 'body') return [document.body];
  if (s === 'document') return [document.documentElement];
  if (s === 'next' || s === 'previous') {
    const sibling = s === 'next' ? elt.nextElementSibling : elt.previousElementSibling;
    return sibling ? [sibling] : [];
  }
  const space = s.indexOf(' ');
  const keyword = space > 0 ? s.slice(0, space) : '';
  const rest = unwrap(s.slice(space + 1));
  if (keyword === 'closest') {
    const found = elt.closest(rest);
    return found ? [found] : [];
  }
  if (keyword === 'find') {
    const found = elt.querySelector(rest);
    return found ? [found] : [];
  }
  const root = elt.getRootNode() as Document | ShadowRoot;
  if (keyword === 'next' || keyword === 'previous') {
    // Strictly after / before: neither an ancestor nor a descendant of `elt`.
    const all = Array.from(root.querySelectorAll(rest));
    const where = keyword === 'next' ? Node.DOCUMENT_POSITION_FOLLOWING : Node.DOCUMENT_POSITION_PRECEDING;
    const found = (keyword === 'next' ? all : all.reverse()).find((el) => elt.compareDocumentPosition(el) === where);
    return found ? [found] : [];
  }
  return Array.from(root.querySelectorAll(s));
}

/** `<sel/>` → `sel` (htmx's way of writing a selector with spaces after a keyword). */
function unwrap(sel: string): string {
  const t = sel.trim();
  return t.startsWith('<') && t.endsWith('/>') ? t.slice(1, -2).trim() : t;
}
