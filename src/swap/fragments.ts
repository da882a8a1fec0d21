/**
 * Reading a received message: its fragments (partial HTML or a whole document) and each
 * fragment's `hx-swap-oob` value. Pure DOM parsing; `swap.ts` does the swapping and exports
 * these names.
 *
 * @module
 */

/** How a fragment goes into its target. */
export type SwapStyle =
  | 'outerHTML'
  | 'innerHTML'
  | 'beforebegin'
  | 'afterbegin'
  | 'beforeend'
  | 'afterend'
  | 'delete'
  | 'none'
  | 'textContent';

/** Every swap style, spelled as htmx spells it. */
export const swapStyles: readonly SwapStyle[] = Object.freeze([
  'outerHTML',
  'innerHTML',
  'beforebegin',
  'afterbegin',
  'beforeend',
  'afterend',
  'delete',
  'none',
  'textContent',
] as const);

/**
 * The morph styles (htmx 2 + idiomorph names, then htmx 4's), swapped by the morph feature
 * (`hx-ws-elements/morph`, the `styles` slot). Known here so that a page without the feature is
 * told which import it lacks instead of "unknown style". `morph` is `morph:outerHTML`.
 */
export const morphStyles = Object.freeze(['morph', 'morph:outerHTML', 'morph:innerHTML', 'outerMorph', 'innerMorph'] as const);

/** A style that a feature swaps (see {@link morphStyles}). */
export type FeatureSwapStyle = (typeof morphStyles)[number];

const styleByLowerCase = new Map<string, SwapStyle | FeatureSwapStyle>(
  [...swapStyles, ...morphStyles].map((s) => [s.toLowerCase(), s]),
);

/** A parsed `hx-swap-oob` value. */
export interface SwapSpec {
  /** The swap style: one of {@link swapStyles}, or a morph style (swapped by the morph feature). */
  readonly style: SwapStyle | FeatureSwapStyle;
  /** The CSS selector after the colon, or `null`: then the target is the fragment's id. */
  readonly selector: string | null;
}

const DEFAULT_SPEC: SwapSpec = Object.freeze({ style: 'outerHTML', selector: null });

/**
 * Parses an `hx-swap-oob` value: `true`, `<style>` or `<style>:<css selector>`.
 *
 * Absent, empty and `true` all mean `outerHTML` by id. Style names are matched without regard to
 * case and around whitespace; an empty selector (`beforeend:`) counts as none. After `morph:`,
 * `outerHTML` or `innerHTML` is part of the style name (`morph:innerHTML:#list` morphs the
 * children of `#list`), as idiomorph's htmx extension reads it.
 * @returns the spec, or `null` when the style is not one of {@link swapStyles} or {@link morphStyles}.
 */
export function parseSwapSpec(value: string | null | undefined): SwapSpec | null {
  if (value == null || value === 'true') return DEFAULT_SPEC;
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'true') return DEFAULT_SPEC;
  let colon = text.indexOf(':');
  let name = colon > 0 ? text.slice(0, colon).trim() : text;
  if (colon > 0 && name.toLowerCase() === 'morph') {
    const next = text.indexOf(':', colon + 1);
    const mode = text.slice(colon + 1, next > 0 ? next : undefined).trim().toLowerCase();
    if (mode === 'outerhtml' || mode === 'innerhtml') {
      name = `morph:${mode}`;
      colon = next;
    }
  }
  const style = styleByLowerCase.get(name.toLowerCase());
  if (!style) return null;
  const selector = colon > 0 ? text.slice(colon + 1).trim() : '';
  return { style, selector: selector || null };
}

// A full document: `<!doctype` or `<html` first (after whitespace and comments), or a `<body` tag.
const DOCUMENT_START = /^(?:\s|<!--[\s\S]*?-->)*<(?:!doctype|html)[\s>]/i;
const BODY_TAG = /<body[\s/>]/i;

/** Whether `html` is a whole document (then its body's children are the fragments). */
export function isFullDocument(html: string): boolean {
  return DOCUMENT_START.test(html) || BODY_TAG.test(html);
}

/**
 * What makes a message unfit for parsing in a detached `<div>` of the page's own document: a whole
 * document, table parts (a `<div>` drops a top-level `<tr>`), elements that start loading or run
 * handlers as soon as they exist in a live document (`<img>`, media, `<input>`, SVG `<image>`,
 * any `on…=` attribute), custom elements (they would be built before the swap), and `<noscript>`
 * (parsed as text there). One scan of the message; a match only means the careful path.
 */
const NEEDS_CARE = /<(?:!doctype|html|body|t[rdh]|tbody|thead|tfoot|caption|colgroup|col|img|image|input|video|audio|noscript|use|feimage|[a-z][\w.]*-[^\s/>]*)[\s/>]|[\s/"']on[a-z]+\s*=/i;

/** The page-document `<div>` that plain messages are parsed in (see {@link parseFragments}). */
let parser: HTMLDivElement | undefined;

/**
 * Parses a message into its top-level elements (text between them is dropped). Scripts in the
 * result are inert, and nothing in it loads or runs before it is swapped in:
 * - a full document is parsed with `DOMParser`; its body's children are returned;
 * - partial HTML with table parts, media, inputs, handlers or custom elements is parsed in a
 *   `<template>` (inert: `<tr>`, `<td>` and `<option>` survive, images do not load);
 * - other partial HTML, by far the common case, is parsed in a detached `<div>` of the page's
 *   own document: the same elements, made by the page's document, so swapping them in does not
 *   move them between documents (two to three times faster in every engine).
 */
export function parseFragments(html: string): Element[] {
  if (!NEEDS_CARE.test(html)) {
    const div = (parser ??= document.createElement('div'));
    div.innerHTML = html;
    const fragments = Array.from(div.children);
    // Leftovers (fragments that are not swapped) hang on to nothing of the page.
    div.textContent = '';
    return fragments;
  }
  if (isFullDocument(html)) {
    return Array.from(new DOMParser().parseFromString(html, 'text/html').body.children);
  }
  const template = document.createElement('template');
  template.innerHTML = html;
  return Array.from(template.content.children);
}
