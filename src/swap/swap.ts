/**
 * The out-of-band swap engine: applies one received HTML message to the page the way htmx applies
 * `hx-swap-oob` content. Pure DOM: no socket, no Lit, so the elements and the attribute shim share
 * it (and a page can call it directly).
 *
 * Every top-level element of the message is a fragment. Its `hx-swap-oob` (or `data-hx-swap-oob`)
 * value says where it goes, `true` (the default) meaning "replace the element with my id":
 *
 * ```html
 * <div id="status">online</div>                        <!-- outerHTML of #status -->
 * <div hx-swap-oob="beforeend:#log"><p>hi</p></div>     <!-- <p>hi</p> appended to #log -->
 * <tr id="row-7" hx-swap-oob="delete"></tr>              <!-- #row-7 removed -->
 * ```
 *
 * Where targets are looked up: first in the root node of the source element (its document, or the
 * shadow root it lives in), then, only when nothing matched there, in `document`. A component that
 * holds its own `<hx-ws-connect>` in its shadow DOM therefore updates its own content first and
 * can still reach ids of the page around it.
 */
import { config, effectiveAllowScripts } from '../config.js';
import { activateScripts, captureFocus, restoreFocus } from './after-swap.js';
import { features } from '../core/features.js';
import { morphStyles, parseFragments, parseSwapSpec, swapStyles, type SwapSpec, type SwapStyle } from './fragments.js';
import { scheduleSettle } from './settle.js';
import { HxWsOobAfterSwapEvent, HxWsOobBeforeSwapEvent, HxWsOobErrorNoTargetEvent } from '../events.js';
import { emit, needFeature, reportProblem } from '../core/dispatch.js';

export {
  isFullDocument,
  morphStyles,
  parseFragments,
  parseSwapSpec,
  swapStyles,
  type FeatureSwapStyle,
  type SwapSpec,
  type SwapStyle,
} from './fragments.js';

const HX_WS = /hx-ws/i;

/** Per-call overrides of the page-wide {@link config}. */
export interface SwapOptions {
  /** Whether swapped `<script>` elements run. Default: `effectiveAllowScripts()`. */
  allowScripts?: boolean;
  /** Class put on new elements until settle. Default: `config.addedClass`; `''` puts none. */
  addedClass?: string;
  /** Milliseconds from the swap to settle. Default: `config.settleDelay`. */
  settleDelay?: number;
  /**
   * Whether `hx-ws-oob-before-swap` and `hx-ws-oob-after-swap` fire for each target. Default
   * `true`; `false` skips their cost where nothing listens (a fragment without a target and a bad
   * `hx-swap-oob` are still reported).
   */
  events?: boolean;
}

/** What {@link swapMessage} did. */
export interface SwapOutcome {
  /** Top-level elements in the message. */
  fragments: number;
  /** Fragments that went into at least one target (a cancelled or failed fragment does not count). */
  swapped: number;
  /**
   * The elements put into the page at the top level of what was inserted, in order: for
   * `outerHTML` the fragment element, for the inline styles its element children. Text nodes are
   * not listed. They carry the added class until settle.
   */
  added: Element[];
}

/** Everything one message's swaps share. */
interface Run {
  readonly source: Element;
  /** Where targets are looked up first: the source's document or shadow root, else `null`. */
  readonly root: Document | DocumentFragment | null;
  readonly allowScripts: boolean;
  readonly addedClass: string;
  readonly added: Element[];
  /** Whether the per-target swap events fire. */
  readonly events: boolean;
}

