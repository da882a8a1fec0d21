// htmx 4 with its `hx-ws` extension, used as `hx-ws:connect="..."`. The ESM build sets
// `window.htmx`; the extension (a classic script) registers itself on that global, so it is
// imported second.
import 'htmx4/dist/htmx.esm.js';
import 'htmx4/dist/ext/hx-ws.js';
