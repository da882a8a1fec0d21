/**
 * The one-file build's entry (`dist/hx-ws.js`, made by `npm run build:standalone`, Lit included)
 * for a page with no bundler: registers `<hx-ws-connect>` and `<hx-ws-send>` and starts the
 * `hx-ws` attribute shim on the document. Everything the upgrade entry exports is exported too.
 *
 * @example
 * <script type="module" src="/hx-ws.js"></script>
 * <div hx-ws="connect:/chat"> ... <form hx-ws="send"> ... </form></div>
 */
export * from './upgrade.js';
