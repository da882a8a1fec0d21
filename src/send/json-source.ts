/**
 * JSON objects as `vals` / `headers` / `hx-vars` are written: JSON text with optional braces,
 * `js:` text evaluated in the page (with the eval feature, when `config.allowEval` allows), an
 * object, or a function.
 *
 * @module
 */
import { features } from '../core/features.js';

/**
 * A `vals` / `headers` source: JSON text (braces optional, as in htmx; `js:` / `javascript:`
 * text is evaluated), an object, or a function returning one (called at each send).
 */
export type JsonSource = string | Record<string, unknown> | (() => Record<string, unknown>);

/** How {@link parseJsonObject} treats text that is JavaScript. */
export interface EvalOptions {
  /** Evaluate the text even without a `js:` prefix (`hx-vars`). */
  always?: boolean;
  /** Whether evaluation is allowed at all; default `true`. */
  allow?: boolean;
}

/** Thrown by {@link parseJsonObject} when a value needs evaluation and evaluation is off. */
export class EvalDisallowedError extends Error {}

/**
 * Parses a JSON object the way `hx-vals` / `hx-headers` are written: braces may be left out.
 * Text starting with `js:` / `javascript:` (or any text, with `always`) is a JavaScript object
 * body, evaluated in the page as htmx does, when `allow` (default) says so.
 * @throws {EvalDisallowedError} when the text needs evaluation and `allow` is `false`.
 * @throws {Error} naming the problem.
 */
export function parseJsonObject(source: JsonSource, opts: EvalOptions = {}): Record<string, unknown> {
  if (typeof source === 'function') {
    let made: unknown;
    try {
      made = source();
    } catch (err) {
      throw new Error(`the function threw (${(err as Error)?.message ?? err})`, { cause: err });
    }
    return parseJsonObject(made as Record<string, unknown>);
  }
  if (typeof source !== 'string') {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) {
      throw new Error(`${describe(source)} is not an object`);
    }
    return source;
  }
  let text = source.trim();
  const prefix = /^(js|javascript):/.exec(text);
  if (prefix) text = text.slice(prefix[0].length).trim();
  const body = text.startsWith('{') ? text : `{${text}}`;
  let parsed: unknown;
  if (prefix || opts.always) {
    if (opts.allow === false) throw new EvalDisallowedError('evaluation is off (config.allowEval)');
    const evaluate = features.evaluate;
    if (!evaluate) throw new EvalDisallowedError("evaluation needs import 'hx-ws-elements/eval'");
    try {
      parsed = evaluate(body);
    } catch (err) {
      throw new Error(`it could not be evaluated (${(err as Error)?.message ?? err})`, { cause: err });
    }
  } else {
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new Error(`it is not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${describe(parsed)} is not an object`);
  return parsed as Record<string, unknown>;
}

export function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}
