import { ReactiveElement } from '@lit/reactive-element';

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

/** Tags of the wrapper elements, styled `display: contents`. */
const wrapperTags = new Set<string>();
let wrapperSheet: CSSStyleSheet | undefined;

function wrapperCss(): string {
  return `${[...wrapperTags].join(',')}{display:contents}`;
}

/**
 * The base of `<hx-ws-connect>` and `<hx-ws-send>`: a Lit `ReactiveElement` (properties,
 * controllers, update cycle) that renders nothing of its own. Its children stay in the light DOM
 * and it takes no box (`display: contents`, from one shared style sheet adopted by each document
 * or shadow root the element is connected in), so wrapping content changes neither layout nor
 * the children's place in the tree.
 */
export abstract class WrapperElement extends ReactiveElement {
  /** Registers the element class under `tag`. */
  protected static defineAs(tag: string, cls: CustomElementConstructor, registry: CustomElementRegistry): void {
    if (!wrapperTags.has(tag)) {
      wrapperTags.add(tag);
      wrapperSheet?.replaceSync(wrapperCss());
    }
    defineElement(tag, cls, registry);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const root = this.getRootNode();
    if (!(root instanceof Document || root instanceof ShadowRoot) || wrapperTags.size === 0) return;
    if (!wrapperSheet) {
      wrapperSheet = new CSSStyleSheet();
      wrapperSheet.replaceSync(wrapperCss());
    }
    if (!root.adoptedStyleSheets.includes(wrapperSheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, wrapperSheet];
  }
}
