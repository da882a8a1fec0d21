// htmx 2 with idiomorph's htmx extension (`hx-ext="morph"`), for bench/morph.mjs. The bench
// aliases `htmx.org` to the `htmx2` package.
import htmx from 'htmx.org';
import 'idiomorph/htmx';

window.htmx = htmx;
