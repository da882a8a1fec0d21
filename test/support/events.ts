import type { HxWsEventMap } from '../../src/events.js';

/** Resolves with the next `name` event on `target`, typed from the library's event map. */
export function next<K extends keyof HxWsEventMap>(target: EventTarget, name: K): Promise<HxWsEventMap[K]> {
  return new Promise((resolve) => {
    target.addEventListener(name, (e) => resolve(e as HxWsEventMap[K]), { once: true });
  });
}

/** Resolves once `el`'s socket is open (at once if it already is). Use right after `fixture()`. */
export function opened(el: { readyState: number } & EventTarget): Promise<unknown> {
  return el.readyState === WebSocket.OPEN ? Promise.resolve() : next(el, 'hx-ws-open');
}
