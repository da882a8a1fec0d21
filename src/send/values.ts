/**
 * The values and `HEADERS` a send carries, as htmx would build them for a form. Pure DOM: no
 * socket, no events, no Lit, so `<hx-ws-send>` and the `hx-ws="send"` shim share it.
 *
 * What is collected, in this order:
 * 1. the controls of the context form (the element itself when it is a form, the form a control
 *    belongs to, the first form inside the element, else the form the element sits in), or,
 *    without a form, the element itself when it is a control and the controls inside it;
 * 2. the submitter (the button that submitted, or the clicked button), when it has a name;
 * 3. `include`: the controls of the elements a selector names (a form gives its controls, any
 *    other element itself and the controls inside it). As in htmx, only the form's values (1, 2)
 *    win over included ones; a name the element itself has (no form) merges into an array;
 * 4. `vars` (`hx-vars`, always evaluated) and `vals` (JSON objects; `js:` text is evaluated),
 *    the closest first, overriding collected values; `vals` win over `vars`;
 * 5. `params`: `*`, `none`, `not a,b` or `a,b` filters the result.
 *
 * Only successful controls count: a name, not disabled (a disabled fieldset counts), checkboxes
 * and radios only when checked, buttons only as the submitter. A `<select multiple>` gives an
 * array of its selected values; a file input gives a `File` (`null` when empty) or, with
 * `multiple`, an array of them. A name seen twice becomes an array.
 */
import { CONTROLS, isButtonInput, isControl, type FormControl } from './controls.js';
import type { Problem } from '../core/dispatch.js';

export type { FormControl } from './controls.js';
import { EvalDisallowedError, parseJsonObject, type EvalOptions, type JsonSource } from './json-source.js';
import { resolveSelector } from './selectors.js';

export { describe, EvalDisallowedError, parseJsonObject, type EvalOptions, type JsonSource } from './json-source.js';
export { resolveSelector } from './selectors.js';

/** A configuration problem found while collecting: the request must not be sent. */
export type ValueProblem = Problem<'bad-vals' | 'bad-headers' | 'bad-params' | 'bad-include' | 'eval-disallowed'> & { part: string };

/** A file picked in a file input, remembered with its input (for `accept` and ordering). */
export interface FileEntry {
  file: File;
  input: HTMLInputElement;
}

/** What {@link collectValues} reads besides the element itself. */
export interface CollectOptions {
  /** The form to collect; `undefined` finds it from the element ({@link contextForm}). */
  form?: HTMLFormElement | null;
  /** The button that submitted or was clicked; its name and value are added. */
  submitter?: Element | null;
  /** A selector naming more elements to collect (`this`, `closest <sel>`, `find <sel>`, CSS). */
  include?: string | null;
  /** The element `include="this"` names: the one that carries the attribute. Default: `elt`. */
  includeOwner?: Element | null;
  /** `vals` sources, the closest first: a key from a closer source wins. */
  vals?: JsonSource | readonly JsonSource[] | null;
  /** `hx-vars` sources (JavaScript object bodies), the closest first; `vals` win over them. */
  vars?: readonly string[] | null;
  /** Whether `js:` values and `vars` are evaluated; default `true`. */
  allowEval?: boolean;
  /** `*`, `none`, `not a,b` or `a,b`. */
  params?: string | null;
}

/** What {@link collectValues} found. */
export interface CollectResult {
  /** The values to send, `HEADERS` excluded. File inputs give `File` objects. */
  values: Record<string, unknown>;
  /** Configuration problems; when there is one, nothing may be sent. */
  errors: ValueProblem[];
  /** Sources left out because evaluation is off (`eval-disallowed`); the rest may be sent. */
  skipped: ValueProblem[];
  /** Every control looked at, successful or not, in visiting order (for validation). */
  controls: FormControl[];
  /** Every picked file, in visiting order, then file order. */
  files: FileEntry[];
}

/**
 * The form whose controls a sender collects: the element when it is a form, the form a control
 * belongs to, the first form inside the element, else the closest form around it.
 */
export function contextForm(elt: Element): HTMLFormElement | null {
  if (elt instanceof HTMLFormElement) return elt;
  if (isControl(elt) || elt instanceof HTMLButtonElement) return elt.form;
  return elt.querySelector('form') ?? elt.closest('form');
}

/** Defines an own, enumerable key, safe for names like `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Adds a value under a name: a second value turns it into an array (htmx's rule). */
export function addValue(values: Record<string, unknown>, name: string, value: unknown): void {
  if (!Object.hasOwn(values, name)) {
    setOwn(values, name, value);
    return;
  }
  if (value === null) return; // an empty single file input adds nothing to a name already set
  const current = values[name];
  if (current === null) {
    values[name] = value;
    return;
  }
  const head = Array.isArray(current) ? current : [current];
  values[name] = head.concat(value);
}

function isSuccessful(el: FormControl): boolean {
  if (!el.getAttribute('name') || el.matches(':disabled')) return false;
  if (el instanceof HTMLInputElement) {
    if (isButtonInput(el)) return false;
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked;
  }
  return true;
}

function controlValue(el: FormControl, files: FileEntry[]): unknown {
  if (el instanceof HTMLSelectElement && el.multiple) return Array.from(el.selectedOptions, (o) => o.value);
  if (el instanceof HTMLInputElement && el.type === 'file') {
    const picked = Array.from(el.files ?? []);
    for (const file of picked) files.push({ file, input: el });
    return el.multiple ? picked : (picked[0] ?? null);
  }
  return el.value;
}

