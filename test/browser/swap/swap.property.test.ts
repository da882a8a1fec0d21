// Property: the swap engine, fed random HTML and random hx-swap-oob values, never throws and never
// changes the page outside the targets the fragments name.
//
// How "outside" is checked: a MutationObserver records every change to the page during one
// message. Each change must be authorised by an `hx-ws-oob-before-swap` event for a target that
// its fragment really names (the element with the fragment's id, or a match of its selector):
// inside the target for the inner styles, the target's parent child list for the styles that
// replace or add siblings, or anywhere in content that was not in the page before the message.
// Fragments are generated with a `data-g` index so each event can be checked against its spec;
// top-level elements the parser makes on its own (from junk or mis-nested tags) never carry an
// id or hx-swap-oob, so they must not swap at all.
import { expect, fixture, html } from '@open-wc/testing';
import fc from 'fast-check';
import sinon from 'sinon';
import { HxWsOobBeforeSwapEvent } from '../../../src/events.js';
import { swapMessage, swapStyles } from '../../../src/swap/swap.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

const IDS = ['t0', 't1', 't2', 't3', 'row', 'cell', 'opt', 'in', 'missing', 'x y', '0bad', 'a"b'];

/** Alphabet for junk: no `i`/`d`/`h`, so junk can never spell `id` or `hx-swap-oob`. */
const junk = fc
  .array(fc.constantFrom(...'<>/&;=" \'!-abcxyz#:0\n'.split(''), '<p>', '</div>', '<tr>', '<td>', '</table>', '&amp;', '<!--', '-->'), { maxLength: 12 })
  .map((a) => a.join(''));

/** Content of a fragment: text, nested elements (never with id or hx-swap-oob), a script. */
const inner: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    junk,
    fc.string({ maxLength: 8 }).map((s) => s.replace(/[<&]/g, '')),
    fc.constant('<script>window.__swapProp = (window.__swapProp || 0) + 1</script>'),
    fc
      .tuple(fc.constantFrom('span', 'p', 'b', 'div', 'li', 'tr', 'td', 'option', 'table'), fc.array(tie('node'), { maxLength: 3 }))
      .map(([tag, kids]) => `<${tag} class="k">${kids.join('')}</${tag}>`),
  ),
})).node;

/** Selectors that can match only inside #arena: `#arena` then a descendant part with no `,`, `~`, `+`. */
const selector = fc.oneof(
  fc.constantFrom('#t1', '#t0 .k', '#arena li', '#arena [data-x]', '#arena *', '#arena tr', '#missing', '#arena p:first-child'),
  fc.string({ maxLength: 8 }).filter((s) => !/[,~+\\]/.test(s)).map((s) => `#arena ${s}`),
  fc.constantFrom('[[', '#', '#arena >', '#arena :nope(', ':'),
);

interface Gen {
  tag: string;
  id: string | null;
  /** The hx-swap-oob value as written, or null for none. */
  oob: string | null;
  /** Written as data-hx-swap-oob instead. */
  dataAttr: boolean;
  inner: string;
}

const oobValue = fc.oneof(
  fc.constant(null),
  fc.constantFrom('true', '', 'TRUE', ' outerHTML ', 'bogus', 'beforeend:', ...swapStyles),
  fc.tuple(fc.constantFrom(...swapStyles, 'InnerHTML', 'nope'), selector).map(([s, sel]) => `${s}:${sel}`),
  fc.string({ maxLength: 10 }).filter((s) => !s.includes(',')),
);

const fragment: fc.Arbitrary<Gen> = fc.record({
  tag: fc.constantFrom('div', 'span', 'li', 'tr', 'td', 'option', 'p', 'section'),
  id: fc.option(fc.constantFrom(...IDS), { nil: null }),
  oob: oobValue,
  dataAttr: fc.boolean(),
  inner,
});

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

function render(pieces: (Gen | string)[]): string {
  return pieces
    .map((p, g) => {
      if (typeof p === 'string') return p;
      const id = p.id === null ? '' : ` id="${attr(p.id)}"`;
      const oob = p.oob === null ? '' : ` ${p.dataAttr ? 'data-hx-swap-oob' : 'hx-swap-oob'}="${attr(p.oob)}"`;
      return `<${p.tag} data-g="${g}"${id}${oob}>${p.inner}</${p.tag}>`;
    })
    .join('');
}

/** What a fragment names, per the spec: `null` selector means "the element with my id". */
function named(gen: Gen): { style: string; selector: string | null } | null {
  const text = (gen.oob ?? '').trim();
  if (text === '' || text.toLowerCase() === 'true') return { style: 'outerHTML', selector: null };
  const colon = text.indexOf(':');
  const name = (colon > 0 ? text.slice(0, colon) : text).trim().toLowerCase();
  const style = swapStyles.find((s) => s.toLowerCase() === name);
  if (!style) return null;
  const sel = colon > 0 ? text.slice(colon + 1).trim() : '';
  return { style, selector: sel || null };
}

