/**
 * The htmx integration (`hx-ws-elements/htmx`): with `window.htmx` on the page, every event is
 * followed by its htmx twin (`htmx:wsOpen`, `htmx:oobAfterSwap`, ...) with the `detail` htmx
 * listeners read; new content is handed to `htmx.process`; and `htmx.config`'s
 * `wsReconnectDelay`, `allowScriptTags` and `allowEval` apply where ours are unset.
 *
 * @module
 */
import type {
  HxWsAfterMessageEvent,
  HxWsBeforeMessageEvent,
  HxWsBeforeSendEvent,
  HxWsCloseEvent,
  HxWsConfigSendEvent,
  HxWsErrorEvent,
  HxWsEvent,
  HxWsNoSocketSourceEvent,
  HxWsOobAfterSwapEvent,
  HxWsOobErrorNoTargetEvent,
  HxWsOpenEvent,
  HxWsValidationHaltedEvent,
} from '../../events.js';
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
type Any = HxWsEvent & Record<string, never>;

/** The htmx twin of each of our events, by event name. */
const TWINS: Record<string, (e: Any) => Twin> = {
  'hx-ws-connecting': () => ['htmx:wsConnecting', { event: { type: 'connecting' } }],
  'hx-ws-open': (e) => ['htmx:wsOpen', { socket: (e as unknown as HxWsOpenEvent).socket }],
  'hx-ws-close': (e) => {
    const { code, reason, wasClean } = e as unknown as HxWsCloseEvent;
    return ['htmx:wsClose', { event: { code, reason, wasClean } }];
  },
  'hx-ws-error': (e) => {
    const { message, reason, info } = e as unknown as HxWsErrorEvent;
    return ['htmx:wsError', { error: message, reason, ...info }];
  },
  'hx-ws-before-message': (e) => ['htmx:wsBeforeMessage', { message: (e as unknown as HxWsBeforeMessageEvent).data }],
  'hx-ws-after-message': (e) => ['htmx:wsAfterMessage', { message: (e as unknown as HxWsAfterMessageEvent).data }],
  'hx-ws-config-send': (e) => {
    const { values, headers, triggeringEvent } = e as unknown as HxWsConfigSendEvent;
    return ['htmx:wsConfigSend', { parameters: values, headers, triggeringEvent }];
  },
  'hx-ws-before-send': (e) => {
    const { request } = e as unknown as HxWsBeforeSendEvent;
    return ['htmx:wsBeforeSend', { message: request.frames[0], request }];
  },
  'hx-ws-after-send': (e) => {
    const { request } = e as unknown as HxWsBeforeSendEvent;
    return ['htmx:wsAfterSend', { message: request.frames[0], request }];
  },
  'hx-ws-oob-before-swap': (e) => {
    const { swapTarget, fragment } = e as unknown as HxWsOobAfterSwapEvent;
    return ['htmx:oobBeforeSwap', { shouldSwap: true, target: swapTarget, fragment }, swapTarget];
  },
  'hx-ws-oob-after-swap': (e) => {
    const { swapTarget, fragment } = e as unknown as HxWsOobAfterSwapEvent;
    return ['htmx:oobAfterSwap', { shouldSwap: true, target: swapTarget, fragment }, swapTarget.isConnected ? swapTarget : undefined];
  },
  'hx-ws-oob-error-no-target': (e) => ['htmx:oobErrorNoTarget', { content: (e as unknown as HxWsOobErrorNoTargetEvent).fragment }],
  'hx-ws-no-socket-source': (e) => ['htmx:noWebSocketSourceError', { wanted: (e as unknown as HxWsNoSocketSourceEvent).wanted }],
  'hx-ws-validation-halted': (e) => ['htmx:validation:halted', { errors: (e as unknown as HxWsValidationHaltedEvent).errors }],
};

/** Dispatches the htmx twin of `event` (when htmx is on the page and the event has one). */
function twin(target: EventTarget, event: HxWsEvent): boolean {
  const make = TWINS[event.type];
  if (!make || !htmxGlobal()) return true;
  const [name, detail, on = target] = make(event as Any);
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
