/**
 * `hx-ws-elements/htmx4`: an htmx 4 extension named `ws` in place of htmx 4's own `hx-ws`
 * extension (built against `htmx.org` 4.0.1). Load it instead of `ext/hx-ws.js`, after htmx 4;
 * markup (`hx-ws:connect`, `hx-ws:send`) and `htmx:ws:*` listeners stay as they are. With htmx
 * on the page at import time it registers at once; otherwise call `defineHxWsExtension(htmx)`.
 * Also loads the htmx integration (htmx twins of the other elements' events, `htmx.config`
 * fallbacks).
 *
 * @example
 * <script src="/htmx.min.js"></script>
 * <script type="module">import 'hx-ws-elements/htmx4';</script>
 * <div hx-ws:connect="/chat" hx-target="#log"><form hx-ws:send><input name="text"></form></div>
 */
import { addFeature } from './core/features.js';
import { htmxBridge } from './features/htmx/htmx-bridge.js';
import { defineHxWsExtension, hxWsTwin } from './features/htmx4/hx-ws-extension.js';

export { defineHxWsExtension, type Htmx4Connection } from './features/htmx4/hx-ws-extension.js';

addFeature({ ...htmxBridge, twin: hxWsTwin });
defineHxWsExtension();