/**
 * Swaps every top-level element of `html` into the page, out of band, with `source` as the element
 * that owns the swap: every event is fired on it and targets are looked up from its root node.
 *
 * Per target: `hx-ws-oob-before-swap` (cancel it to skip that target), the swap, scripts of the
 * new content, `hx-ws-oob-after-swap`. A fragment that finds no target fires
 * `hx-ws-oob-error-no-target`; an unknown style or a selector that is not CSS fires `hx-ws-error`
 * (reason `swap`). Either way the other fragments still swap. Afterwards: focus (and caret) of a
 * replaced focused element move to its same-id successor, `htmx.process` runs on the new elements
 * when htmx is on the page and the htmx feature is loaded, and the added class is removed once the message has settled.
 *
 * The events' `fragment` is the parsed element itself, not a copy: the last (or only) target takes
 * its nodes, so after that swap it is the new element (`outerHTML`) or an empty shell (the inline
 * styles). Read or change its content in `hx-ws-oob-before-swap`; changes reach every target.
 */
export function swapMessage(html: string, source: Element, options: SwapOptions = {}): SwapOutcome {
  const fragments = parseFragments(html);
  const added: Element[] = [];
  const outcome: SwapOutcome = { fragments: fragments.length, swapped: 0, added };
  if (fragments.length === 0) return outcome;

  const root = source.getRootNode();
  const run: Run = {
    source,
    root: root.nodeType === Node.DOCUMENT_NODE || root.nodeType === Node.DOCUMENT_FRAGMENT_NODE
      ? (root as Document | DocumentFragment)
      : null,
    // Scripts are looked for only in a message that carries one.
    allowScripts: (options.allowScripts ?? effectiveAllowScripts()) && SCRIPT_TAG.test(html),
    addedClass: options.addedClass ?? config.addedClass,
    added,
    events: options.events ?? true,
  };
  const focus = captureFocus();

  for (const fragment of fragments) {
    if (swapFragment(fragment, run)) outcome.swapped++;
  }

  if (added.length === 0) return outcome;
  const plain = features.plain;
  if (plain && !HX_WS.test(html)) for (const el of added) plain.add(el);
  if (focus) restoreFocus(focus, added);
  features.swapped?.(source, added);
  if (run.addedClass) scheduleSettle(added, run.addedClass, options.settleDelay ?? config.settleDelay);
  return outcome;
}

/** Swaps one fragment into each of its targets. @returns whether any target took it. */
function swapFragment(fragment: Element, run: Run): boolean {
  const { source } = run;
  // Read and strip in one go: what goes into the page never carries hx-swap-oob.
  let value = fragment.getAttribute('hx-swap-oob');
  if (value !== null) fragment.removeAttribute('hx-swap-oob');
  const dataValue = fragment.getAttribute('data-hx-swap-oob');
  if (dataValue !== null) {
    fragment.removeAttribute('data-hx-swap-oob');
    value ??= dataValue;
  }
  const spec = parseSwapSpec(value);
  if (!spec) {
    reportProblem(
      source,
      'swap',
      `hx-swap-oob="${value}" names no known swap style (one of ${[...swapStyles, ...morphStyles].join(', ')}, optionally followed by :<selector>)`,
      { part: value ?? '' },
    );
    return false;
  }

  const { style } = spec;
  // A morph style without the morph feature: said once per element, and the fragment is not
  // swapped (an outerHTML in its place would throw away what the user is typing).
  const styled = STYLES[style as keyof typeof STYLES] ? null : features.styles?.[style.toLowerCase()];
  if (styled === undefined) {
    needFeature(source, 'styles', `hx-swap-oob="${style}"`, 'morph');
    return false;
  }

  const targets = findTargets(fragment, spec.selector, run);
  if (!targets) return false;

  const last = targets.length - 1;
  let swapped = false;
  for (let i = 0; i <= last; i++) {
    const target = targets[i]!;
    if (run.events && !emit(source, new HxWsOobBeforeSwapEvent(target, fragment, style))) continue;
    // Every target but the last gets a copy; the last one takes the parsed nodes themselves.
    // Copies are made after the event, so a listener's changes to `fragment` reach every target.
    const content = i === last ? fragment : (fragment.cloneNode(true) as Element);
    const from = run.added.length;
    if (!(styled ? styled(target, content, run) : insert(style, target, content, run))) continue;
    if (run.allowScripts) activateScripts(run.added, from);
    if (run.events) emit(source, new HxWsOobAfterSwapEvent(target, fragment, style));
    swapped = true;
  }
  return swapped;
}

