/**
 * When a sender sends: its natural event, or a `trigger` / `hx-trigger` spec.
 *
 * Grammar (a subset of htmx's): one or more triggers separated by commas; each is an event name
 * followed by modifiers separated by whitespace:
 * - `once`: only the first time;
 * - `changed`: only when the value of the control that fired (or of the listened-on element)
 *   differs from the last one seen;
 * - `delay:<time>`: wait, restarting the wait at every new event (debounce);
 * - `throttle:<time>`: send at once, then ignore events for that long;
 * - `every <time>` (as a trigger of its own, htmx's polling): send every `<time>` while the sender
 *   is in the page;
 * - `from:<selector>`: listen on other elements: `document`, `window`, `body`, `closest <sel>`,
 *   `find <sel>`, `next` / `previous` (with or without `<sel>`), a CSS selector without spaces,
 *   or `<any selector/>` for one with spaces.
 * Times are `500ms`, `1.5s`, `2m` or a bare number of milliseconds. Event filters (`[...]`) and
 * other htmx modifiers are refused with a message naming them.
 *
 * Natural events: a form sends on `submit` (navigation prevented); an `<input type=button|submit>`
 * or `<button>` on `click`; other inputs, `<select>` and `<textarea>` on `change`; anything else
 * that wraps or sits in a form on that form's `submit` (attribute mode: only one that wraps a
 * form, as in htmx); anything else on `click` (clicks into a field, an option or a label inside
 * it do not count).
 */
import { isButton, isButtonInput, isControl, submitsForm } from './controls.js';
import type { Problem } from '../core/dispatch.js';
import { resolveSelector } from './selectors.js';
import { contextForm } from './values.js';

/** One parsed trigger. */
export interface TriggerSpec {
  /** The event name. */
  event: string;
  once: boolean;
  changed: boolean;
  /** Debounce, in ms. */
  delay?: number;
  /** Throttle, in ms. */
  throttle?: number;
  /** Where to listen instead of the sender. */
  from?: string;
  /** `every <time>`: a poll, in ms (no event is listened for). */
  every?: number;
  /** The trigger as written. */
  text: string;
}

/** A part of a spec that could not be understood. */
export type TriggerProblem = Omit<Problem<'bad-trigger'>, 'reason'> & { part: string };

