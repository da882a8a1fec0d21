/**
 * One received message, once its control elements are off: `hx-ws-before-message`, the swap of
 * a text message (unless cancelled), `hx-ws-after-message`.
 *
 * @module
 */
import { emit, HxWsAfterMessageEvent, HxWsBeforeMessageEvent, reportProblem } from '../events.js';
import { swapMessage } from '../swap/swap.js';

/** Hands `data` to the page on behalf of the connecting element `host`. */
export function receive(host: Element, data: string | ArrayBuffer | Blob): void {
  let swapped = false;
  if (emit(host, new HxWsBeforeMessageEvent(data)) && typeof data === 'string') {
    try {
      swapMessage(data, host);
      swapped = true;
    } catch (err) {
      reportProblem(host, 'swap', `a message could not be swapped: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }
  emit(host, new HxWsAfterMessageEvent(data, swapped));
}