const SIBLING_STYLES = new Set(['outerHTML', 'beforebegin', 'afterend', 'delete']);

describe('swap engine: property', () => {
  afterEach(() => sinon.restore());

  it('random messages never throw and never change anything but the targets their fragments name', async () => {
    const container = await fixture<HTMLElement>(html`<div>
      <div id="outside"><p id="keep" class="k">keep me</p><span data-x>still</span></div>
      <div id="source"></div>
      <div id="stage"></div>
    </div>`);
    const source = container.querySelector('#source')!;
    const stage = container.querySelector<HTMLElement>('#stage')!;
    const outside = container.querySelector<HTMLElement>('#outside')!;
    const outsideBefore = outside.outerHTML;
    const uncaught: unknown[] = [];
    const onError = (e: ErrorEvent) => uncaught.push(e.error ?? e.message);
    window.addEventListener('error', onError);
    sinon.stub(console, 'error'); // bad selectors and styles are reported there, many times

    try {
      fc.assert(
        fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: fragment }, { weight: 1, arbitrary: junk }), { minLength: 1, maxLength: 6 }), (pieces) => {
          // A fresh arena each run (a run may replace or delete #arena itself).
          const arena = document.createElement('div');
          arena.id = 'arena';
          stage.replaceChildren(arena);
          arena.innerHTML = `<div id="t0" class="k"><p id="t1" class="k">one</p><span data-x id="t2">two</span></div>
            <ul id="t3"><li class="k">a</li><li id="in">b<input id="in2"></li></ul>
            <table><tbody><tr id="row"><td id="cell">c</td></tr></tbody></table>
            <select><option id="opt">o</option></select>`;
          const before = new Set<Node>();
          for (let n: Node | null = document.body, w = document.createTreeWalker(document.body); n; n = w.nextNode()) before.add(n);
          const gens = pieces as (Gen | string)[];
          const allowed: { target: Element; parent: Node | null; style: string }[] = [];
          const problems: string[] = [];
          // A fragment's selector is matched once, before its first swap (a later swap of the same
          // fragment may already have moved an earlier match's descendants out of the page).
          const matchCache = new Map<string, Element[]>();
          const matchesAtStart = (g: string, sel: string) => {
            if (!matchCache.has(g)) matchCache.set(g, [...document.querySelectorAll(sel)]);
            return matchCache.get(g)!;
          };
          const onBefore = (e: HxWsOobBeforeSwapEvent) => {
            const g = e.fragment.getAttribute('data-g');
            const gen = g === null ? undefined : gens[Number(g)];
            if (!gen || typeof gen === 'string') {
              problems.push(`a fragment the message does not name swapped: ${e.fragment.outerHTML.slice(0, 80)}`);
              return;
            }
            const spec = named(gen);
            if (!spec || spec.style !== e.swapStyle) problems.push(`style ${e.swapStyle} for hx-swap-oob=${JSON.stringify(gen.oob)}`);
            else if (spec.selector === null ? e.swapTarget.id !== gen.id || !gen.id : !matchesAtStart(g!, spec.selector).includes(e.swapTarget)) {
              problems.push(`target <${e.swapTarget.localName} id=${e.swapTarget.id}> is not named by id=${gen.id} hx-swap-oob=${JSON.stringify(gen.oob)}`);
            }
            allowed.push({ target: e.swapTarget, parent: e.swapTarget.parentNode, style: e.swapStyle });
          };
          source.addEventListener(HxWsOobBeforeSwapEvent.eventName, onBefore as EventListener);
          const observer = new MutationObserver(() => {});
          observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
          let thrown: unknown;
          try {
            swapMessage(render(gens), source, { settleDelay: 0 });
          } catch (err) {
            thrown = err;
          }
          const records = observer.takeRecords();
          observer.disconnect();
          source.removeEventListener(HxWsOobBeforeSwapEvent.eventName, onBefore as EventListener);

          const fits = (r: MutationRecord) =>
            !before.has(r.target) ||
            allowed.some(({ target, parent, style }) => {
              if (!SIBLING_STYLES.has(style)) return target.contains(r.target);
              if (r.target !== parent || r.type !== 'childList') return target.contains(r.target);
              // Only the target itself may leave its parent; only new nodes may arrive.
              return [...r.removedNodes].every((n) => allowed.some((a) => a.target === n) || !before.has(n)) && [...r.addedNodes].every((n) => !before.has(n));
            });
          for (const r of records) {
            if (!fits(r)) problems.push(`${r.type} change on <${(r.target as Element).localName ?? r.target.nodeName} id=${(r.target as Element).id}> that no swap named`);
          }
          expect(thrown, 'swapMessage threw').to.equal(undefined);
          expect(problems).to.deep.equal([]);
          expect(outside.outerHTML).to.equal(outsideBefore);
        }),
        { numRuns: 300, seed: 7, verbose: 1 },
      );
    } finally {
      window.removeEventListener('error', onError);
    }
    expect(uncaught).to.deep.equal([]);
  });
});