/** Reads `500ms`, `1.5s`, `2m` or a bare number of milliseconds; `undefined` otherwise. */
export function parseInterval(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = parseFloat(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

/** Splits on commas that are outside `<.../>` selectors. */
function splitTriggers(spec: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inSelector = false;
  for (let i = 0; i < spec.length; i++) {
    if (!inSelector && spec[i] === '<') inSelector = true;
    else if (inSelector && spec.startsWith('/>', i)) inSelector = false;
    else if (!inSelector && spec[i] === ',') {
      parts.push(spec.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(spec.slice(start));
  return parts;
}

const EVENT_NAME = /^[A-Za-z_$][\w$:.-]*$/;

function parseOne(text: string): TriggerSpec | TriggerProblem {
  const tokens = text.match(/(?:<[^]*?\/>|[^\s<])+/g) ?? [];
  const [event, ...mods] = tokens;
  if (!event) return { message: 'a trigger is empty', part: text.trim() };
  if (event.includes('[')) return { message: `event filters are not supported: "${text.trim()}"`, part: event };
  if (!EVENT_NAME.test(event)) return { message: `"${event}" is not an event name`, part: event };
  const spec: TriggerSpec = { event, once: false, changed: false, text: text.trim() };
  if (event === 'every') {
    const ms = mods.length === 1 ? parseInterval(mods[0]!) : undefined;
    if (ms === undefined || ms <= 0) return { message: `"${text.trim()}" needs one time after every (use 500ms, 1s, 2m)`, part: text.trim() };
    spec.every = ms;
    return spec;
  }
  for (let i = 0; i < mods.length; i++) {
    const mod = mods[i];
    const colon = mod.indexOf(':');
    const key = colon < 0 ? mod : mod.slice(0, colon);
    const arg = colon < 0 ? '' : mod.slice(colon + 1);
    if (mod === 'once') spec.once = true;
    else if (mod === 'changed') spec.changed = true;
    else if ((key === 'delay' || key === 'throttle') && colon > 0) {
      const ms = parseInterval(arg);
      if (ms === undefined) return { message: `${key}:${arg} is not a time (use 500ms, 1s, 2m)`, part: mod };
      spec[key] = ms;
    } else if (key === 'from' && colon > 0) {
      let from = arg;
      if ((from === 'closest' || from === 'find') && mods[i + 1]) from += ` ${mods[++i]}`;
      if (from.startsWith('<') && from.endsWith('/>')) from = from.slice(1, -2).trim();
      if (!from) return { message: `from: names no element in "${text.trim()}"`, part: mod };
      spec.from = from;
    } else {
      return { message: `unknown trigger modifier "${mod}" in "${text.trim()}"`, part: mod };
    }
  }
  return spec;
}

/** Parses a trigger spec. Valid triggers are returned even when others are refused. */
export function parseTriggers(spec: string): { specs: TriggerSpec[]; problems: TriggerProblem[] } {
  const specs: TriggerSpec[] = [];
  const problems: TriggerProblem[] = [];
  for (const part of splitTriggers(spec)) {
    const r = parseOne(part);
    if ('event' in r) specs.push(r);
    else problems.push(r);
  }
  return { specs, problems };
}

/** Called when a trigger fires, with the event that fired it. */
export type Fire = (event: Event) => void;

/** What a wiring needs besides the host. */
export interface WireOptions {
  /**
   * Attribute mode: a sender that is neither a control nor a form, and wraps no form, sends on
   * `click` even inside a form (htmx's rule); elements send that form's `submit`.
   */
  attributeMode?: boolean;
  /** Removes every listener when aborted. */
  signal: AbortSignal;
  /** Timers to clear on teardown (delay / throttle); the wiring adds to it. */
  timers: Set<ReturnType<typeof setTimeout>>;
  /** `once` triggers that already fired (kept by the caller, so moving the sender keeps them). */
  fired: Set<string>;
  /** Reports a `from:` selector that is not valid CSS. */
  problem: (p: TriggerProblem) => void;
}

/** Whether the event came from a button that would submit its form. */
function fromFormSubmitter(event: Event): boolean {
  const t = event.composedPath()[0];
  return submitsForm(t instanceof Element ? t.closest('button, input') : null);
}

/** Stops a submit from navigating, and a click from submitting a form or following a link. */
function preventNavigation(host: Element, event: Event): void {
  if (event.type === 'submit') event.preventDefault();
  else if (event.type === 'click') {
    if (fromFormSubmitter(event) || (host instanceof HTMLAnchorElement && host.hasAttribute('href'))) event.preventDefault();
  }
}

/** Whether a click came from a field, an option or a label (not from a button or plain content). */
function fromEditable(event: Event): boolean {
  const origin = event.composedPath()[0];
  if (!(origin instanceof Element)) return false;
  const el = origin.closest('input, select, textarea, option, label');
  if (!el) return false;
  return !isButtonInput(el);
}

/**
 * Listens for the sender's natural event. For a wrapper (not a control or form itself) the
 * choice is made when the event comes, so children parsed after the sender connected count.
 */
export function wireNatural(host: Element, fire: Fire, opts: WireOptions): void {
  const on = (target: EventTarget, type: string, handler: (e: Event) => void): void =>
    target.addEventListener(type, handler, { signal: opts.signal });
  if (host instanceof HTMLFormElement) {
    on(host, 'submit', (e) => (e.preventDefault(), fire(e)));
  } else if (isButton(host)) {
    on(host, 'click', (e) => (preventNavigation(host, e), fire(e)));
  } else if (isControl(host)) {
    on(host, 'change', fire);
  } else {
    // Elements: a form inside the sender or the form it sits in sends on submit. Attribute mode:
    // only a form inside it; inside a form it sends on click, as htmx does.
    const onSubmitOf = (): boolean => (opts.attributeMode ? host.querySelector('form') !== null : contextForm(host) !== null);
    const onSubmit = (e: Event): void => {
      if (!onSubmitOf()) return;
      e.preventDefault();
      fire(e);
    };
    on(host, 'submit', onSubmit);
    const outer = opts.attributeMode ? null : host.parentElement?.closest('form');
    if (outer) on(outer, 'submit', onSubmit);
    on(host, 'click', (e) => {
      if (onSubmitOf()) return; // the form's submit event sends
      if (fromEditable(e)) return; // clicking into a field to type in it is not a send
      preventNavigation(host, e);
      fire(e);
    });
  }
}

/** A comparable snapshot of a control's value (checked state for checkboxes and radios). */
function valueOf(el: EventTarget | null | undefined): string | undefined {
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return String(el.checked);
  if (el instanceof HTMLSelectElement && el.multiple) return Array.from(el.selectedOptions, (o) => o.value).join('\u0000');
  const v = (el as { value?: unknown } | null | undefined)?.value;
  return typeof v === 'string' ? v : undefined;
}

function listenTargets(host: Element, spec: TriggerSpec, opts: WireOptions): EventTarget[] {
  if (!spec.from) {
    // A submit comes from a form: the one inside the sender reaches it, the one around it not.
    const outer = spec.event === 'submit' ? host.parentElement?.closest('form') : null;
    return outer ? [host, outer] : [host];
  }
  if (spec.from === 'document') return [document];
  if (spec.from === 'window') return [window];
  try {
    return resolveSelector(host, spec.from);
  } catch (err) {
    opts.problem({ message: `from:${spec.from} is not a valid selector (${(err as Error).message})`, part: spec.from });
    return [];
  }
}

/** Listens for one parsed trigger, applying its modifiers. */
export function wireSpec(host: Element, spec: TriggerSpec, index: number, fire: Fire, opts: WireOptions): void {
  const key = `${index}:${spec.text}`;
  const last = new WeakMap<object, string | undefined>();
  let delayTimer: ReturnType<typeof setTimeout> | undefined;
  let throttled = false;
  const targets = listenTargets(host, spec, opts);
  if (spec.changed) {
    // Remember the starting values, so the first event with an unchanged value is ignored.
    for (const t of targets) {
      last.set(t, valueOf(t));
      if (t instanceof Element || t instanceof Document) for (const c of Array.from(t.querySelectorAll('input, select, textarea'))) last.set(c, valueOf(c));
    }
  }
  const timer = (ms: number, fn: () => void): ReturnType<typeof setTimeout> => {
    const id = setTimeout(() => {
      opts.timers.delete(id);
      fn();
    }, ms);
    opts.timers.add(id);
    return id;
  };
  if (spec.every !== undefined) {
    const every = spec.every;
    const poll = (): void => {
      timer(every, () => {
        if (opts.signal.aborted) return;
        fire(new Event('every'));
        poll();
      });
    };
    poll();
    return;
  }
  const handler = (listenedOn: EventTarget) => (event: Event) => {
    preventNavigation(host, event);
    if (spec.once && opts.fired.has(key)) return;
    if (spec.changed) {
      const origin = event.composedPath()[0];
      const subject = valueOf(origin) !== undefined ? origin : listenedOn;
      const now = valueOf(subject);
      if (last.get(subject) === now) return;
      last.set(subject, now);
    }
    if (spec.once) opts.fired.add(key);
    if (spec.throttle !== undefined && spec.throttle > 0) {
      if (throttled) return;
      throttled = true;
      timer(spec.throttle, () => (throttled = false));
      fire(event);
    } else if (spec.delay !== undefined && spec.delay > 0) {
      if (delayTimer !== undefined) {
        clearTimeout(delayTimer);
        opts.timers.delete(delayTimer);
      }
      delayTimer = timer(spec.delay, () => {
        delayTimer = undefined;
        fire(event);
      });
    } else {
      fire(event);
    }
  };
  for (const t of targets) t.addEventListener(spec.event, handler(t), { signal: opts.signal });
}
