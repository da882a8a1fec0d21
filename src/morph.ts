/**
 * `hx-ws-elements/morph`: the morph swap styles, `hx-swap-oob="morph"` (= `morph:outerHTML`),
 * `morph:innerHTML` (htmx 2 + idiomorph names) and `outerMorph` / `innerMorph` (htmx 4 names),
 * each optionally followed by `:<selector>`. Elements matched by id are kept, so focus, caret,
 * selection, the focused field's typed value, `<details>` open state, scroll, media and listeners
 * survive (see `features/morph/morph-styles.ts` for the rules). Loads idiomorph; a page that does
 * not import this entry does not. Without it a morph style is reported once (`feature-missing`)
 * and the fragment is not swapped.
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/morph';
 */
import { addFeature } from './core/features.js';
import { morphSwapStyles } from './features/morph/morph-styles.js';

addFeature({ styles: { ...morphSwapStyles } });
