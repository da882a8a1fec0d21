// Loading a library the way a page does: a classic <script src>, then cleaning up its global.

/** Adds `<script src>` to the head and resolves once it has run. */
export function loadScript(src: string): Promise<HTMLScriptElement> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(script);
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/** What a test may read from the global htmx (any version). */
export interface HtmxGlobal {
  version: string;
  config: Record<string, unknown>;
  process(elt: Element): void;
  on(event: string, handler: (e: CustomEvent) => void): unknown;
  off(event: string, handler: (e: CustomEvent) => void): unknown;
}

/** The global htmx; throws when it is not loaded. */
export function htmx(): HtmxGlobal {
  const h = (window as unknown as { htmx?: HtmxGlobal }).htmx;
  if (!h) throw new Error('htmx is not loaded');
  return h;
}

/**
 * Removes the script element and the `htmx` global. A classic script's top-level `var htmx` is a
 * global that cannot be deleted: it is set to `undefined` instead, which every check treats as
 * "no htmx".
 */
export function unloadHtmx(script: HTMLScriptElement | undefined): void {
  script?.remove();
  const win = window as unknown as { htmx?: unknown };
  if (!Reflect.deleteProperty(win, 'htmx')) win.htmx = undefined;
}
