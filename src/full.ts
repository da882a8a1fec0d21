/**
 * `hx-ws-elements/full`: the elements with every client feature: acks, recovery, chunked
 * uploads, the htmx integration and `js:` evaluation. For pages that would rather not pick.
 *
 * @example
 * import 'hx-ws-elements/full';
 */
import './ack.js';
import './recovery.js';
import './chunked.js';
import './htmx.js';
import './eval.js';

export * from './index.js';