export function asList<T>(v: T | readonly T[] | null | undefined): readonly T[] {
  if (v == null) return [];
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/**
 * Merges JSON sources, the closest first: a key keeps the closest value that is not null. A
 * source that needs evaluation while evaluation is off goes to `skipped` (when given; else to
 * `errors`), and the others still merge.
 */
export function mergeSources(
  sources: readonly JsonSource[],
  reason: 'bad-vals' | 'bad-headers',
  what: string,
  into: Record<string, unknown>,
  errors: ValueProblem[],
  opts: EvalOptions = {},
  skipped: ValueProblem[] = errors,
): void {
  for (const source of sources) {
    let obj: Record<string, unknown>;
    try {
      obj = parseJsonObject(source, opts);
    } catch (err) {
      const part = typeof source === 'string' ? source : String(source);
      if (err instanceof EvalDisallowedError) {
        skipped.push({ reason: 'eval-disallowed', message: `${what} '${part}' was left out: ${err.message}`, part, cause: err });
      } else {
        errors.push({ reason, message: `${what} '${part}' was refused: ${(err as Error).message}`, part, cause: err });
      }
      continue;
    }
    for (const key of Object.keys(obj)) if (into[key] == null) setOwn(into, key, obj[key]);
  }
}

/** Checks a `params` value; returns a problem for an unknown form. */
export function checkParams(params: string): ValueProblem | undefined {
  const p = params.trim();
  if (p === '*' || p === 'none') return undefined;
  const list = p.startsWith('not ') ? p.slice(4) : p;
  const names = list.split(',').map((n) => n.trim());
  if (names.every((n) => n !== '' && !/\s/.test(n))) return undefined;
  return {
    reason: 'bad-params',
    message: `params '${params}' is not one of '*', 'none', 'not a,b' or 'a,b'`,
    part: params,
  };
}

/** Applies a (checked) `params` filter. */
export function filterParams(values: Record<string, unknown>, params: string | null | undefined): Record<string, unknown> {
  const p = params?.trim();
  if (!p || p === '*') return values;
  if (p === 'none') return {};
  const out: Record<string, unknown> = {};
  if (p.startsWith('not ')) {
    const drop = new Set(p.slice(4).split(',').map((n) => n.trim()));
    for (const key of Object.keys(values)) if (!drop.has(key)) setOwn(out, key, values[key]);
    return out;
  }
  for (const name of p.split(',').map((n) => n.trim())) if (Object.hasOwn(values, name)) setOwn(out, name, values[name]);
  return out;
}

/** Collects the values `elt` sends. Reads the DOM only; fires nothing. */
export function collectValues(elt: Element, opts: CollectOptions = {}): CollectResult {
  const errors: ValueProblem[] = [];
  const skipped: ValueProblem[] = [];
  const controls: FormControl[] = [];
  const files: FileEntry[] = [];
  const seen = new Set<Element>();
  const visit = (el: Element, into: Record<string, unknown>): void => {
    if (!isControl(el) || seen.has(el)) return;
    seen.add(el);
    controls.push(el);
    if (isSuccessful(el)) addValue(into, el.getAttribute('name')!, controlValue(el, files));
  };
  const visitTree = (node: Element, into: Record<string, unknown>): void => {
    if (node instanceof HTMLFormElement) {
      for (const el of Array.from(node.elements)) visit(el, into);
      return;
    }
    visit(node, into);
    for (const el of Array.from(node.querySelectorAll(CONTROLS))) visit(el, into);
  };

  // The form's values (and the submitter) win over everything else collected, as in htmx.
  const formValues: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  const form = opts.form !== undefined ? opts.form : contextForm(elt);
  if (form) visitTree(form, formValues);
  else visitTree(elt, values);

  const submitter = opts.submitter;
  if (submitter && (submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement)) {
    const name = submitter.getAttribute('name');
    if (name && !submitter.matches(':disabled')) addValue(formValues, name, submitter.value);
  }

  if (opts.include?.trim()) {
    let targets: Element[] = [];
    try {
      targets = resolveSelector(elt, opts.include, opts.includeOwner ?? elt);
    } catch (err) {
      errors.push({
        reason: 'bad-include',
        message: `include '${opts.include}' is not a valid selector`,
        part: opts.include,
        cause: err,
      });
    }
    for (const node of targets) visitTree(node, values);
  }
  for (const key of Object.keys(formValues)) setOwn(values, key, formValues[key]);

  const evalOpts: EvalOptions = { allow: opts.allowEval ?? true };
  const vars: Record<string, unknown> = {};
  mergeSources(opts.vars ?? [], 'bad-vals', 'hx-vars', vars, errors, { ...evalOpts, always: true }, skipped);
  const vals: Record<string, unknown> = {};
  mergeSources(asList(opts.vals), 'bad-vals', 'vals', vals, errors, evalOpts, skipped);
  let result: Record<string, unknown> = values;
  for (const key of Object.keys(vars)) setOwn(result, key, vars[key]);
  for (const key of Object.keys(vals)) setOwn(result, key, vals[key]);

  if (opts.params != null && opts.params.trim() !== '') {
    const problem = checkParams(opts.params);
    if (problem) errors.push(problem);
    else result = filterParams(result, opts.params);
  }
  return { values: result, errors, skipped, controls, files };
}
