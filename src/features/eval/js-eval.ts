/**
 * `js:` evaluation (`hx-ws-elements/eval`): the value of a `js:` / `javascript:` `hx-vals` or
 * `hx-headers` text and of `hx-vars`, evaluated in the page's global scope as htmx does. Gated
 * by `config.allowEval` (or htmx's) in the core.
 *
 * @module
 */

/** Evaluates a JavaScript expression in the page's global scope. */
export function evaluate(expression: string): unknown {
  // Evaluation is the feature here (htmx's js: values); the core gates it with config.allowEval.
  return new Function(`return (${expression});`)() as unknown;
}
