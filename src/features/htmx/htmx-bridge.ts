/**
 * The htmx integration (`hx-ws-elements/htmx`): with `window.htmx` on the page, every event is
 * followed by its htmx twin (`htmx:wsOpen`, `htmx:oobAfterSwap`, ...) with the `detail` htmx
 * listeners read; new content is handed to `htmx.process`; and `htmx.config`'s
 * `wsReconnectDelay`, `allowScriptTags` and `allowEval` apply where ours are unset.
 *
 * @module
 */
import type { HxWsEvent, HxWsEventMap } from '../../events.js';
import type { Features } from '../../core/features.js';
import { reportProblem } from '../../core/dispatch.js';

interface HtmxLike {
  config?: Record<string, unknown>;
  process?: (elt: Element) => void;
}

/** htmx's global object, when htmx is on the page. */
export function htmxGlobal(): HtmxLike | undefined {
  return (window as unknown as { htmx?: HtmxLike }).htmx ?? undefined;
}

type Twin = [name: string, detail: Record<string, unknown>, target?: EventTarget];

/** The htmx twin of each of our events that has one, by event name. */
const TWINS: { [K in keyof HxWsEventMap]?: (e: HxWsEventMap[K]) => Twin } = {
  'hx-ws-connecting': () => ['htmx:wsConnecting', { event: { type: 'connecting' } }],
  'hx-ws-open': (e) => ['htmx:wsOpen', { socket: e.socket }],
  'hx-ws-close': ({ code, reason, wasClean }) => ['htmx:wsClose', { event: { code, reason, wasClean } }],
  'hx-ws-error': ({ message, reason, info }) => ['htmx:wsError', { error: message, reason, ...info }],
  'hx-ws-before-message': (e) => ['htmx:wsBeforeMessage', { message: e.data }],
  'hx-ws-after-message': (e) => ['htmx:wsAfterMessage', { message: e.data }],
  'hx-ws-config-send': ({ values, headers, triggeringEvent }) => ['htmx:wsConfigSend', { parameters: values, headers, triggeringEvent }],
  'hx-ws-before-send': ({ request }) => ['htmx:wsBeforeSend', { message: request.frames[0], request }],
  'hx-ws-after-send': ({ request }) => ['htmx:wsAfterSend', { message: request.frames[0], request }],
  'hx-ws-oob-before-swap': ({ swapTarget, fragment }) => ['htmx:oobBeforeSwap', { shouldSwap: true, target: swapTarget, fragment }, swapTarget],
  'hx-ws-oob-after-swap': ({ swapTarget, fragment }) => [
    'htmx:oobAfterSwap',
    { shouldSwap: true, target: swapTarget, fragment },
    swapTarget.isConnected ? swapTarget : undefined,
  ],
  'hx-ws-oob-error-no-target': (e) => ['htmx:oobErrorNoTarget', { content: e.fragment }],
  'hx-ws-no-socket-source': (e) => ['htmx:noWebSocketSourceError', { wanted: e.wanted }],
  'hx-ws-validation-halted': (e) => ['htmx:validation:halted', { errors: e.errors }],
};

/** Dispatches the htmx twin of `event` (when htmx is on the page and the event has one). */
function twin(target: EventTarget, event: HxWsEvent): boolean {
  const make = TWINS[event.type as keyof HxWsEventMap] as ((e: HxWsEvent) => Twin) | undefined;
  if (!make || !htmxGlobal()) return true;
  const [name, detail, on = target] = make(event);
  return on.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, cancelable: event.cancelable, detail: { elt: on, ...detail } }));
}

/** Hands the new elements still in the page to `htmx.process`. */
function swapped(source: Element, added: readonly Element[]): void {
  const htmx = htmxGlobal();
  const process = htmx?.process;
  if (typeof process !== 'function') return;
  for (const el of added) {
    if (!el.isConnected) continue;
    try {
      process.call(htmx, el);
    } catch (cause) {
      reportProblem(source, 'swap', `htmx.process failed on swapped content: ${(cause as Error)?.message ?? cause}`, { cause });
    }
  }
}

/** The htmx integration's slots. */
export const htmxBridge: Partial<Features> = {
  twin,
  swapped,
  fallback: (key) => htmxGlobal()?.config?.[key],
};