/**
 * The targets of a fragment: every match of the selector, or the element with the fragment's id.
 * @returns the targets (at least one), or `null` after firing the error event.
 */
function findTargets(fragment: Element, selector: string | null, run: Run): Element[] | null {
  const { source, root } = run;
  if (selector === null) {
    const id = fragment.id;
    const target = id ? byId(root, id) : null;
    if (target) return [target];
    emit(source, new HxWsOobErrorNoTargetEvent(fragment, id ? `#${CSS.escape(id)}` : null));
    return null;
  }
  // `#plain-id` is by far the common selector: the id map answers it without a tree walk.
  if (PLAIN_ID.test(selector)) {
    const target = byId(root, selector.slice(1));
    if (target) return [target];
  } else {
    let found: Element[];
    try {
      found = root ? Array.from(root.querySelectorAll(selector)) : [];
      if (found.length === 0 && root !== document) found = Array.from(document.querySelectorAll(selector));
    } catch (cause) {
      reportProblem(source, 'swap', `hx-swap-oob selector "${selector}" is not a valid CSS selector`, {
        part: selector,
        cause,
      });
      return null;
    }
    if (found.length > 0) return found;
  }
  emit(source, new HxWsOobErrorNoTargetEvent(fragment, selector));
  return null;
}

const PLAIN_ID = /^#[A-Za-z_][\w-]*$/;
const SCRIPT_TAG = /<script/i;

/** The element with `id` in `root`, else in `document`. */
function byId(root: Document | DocumentFragment | null, id: string): Element | null {
  const found = root?.getElementById(id) ?? null;
  return found ?? (root === document ? null : document.getElementById(id));
}

/**
 * Puts `content` into `target` with `style`, recording new top-level elements in `run.added`.
 * @returns `false` when the swap could not happen (a sibling position of a target with no parent).
 */
function insert(style: SwapSpec['style'], target: Element, content: Element, run: Run): boolean {
  const place = PLACES[style as keyof typeof PLACES];
  if (place) {
    // beforebegin / afterend put the content next to the target: it needs a parent.
    if ((place === 'before' || place === 'after') && !target.parentNode) return false;
    target[place](takeChildren(content, run));
    return true;
  }
  if (style === 'outerHTML') {
    if (!target.parentNode) return false;
    if (run.addedClass) addClass(content, run.addedClass);
    run.added.push(content);
    target.replaceWith(content);
  } else if (style === 'delete') target.remove();
  else if (style === 'textContent') target.textContent = content.textContent;
  return true; // 'none' too
}

/** The styles swapped here (the others are features' `styles`). */
const STYLES = Object.fromEntries(swapStyles.map((s) => [s, true])) as Record<SwapStyle, true>;

/** The styles that insert the fragment's children, by the `Element` method that does it. */
const PLACES = {
  innerHTML: 'replaceChildren',
  beforebegin: 'before',
  afterbegin: 'prepend',
  beforeend: 'append',
  afterend: 'after',
} as const;

/** Moves the children of `el` into a document fragment, marking and recording the elements. */
function takeChildren(el: Element, run: Run): DocumentFragment {
  const out = document.createDocumentFragment();
  const cls = run.addedClass;
  for (let child = el.firstChild; child; child = el.firstChild) {
    if (child.nodeType === Node.ELEMENT_NODE) {
      if (cls) addClass(child as Element, cls);
      run.added.push(child as Element);
    }
    out.appendChild(child);
  }
  return out;
}

/**
 * `classList.add`, minus its cost (a token list object per element) in the common cases: no class
 * yet, or classes that do not mention `cls`.
 */
function addClass(el: Element, cls: string): void {
  const now = el.getAttribute('class');
  if (!now) el.setAttribute('class', cls);
  else if (now.includes(cls)) el.classList.add(cls);
  else el.setAttribute('class', `${now} ${cls}`);
}
