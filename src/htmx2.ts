/**
 * `hx-ws-elements/htmx2`: an htmx 2 extension named `ws` that replaces `htmx-ext-ws`. Load it
 * instead of `htmx-ext-ws`, after htmx 2; markup (`hx-ext="ws"`, `ws-connect`, `ws-send`) and
 * `htmx:ws*` listeners stay as they are. With htmx on the page at import time the extension is
 * registered at once; otherwise call `defineWsExtension(htmx)`.
 *
 * Also loads the htmx integration (swapped content goes through `htmx.process`, `htmx.config`
 * settings apply) and `js:` evaluation (`hx-vals="js:..."`, as htmx allows it).
 *
 * @example
 * <script src="/htmx.min.js"></script>
 * <script type="module">import 'hx-ws-elements/htmx2';</script>
 * <div hx-ext="ws" ws-connect="/chat"><form ws-send><input name="message"></form></div>
 */
import { addFeature } from './core/features.js';
import { htmxBridge } from './features/htmx/htmx-bridge.js';
import { defineWsExtension, wsTwin } from './features/htmx2/ws-extension.js';
import './eval.js';

export { defineWsExtension, type PublicSocketWrapper } from './features/htmx2/ws-extension.js';

addFeature({ ...htmxBridge, twin: wsTwin });
defineWsExtension();
