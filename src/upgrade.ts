/**
 * `hx-ws-elements/upgrade`: registers the elements and starts attribute mode for the document,
 * so markup written for htmx's `hx-ws` works unchanged.
 *
 * @example
 * import { connectionOf, shim } from 'hx-ws-elements/upgrade';
 * shim.stop(); // stop watching and close the shim's sockets
 * connectionOf(document.querySelector('[hx-ws]')!)?.send('ping'); // an element's connection
 */
import './index.js';
import { observeHxWs } from './features/shim/shim.js';

/** The document-wide attribute shim, started on import. */
export const shim = observeHxWs(document);

export { connectionOf, observeHxWs, type ShimHandle } from './features/shim/shim.js';
export * from './index.js';
