/** Attribute reading shared by the send side, the connection and the attribute shim. */

/** The value of `name` (an `hx-*` attribute) on `el`, or of its `data-` spelling; `null` if neither. */
export function readAttribute(el: Element, name: string): string | null {
  return el.getAttribute(name) ?? el.getAttribute(`data-${name}`);
}
