/**
 * `hx-ws-elements/eval`: `js:` / `javascript:` values of `hx-vals` / `hx-headers` (and `vals` /
 * `headers` text) and `hx-vars` are evaluated as JavaScript, as htmx does, while
 * `config.allowEval` allows. Without it such values are left out and reported.
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/eval';
 */
import { addFeature } from './core/features.js';
import { evaluate } from './features/eval/js-eval.js';

addFeature({ evaluate });
