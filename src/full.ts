/**
 * `hx-ws-elements/full`: the elements with every client feature: acks, recovery, chunked
 * uploads, the htmx integration, `js:` evaluation and morph swaps. For pages that would rather not pick.
 *
 * @example
 * import 'hx-ws-elements/full';
 */
import './ack.js';
import './recovery.js';
import './chunked.js';
import './htmx.js';
import './eval.js';
import './morph.js';

export * from './index.js';
