/** Registers a custom element class, tolerating a tag that is already taken by the same class. */
export function defineElement(tag: string, cls: CustomElementConstructor, registry: CustomElementRegistry = customElements): void {
  const existing = registry.get(tag);
  if (existing === cls) return;
  try {
    registry.define(tag, cls);
  } catch (err) {
    // Another class already owns the tag (two copies of the library on one page): keep it.
    if (!(err instanceof DOMException && err.name === 'NotSupportedError')) throw err;
    console.warn(`hx-ws: <${tag}> is already defined by another class; keeping that one`);
  }
}
