/**
 * The full one-file build's entry (`dist/hx-ws.js`, made by `npm run build:standalone`, Lit
 * included) for a page with no bundler: registers `<hx-ws-connect>` and `<hx-ws-send>`, loads
 * every feature and starts the `hx-ws` attribute shim on the document. Everything the upgrade
 * entry exports is exported too. The lite build (`dist/hx-ws-lite.js`) is the upgrade entry
 * alone: the core and attribute mode.
 *
 * @example
 * <script type="module" src="/hx-ws.js"></script>
 * <div hx-ws="connect:/chat"> ... <form hx-ws="send"> ... </form></div>
 */
import './full.js';

export * from './upgrade.js';
