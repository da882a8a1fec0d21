/**
 * `hx-ws-elements/htmx`: the htmx integration. With htmx on the page, every event is followed by
 * its htmx twin (`htmx:wsOpen`, `htmx:oobAfterSwap`, ...), swapped content goes through
 * `htmx.process`, and `htmx.config.wsReconnectDelay` / `allowScriptTags` / `allowEval` apply
 * where `config` leaves them unset.
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/htmx';
 */
import { addFeature, features } from './core/features.js';
import { htmxBridge } from './features/htmx/htmx-bridge.js';

// A twin already in place (hx-ws-elements/htmx2's) covers these ones too: it is kept.
addFeature({ ...htmxBridge, twin: features.twin ?? htmxBridge.twin });
