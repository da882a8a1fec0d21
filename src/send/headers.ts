/**
 * The `HEADERS` object of a request: htmx's `HX-*` headers, then `headers` / `hx-headers`.
 *
 * @module
 */
import { asList, describe, mergeSources, setOwn, type JsonSource, type ValueProblem } from './values.js';

/** The `HEADERS` object of a send, and the problems found in `headers` sources. */
export interface HeadersResult {
  headers: Record<string, string>;
  errors: ValueProblem[];
  /** `js:` sources left out because evaluation is off (`eval-disallowed`). */
  skipped: ValueProblem[];
}

/**
 * Builds `HEADERS` as htmx does: `HX-Request: "true"`, `HX-Trigger` (the sender's id),
 * `HX-Trigger-Name` (its `name` attribute), `HX-Target` (the id of the connecting element),
 * `HX-Current-URL`, then the `headers` sources, the closest first. As in htmx, a source cannot
 * replace a header that already has a value; it may fill one the sender left empty. Headers with
 * no value (an element without an id, say) are left out rather than sent as `null`, and numbers
 * and booleans become strings.
 *
 * @param sender the element whose id and name are reported.
 * @param connectionHost the element that owns the socket, or `null`.
 * @param extra `headers` sources, the closest first.
 * @param fallback an element whose id / name stand in when `sender` has none (the form an
 *   `<hx-ws-send>` wraps or sits in).
 * @param allowEval whether `js:` sources are evaluated; when not, they are left out (`skipped`).
 */
export function buildHeaders(
  sender: Element,
  connectionHost: Element | null,
  extra: JsonSource | readonly JsonSource[] | null = null,
  fallback: Element | null = null,
  allowEval = true,
): HeadersResult {
  const errors: ValueProblem[] = [];
  const skipped: ValueProblem[] = [];
  const attr = (name: string): string | null => sender.getAttribute(name) || fallback?.getAttribute(name) || null;
  const raw: Record<string, unknown> = {
    'HX-Request': 'true',
    'HX-Trigger': attr('id'),
    'HX-Trigger-Name': attr('name'),
    'HX-Target': connectionHost?.getAttribute('id') || null,
    'HX-Current-URL': document.location.href,
  };
  mergeSources(asList(extra), 'bad-headers', 'headers', raw, errors, { allow: allowEval }, skipped);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value == null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      setOwn(headers, name, String(value));
    } else {
      errors.push({
        reason: 'bad-headers',
        message: `header '${name}' is ${describe(value)}, not a string`,
        part: name,
      });
    }
  }
  return { headers, errors, skipped };
}
