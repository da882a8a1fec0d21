// htmx 2 with the `ws` extension (htmx-ext-ws), used as `hx-ext="ws" ws-connect="..."`. The
// extension's ESM build imports `htmx.org`; the bench aliases that to the `htmx2` package so the
// page holds one copy of htmx.
import htmx from 'htmx.org';
import 'htmx-ext-ws';

window.htmx = htmx;
