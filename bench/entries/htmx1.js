// htmx 1.9 with its built-in `hx-ws` attribute (deprecated in 1.9, removed in 2): the library
// as a page would get it from a <script> tag, i.e. with a global `htmx`.
import htmx from 'htmx1/dist/htmx.js';

window.htmx = htmx;
