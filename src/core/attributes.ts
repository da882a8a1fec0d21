/**
 * Attribute reading shared by the send side and the attribute shim: one attribute in both its
 * spellings, and htmx's inherited attributes along a sender's chain of elements.
 */

/** The value of `name` (an `hx-*` attribute) on `el`, or of its `data-` spelling; `null` if neither. */
export function readAttribute(el: Element, name: string): string | null {
  return el.getAttribute(name) ?? el.getAttribute(`data-${name}`);
}

/**
 * The elements whose `hx-*` attributes configure a sender, the closest first: the sender, the
 * form it wraps (if any), then its ancestors (which include the form it sits in).
 */
export function attributeChain(host: Element): Element[] {
  const chain: Element[] = [host];
  if (!(host instanceof HTMLFormElement)) {
    const inner = host.querySelector('form');
    if (inner) chain.push(inner);
  }
  for (let p = host.parentElement; p; p = p.parentElement) chain.push(p);
  return chain;
}

/** The closest value of an inherited attribute (`hx-x` or `data-hx-x`); `unset` stops the walk. */
export function closestAttribute(chain: readonly Element[], name: string): string | null {
  for (const el of chain) {
    const v = readAttribute(el, name);
    if (v == null) continue;
    return v.trim() === 'unset' ? null : v;
  }
  return null;
}

/**
 * The closest value of an inherited attribute and the element that carries it (what `this`
 * names in htmx); `null` when unset or stopped by `unset`.
 */
export function closestAttributeOwner(chain: readonly Element[], name: string): { value: string; owner: Element } | null {
  for (const el of chain) {
    const v = readAttribute(el, name);
    if (v == null) continue;
    return v.trim() === 'unset' ? null : { value: v, owner: el };
  }
  return null;
}

/** Every value of an inherited attribute along the chain, the closest first, up to an `unset`. */
export function inheritedAttributes(chain: readonly Element[], name: string): string[] {
  const out: string[] = [];
  for (const el of chain) {
    const v = readAttribute(el, name);
    if (v == null) continue;
    if (v.trim() === 'unset') break;
    out.push(v);
  }
  return out;
}
