/**
 * The morph swap styles (`hx-swap-oob="morph"`, `morph:outerHTML`, `morph:innerHTML`,
 * `outerMorph`, `innerMorph`), on idiomorph: the target's tree is brought to the fragment's by
 * keeping every element it can match (by id, and by the sets of ids inside, as idiomorph matches),
 * changing attributes and text in place, and inserting or removing only what differs.
 *
 * What the user is doing survives, because kept elements are the same objects:
 * - focus, caret and selection (idiomorph puts them back when it had to move the focused element);
 * - the focused field's value: a text field, `<textarea>` or other input that has focus keeps what
 *   the user typed even when the server's value differs; every field without focus takes the
 *   server's value;
 * - a `<details>` keeps the open state the user gave it (the server's `open` is not applied to a
 *   kept `<details>`; a new one arrives as the server wrote it);
 * - scroll positions, playing media and listeners of kept elements (they are never recreated).
 *
 * New elements get the added class (`htmx-added`) and are listed as added, as with `outerHTML`.
 *
 * @module
 */
import { Idiomorph } from 'idiomorph';
import type { StyleRun, SwapStyleFn } from '../../core/features.js';

function morphInto(target: Element, content: Element, run: StyleRun, inner: boolean): boolean {
  if (!inner && !target.parentNode) return false;
  const cls = run.addedClass;
  Idiomorph.morph(target, inner ? Array.from(content.childNodes) : content, {
    morphStyle: inner ? 'innerHTML' : 'outerHTML',
    ignoreActiveValue: true,
    restoreFocus: true,
    head: { style: 'none' },
    callbacks: {
      afterNodeAdded(node) {
        if (node.nodeType !== Node.ELEMENT_NODE) return;
        if (cls) (node as Element).classList.add(cls);
        run.added.push(node as Element);
      },
      // A kept <details> stays as open (or closed) as the user left it.
      beforeAttributeUpdated: (name, el) => !(name === 'open' && el.localName === 'details'),
    },
  });
  return true;
}

const outer: SwapStyleFn = (target, content, run) => morphInto(target, content, run, false);
const inner: SwapStyleFn = (target, content, run) => morphInto(target, content, run, true);

/** The morph styles by lower-case name, for the `styles` slot. */
export const morphSwapStyles: Record<string, SwapStyleFn> = {
  morph: outer,
  'morph:outerhtml': outer,
  outermorph: outer,
  'morph:innerhtml': inner,
  innermorph: inner,
};
