/**
 * `hx-ws-elements/eval`: `js:` / `javascript:` values of `hx-vals` / `hx-headers` (and `vals` /
 * `headers` text) and `hx-vars` are evaluated as JavaScript in the page's global scope, as htmx
 * does, while `config.allowEval` (or htmx's) allows. Without it such values are left out and
 * reported (`eval-disallowed`).
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/eval';
 */
import { addFeature } from './core/features.js';

addFeature({
  // Evaluation is the feature here (htmx's js: values); the core gates it with config.allowEval.
  evaluate: (expression) => new Function(`return (${expression});`)() as unknown,
});
