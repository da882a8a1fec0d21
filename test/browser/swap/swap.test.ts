import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { config } from '../../../src/config.js';
import type { HxWsEventMap } from '../../../src/events.js';
import { parseFragments, parseSwapSpec, swapMessage } from '../../../src/swap/swap.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

type Win = { htmx?: unknown; __swapRuns?: number };
const win = window as unknown as Win;

const cleanups: (() => void)[] = [];
const savedConfig = { ...config };

afterEach(() => {
  for (const undo of cleanups.splice(0)) undo();
  sinon.restore();
  delete win.htmx;
  delete win.__swapRuns;
  Object.assign(config, savedConfig);
  delete config.allowScriptTags;
});

/** Collects every `name` event heard on `target` until the test ends. */
function record<K extends keyof HxWsEventMap>(target: EventTarget, name: K): HxWsEventMap[K][] {
  const heard: HxWsEventMap[K][] = [];
  const listener = (e: Event) => heard.push(e as HxWsEventMap[K]);
  target.addEventListener(name, listener);
  cleanups.push(() => target.removeEventListener(name, listener));
  return heard;
}

/** A page region with a source element in it; returns both. */
async function page(inner: string): Promise<{ box: HTMLElement; src: HTMLElement }> {
  const box = await fixture<HTMLElement>(html`<div class="box"></div>`);
  box.innerHTML = `<div id="src"></div>${inner}`;
  return { box, src: box.querySelector<HTMLElement>('#src')! };
}

const $ = (box: ParentNode, sel: string) => box.querySelector(sel);
const texts = (box: ParentNode, sel: string) => Array.from(box.querySelectorAll(sel), (e) => e.textContent);

// Identity checks that never hand a DOM node to chai: a failing `expect(node).to.equal(...)` makes
// the runner serialize whole subtrees (the body, for activeElement) and crash.
const label = (n: unknown) =>
  n instanceof Element ? `<${n.localName}${n.id ? `#${n.id}` : ''}${n.isConnected ? '' : ' detached'}>` : String(n);
function same(actual: unknown, expected: unknown, what = 'node'): void {
  expect(actual === expected, `${what}: got ${label(actual)}, expected ${label(expected)}`).to.equal(true);
}
function sameList(actual: readonly unknown[], expected: readonly unknown[], what = 'nodes'): void {
  const ok = actual.length === expected.length && actual.every((n, i) => n === expected[i]);
  expect(ok, `${what}: got ${actual.map(label).join(',')}, expected ${expected.map(label).join(',')}`).to.equal(true);
}

describe('parseSwapSpec', () => {
  it('reads true, empty and absent as outerHTML by id', () => {
    for (const v of [null, undefined, '', '  ', 'true', 'TRUE']) {
      expect(parseSwapSpec(v), String(v)).to.deep.equal({ style: 'outerHTML', selector: null });
    }
  });

  it('reads a style, and a style with a selector that may hold colons', () => {
    expect(parseSwapSpec('beforeend')).to.deep.equal({ style: 'beforeend', selector: null });
    expect(parseSwapSpec(' innerhtml : #a ')).to.deep.equal({ style: 'innerHTML', selector: '#a' });
    expect(parseSwapSpec('afterbegin:#list li:first-child')).to.deep.equal({
      style: 'afterbegin',
      selector: '#list li:first-child',
    });
    expect(parseSwapSpec('delete:')).to.deep.equal({ style: 'delete', selector: null });
  });

  it('returns null for an unknown style', () => {
    for (const v of ['sideways', ':#a', '#a', 'true:#a', 'false']) expect(parseSwapSpec(v), v).to.equal(null);
  });
});

describe('parseFragments', () => {
  it('keeps only top-level elements; table parts and options survive', () => {
    expect(parseFragments('text <tr id="r"><td>1</td></tr> more').map((e) => e.localName)).to.deep.equal(['tr']);
    expect(parseFragments(' <td id="c">2</td><td>3</td> ').map((e) => e.localName)).to.deep.equal(['td', 'td']);
    expect(parseFragments('<option id="o">x</option>x<p>y</p>').map((e) => e.localName)).to.deep.equal([
      'option',
      'p',
    ]);
  });

  it('plain fragments come out made by the page document, detached, the same as a template makes them', () => {
    const message = '<div id="a" class="x"><span>1</span> <b>two</b></div>text<p id="b">&amp; <i>3</i></p><!-- c -->';
    const fast = parseFragments(message);
    const template = document.createElement('template');
    template.innerHTML = message;
    expect(fast.map((e) => e.outerHTML)).to.deep.equal(Array.from(template.content.children, (e) => e.outerHTML));
    for (const el of fast) {
      expect(el.ownerDocument === document, 'made by the page document').to.equal(true);
      expect(el.parentNode, 'detached').to.equal(null);
    }
  });

  it('nothing in a message loads, runs or is built before it is swapped', async () => {
    const w = window as unknown as { __ran?: string[] };
    w.__ran = [];
    let built = 0;
    const tag = `parse-probe-${Math.random().toString(36).slice(2, 8)}`;
    customElements.define(tag, class extends HTMLElement {
      constructor() {
        super();
        built++;
      }
    });
    try {
      const fragments = parseFragments(
        `<div id="p"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onload="__ran.push('img')" onerror="__ran.push('img')">` +
          `<svg/onload="__ran.push('svg')"></svg><details open ontoggle="__ran.push('toggle')"><summary>s</summary></details>` +
          `<${tag}></${tag}><script>__ran.push('script')</script><noscript><b>nb</b></noscript></div>`,
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(w.__ran).to.deep.equal([]);
      expect(built, 'custom elements built').to.equal(0);
      // <noscript> comes out as a template parses it in this engine (elements or text).
      const template = document.createElement('template');
      template.innerHTML = '<noscript><b>nb</b></noscript>';
      expect(fragments[0]!.querySelector('noscript')!.innerHTML).to.equal((template.content.firstElementChild as Element).innerHTML);
    } finally {
      delete w.__ran;
    }
  });
});

describe('swapMessage', () => {
  describe('styles', () => {
    it('defaults to outerHTML by id and strips hx-swap-oob from what it puts in', async () => {
      const { box, src } = await page(`<div id="t1" class="old">old</div><p id="t2">old</p>`);
      const old = $(box, '#t1');
      const out = swapMessage(`<div id="t1" class="new">new</div><p id="t2" hx-swap-oob="true">two</p>`, src);
      expect(old!.isConnected).to.equal(false);
      expect($(box, '#t1')!.className).to.include('new');
      expect($(box, '#t1')!.textContent).to.equal('new');
      expect($(box, '#t2')!.hasAttribute('hx-swap-oob')).to.equal(false);
      expect($(box, '#t2')!.textContent).to.equal('two');
      expect(out.fragments).to.equal(2);
      expect(out.swapped).to.equal(2);
      sameList(out.added, [$(box, '#t1'), $(box, '#t2')], 'added');
    });

    it('reads data-hx-swap-oob like hx-swap-oob and removes it', async () => {
      const { box, src } = await page(`<ul id="l"><li>a</li></ul>`);
      swapMessage(`<div data-hx-swap-oob="beforeend:#l"><li>b</li></div>`, src);
      expect(texts(box, '#l li')).to.deep.equal(['a', 'b']);
      expect(box.querySelector('[data-hx-swap-oob]')).to.equal(null);
    });

    it('outerHTML with a selector replaces every match with its own copy', async () => {
      const { box, src } = await page(`<i class="m">1</i><b>x</b><i class="m">2</i>`);
      const out = swapMessage(`<em hx-swap-oob="outerHTML:.m">new</em>`, src);
      expect(box.querySelectorAll('.m').length).to.equal(0);
      expect(texts(box, 'em')).to.deep.equal(['new', 'new']);
      const [a, b] = Array.from(box.querySelectorAll('em'));
      expect(a === b, 'two copies').to.equal(false);
      expect(a!.hasAttribute('hx-swap-oob')).to.equal(false);
      sameList(out.added, [a, b], 'added');
    });

    it('innerHTML puts in the fragment children, not the fragment itself', async () => {
      const { box, src } = await page(`<div id="t"><span>old</span></div>`);
      const target = $(box, '#t');
      swapMessage(`<section id="t" hx-swap-oob="innerHTML"><b>1</b>two<i>3</i></section>`, src);
      same($(box, '#t'), target, 'target kept');
      expect(box.querySelector('section')).to.equal(null);
      expect(target!.innerHTML).to.equal('<b class="htmx-added">1</b>two<i class="htmx-added">3</i>');
    });

    it('innerHTML with a selector fills every match', async () => {
      const { box, src } = await page(`<p class="m">a</p><p class="m">b</p>`);
      swapMessage(`<div hx-swap-oob="innerHTML:.m"><b>n</b></div>`, src);
      expect(Array.from(box.querySelectorAll('.m'), (p) => p.querySelector('b')?.textContent)).to.deep.equal(['n', 'n']);
      expect(texts(box, '.m')).to.deep.equal(['n', 'n']);
    });

    const positional: [string, string][] = [
      ['beforebegin', 'N,[a],'],
      ['afterbegin', '[N,a],'],
      ['beforeend', '[a,N],'],
      ['afterend', '[a],N,'],
    ];
    /** The children of `box` after #src as a compact string: `[...]` for the targets. */
    const shape = (box: Element) =>
      Array.from(box.children)
        .slice(1)
        .map((c) => (c.classList.contains('m') ? `[${Array.from(c.children, (x) => x.textContent).join(',')}]` : c.textContent))
        .join(',') + ',';

    for (const [style, expected] of positional) {
      it(`${style} by id inserts the children next to or in the target`, async () => {
        const { box, src } = await page(`<div id="t" class="m"><i>a</i></div>`);
        const out = swapMessage(`<div id="t" hx-swap-oob="${style}"><b>N</b></div>`, src);
        expect(shape(box)).to.equal(expected);
        expect(box.querySelectorAll('#t').length).to.equal(1);
        expect(out.added.map((e) => e.localName)).to.deep.equal(['b']);
      });

      it(`${style} with a selector inserts a copy at every match`, async () => {
        const { box, src } = await page(`<div class="m"><i>a</i></div><div class="m"><i>a</i></div>`);
        swapMessage(`<div hx-swap-oob="${style}:div.m"><b>N</b></div>`, src);
        expect(shape(box)).to.equal(expected.repeat(2));
        expect(box.querySelectorAll('b').length).to.equal(2);
      });
    }

    it('delete removes the target, or every match', async () => {
      const { box, src } = await page(`<p id="d">x</p><i class="m">1</i><i class="m">2</i><b>keep</b>`);
      const out = swapMessage(`<p id="d" hx-swap-oob="delete"></p><div hx-swap-oob="delete:.m"></div>`, src);
      expect($(box, '#d')).to.equal(null);
      expect(box.querySelectorAll('.m').length).to.equal(0);
      expect($(box, 'b')!.textContent).to.equal('keep');
      expect(out.swapped).to.equal(2);
      expect(out.added.length).to.equal(0);
    });

    it('none changes nothing but fires the swap events', async () => {
      const { box, src } = await page(`<p id="n">x</p>`);
      const before = box.innerHTML;
      const after = record(src, 'hx-ws-oob-after-swap');
      swapMessage(`<p id="n" hx-swap-oob="none">y</p>`, src);
      expect(box.innerHTML).to.equal(before);
      expect(after.map((e) => e.swapStyle)).to.deep.equal(['none']);
    });

    it('textContent sets the text of the target, or of every match, without markup', async () => {
      const { box, src } = await page(`<p id="tc"><u>old</u></p><i class="m">1</i><i class="m">2</i>`);
      swapMessage(`<p id="tc" hx-swap-oob="textContent"><b>bold</b> &lt;i&gt;</p><a hx-swap-oob="textContent:.m">z</a>`, src);
      expect($(box, '#tc')!.innerHTML).to.equal('bold &lt;i&gt;');
      expect(texts(box, '.m')).to.deep.equal(['z', 'z']);
    });

    it('swaps <tr>, <td> and <option> fragments into a table and a select', async () => {
      const { box, src } = await page(
        `<table><tbody id="rows"><tr id="r1"><td id="c1">1</td><td>x</td></tr></tbody></table>` +
          `<select id="sel"><option id="o1" value="1">one</option></select>`,
      );
      // One message per kind: the HTML parser's table modes do not let a <tbody> follow a <tr>.
      swapMessage(`<tr id="r1"><td>uno</td><td>y</td></tr>`, src);
      swapMessage(`<tbody hx-swap-oob="beforeend:#rows"><tr id="r2"><td>dos</td></tr></tbody>`, src);
      swapMessage(
        `<option id="o1" value="1b">one-b</option>` +
          `<select hx-swap-oob="beforeend:#sel"><option id="o2" value="2">two</option></select>`,
        src,
      );
      expect(texts(box, '#rows > tr > td:first-child')).to.deep.equal(['uno', 'dos']);
      swapMessage(`<td id="c1r" hx-swap-oob="outerHTML:#r1 td:last-child">z</td>`, src);
      expect(texts(box, '#r1 > td')).to.deep.equal(['uno', 'z']);
      expect(Array.from((box.querySelector('#sel') as HTMLSelectElement).options, (o) => o.value)).to.deep.equal(['1b', '2']);
    });

    it('uses the body children of a full-document message', async () => {
      for (const doc of [
        `<!DOCTYPE html><html><head><title>t</title></head><body><p id="fd">new</p></body></html>`,
        ` <!-- hi --> <html><body>junk<p id="fd">new</p></body></html>`,
        `<body><p id="fd">new</p></body>`,
      ]) {
        const { box, src } = await page(`<p id="fd">old</p>`);
        const out = swapMessage(doc, src);
        expect($(box, '#fd')!.textContent, doc).to.equal('new');
        expect(out.fragments, doc).to.equal(1);
        expect(box.querySelector('title'), doc).to.equal(null);
        box.remove();
      }
    });

    it('ignores text between top-level elements', async () => {
      const { box, src } = await page(`<p id="x1">a</p><p id="x2">b</p>`);
      const out = swapMessage(`stray <p id="x1">A</p> text <p id="x2">B</p> tail`, src);
      expect(box.textContent).to.equal('AB');
      expect(out.fragments).to.equal(2);
    });

    it('custom elements in swapped content upgrade and connect, from a fragment or a document', async () => {
      const tag = 'swap-test-probe';
      if (!customElements.get(tag)) {
        customElements.define(
          tag,
          class extends HTMLElement {
            connectedCallback() {
              this.setAttribute('connected', String(Number(this.getAttribute('connected') ?? 0) + 1));
            }
          },
        );
      }
      const { box, src } = await page(`<div id="ce1"></div><div id="ce2"></div>`);
      swapMessage(`<div id="ce1"><${tag}></${tag}></div>`, src);
      swapMessage(`<html><body><div id="ce2"><${tag}></${tag}></div></body></html>`, src);
      expect(Array.from(box.querySelectorAll(tag), (e) => e.getAttribute('connected'))).to.deep.equal(['1', '1']);
    });

    it('swaps a 5 MB message', async () => {
      const { box, src } = await page(`<pre id="big">old</pre>`);
      const text = 'x'.repeat(5 * 1024 * 1024);
      const out = swapMessage(`<pre id="big">${text}</pre>`, src);
      expect(out.swapped).to.equal(1);
      expect($(box, '#big')!.textContent!.length).to.equal(text.length);
    });
  });

  describe('errors', () => {
    it('fires no-target with the fragment and selector; the other fragments still swap', async () => {
      const { box, src } = await page(`<p id="here">old</p>`);
      const missing = record(src, 'hx-ws-oob-error-no-target');
      const out = swapMessage(`<p id="gone">x</p><p id="here">new</p><p hx-swap-oob="beforeend:.nope">y</p>`, src);
      expect(missing.map((e) => e.selector)).to.deep.equal(['#gone', '.nope']);
      expect(missing[0]!.fragment.id).to.equal('gone');
      expect(missing[1]!.fragment.textContent).to.equal('y');
      expect($(box, '#here')!.textContent).to.equal('new');
      expect(out.swapped).to.equal(1);
    });

    it('escapes an odd id in the no-target selector', async () => {
      const { src } = await page('');
      const missing = record(src, 'hx-ws-oob-error-no-target');
      swapMessage(`<p id="1 a"></p>`, src);
      expect(missing[0]!.selector).to.equal(`#${CSS.escape('1 a')}`);
    });

    it('an element with neither id nor selector is a no-target error and swaps nothing', async () => {
      const { box, src } = await page(`<p id="null">n</p><p id="undefined">u</p>`);
      const before = box.innerHTML;
      const missing = record(src, 'hx-ws-oob-error-no-target');
      const out = swapMessage(`<p>no id</p><p id="">empty</p><p hx-swap-oob="innerHTML">x</p>`, src);
      expect(box.innerHTML).to.equal(before);
      expect(missing.length).to.equal(3);
      expect(missing.every((e) => e.selector === null)).to.equal(true);
      expect(out.swapped).to.equal(0);
    });

    it('an invalid selector is a swap error naming it; the other fragments still swap', async () => {
      const { box, src } = await page(`<p id="ok">old</p>`);
      const logged = sinon.stub(console, 'error');
      const errors = record(src, 'hx-ws-error');
      swapMessage(`<p hx-swap-oob="innerHTML:[[bad">x</p><p id="ok">new</p>`, src);
      expect(errors.map((e) => [e.reason, e.part])).to.deep.equal([['swap', '[[bad']]);
      expect(errors[0]!.message).to.include('[[bad');
      expect(logged.calledOnce).to.equal(true);
      expect($(box, '#ok')!.textContent).to.equal('new');
    });

    it('an unknown style is a swap error naming the value; that fragment is skipped', async () => {
      const { box, src } = await page(`<p id="u">old</p><p id="ok">old</p>`);
      sinon.stub(console, 'error');
      const errors = record(src, 'hx-ws-error');
      const out = swapMessage(`<p id="u" hx-swap-oob="sideways:#u">x</p><p id="ok">new</p>`, src);
      expect(errors.map((e) => [e.reason, e.part])).to.deep.equal([['swap', 'sideways:#u']]);
      expect($(box, '#u')!.textContent).to.equal('old');
      expect($(box, '#ok')!.textContent).to.equal('new');
      expect(out.swapped).to.equal(1);
    });
  });

  describe('events', () => {
    it('before-swap fires before the change; cancelling it skips only that target', async () => {
      const { box, src } = await page(`<i class="m" id="m1">1</i><i class="m" id="m2">2</i>`);
      const seen: string[] = [];
      const listener = (e: HxWsEventMap['hx-ws-oob-before-swap']) => {
        seen.push(`${e.swapTarget.id}:${e.swapTarget.textContent}:${e.swapStyle}`);
        if (e.swapTarget.id === 'm1') e.preventDefault();
      };
      src.addEventListener('hx-ws-oob-before-swap', listener);
      const after = record(src, 'hx-ws-oob-after-swap');
      const out = swapMessage(`<b hx-swap-oob="innerHTML:.m">n</b>`, src);
      expect(seen).to.deep.equal(['m1:1:innerHTML', 'm2:2:innerHTML']);
      expect(texts(box, '.m')).to.deep.equal(['1', 'n']);
      expect(after.map((e) => e.swapTarget.id)).to.deep.equal(['m2']);
      expect(out.swapped).to.equal(1);
    });

    it('a fragment whose every target is cancelled counts as not swapped', async () => {
      const { box, src } = await page(`<p id="c">old</p>`);
      src.addEventListener('hx-ws-oob-before-swap', (e) => e.preventDefault());
      const out = swapMessage(`<p id="c">new</p>`, src);
      expect($(box, '#c')!.textContent).to.equal('old');
      expect(out.swapped).to.equal(0);
      expect(out.added.length).to.equal(0);
    });

    it('after-swap carries the replaced target, the fragment and the style, and bubbles out', async () => {
      const { box, src } = await page(`<p id="a">old</p>`);
      const old = $(box, '#a');
      const heard = record(document, 'hx-ws-oob-after-swap');
      swapMessage(`<p id="a">new</p>`, src);
      expect(heard.length).to.equal(1);
      same(heard[0]!.swapTarget, old, 'swapTarget');
      same(heard[0]!.fragment, $(box, '#a'), 'fragment');
      expect(heard[0]!.swapStyle).to.equal('outerHTML');
      same(heard[0]!.target, src, 'event target');
    });

    it('the htmx twin htmx:oobAfterSwap is heard only when window.htmx exists', async () => {
      const { src } = await page(`<p id="tw">old</p>`);
      const twins = record(document, 'htmx:oobAfterSwap' as keyof HxWsEventMap) as unknown as CustomEvent[];
      swapMessage(`<p id="tw">one</p>`, src);
      expect(twins.length).to.equal(0);
      win.htmx = {};
      swapMessage(`<p id="tw">two</p>`, src);
      expect(twins.length).to.equal(1);
      expect((twins[0]!.detail as { fragment: Element }).fragment.textContent).to.equal('two');
    });
  });

  describe('settle, focus, scripts, htmx', () => {
    it('new elements carry htmx-added until the settle delay has passed', async () => {
      config.settleDelay = 30;
      const { box, src } = await page(`<p id="s">old</p><ul id="l"></ul>`);
      swapMessage(`<p id="s">new</p><ul hx-swap-oob="beforeend:#l"><li>1</li><li>2</li></ul>`, src);
      const fresh = [$(box, '#s')!, ...Array.from(box.querySelectorAll('li'))];
      expect(fresh.map((e) => e.classList.contains('htmx-added'))).to.deep.equal([true, true, true]);
      await waitUntil(() => fresh.every((e) => !e.classList.contains('htmx-added')), 'htmx-added not removed', {
        timeout: 1000,
      });
    });

    it('settles each message after its own delay, a later short one before an earlier long one', async () => {
      const { box, src } = await page(`<p id="slow">a</p><p id="fast">b</p>`);
      swapMessage(`<p id="slow">A</p>`, src, { settleDelay: 300 });
      swapMessage(`<p id="fast">B</p>`, src, { settleDelay: 10 });
      const slow = $(box, '#slow')!;
      const fast = $(box, '#fast')!;
      await waitUntil(() => !fast.classList.contains('htmx-added'), 'fast message not settled', { timeout: 250 });
      expect(slow.classList.contains('htmx-added')).to.equal(true);
      await waitUntil(() => !slow.classList.contains('htmx-added'), 'slow message not settled', { timeout: 1000 });
    });

    it('uses config.addedClass', async () => {
      config.addedClass = 'is-new';
      const { box, src } = await page(`<p id="s2">old</p>`);
      swapMessage(`<p id="s2">new</p>`, src);
      expect($(box, '#s2')!.className).to.equal('is-new');
    });

    it('restores focus and caret when a focused input is replaced by the same id', async () => {
      const { box, src } = await page(`<form id="f"><input id="q" value="hello world"><textarea id="ta">abcdef</textarea></form>`);
      const input = $(box, '#q') as HTMLInputElement;
      input.focus();
      input.setSelectionRange(3, 7);
      swapMessage(`<form id="f"><input id="q" value="hello world"><textarea id="ta">abcdef</textarea></form>`, src);
      const fresh = $(box, '#q') as HTMLInputElement;
      expect(fresh === input, 'input replaced').to.equal(false);
      same(document.activeElement, fresh, 'focused');
      expect([fresh.selectionStart, fresh.selectionEnd]).to.deep.equal([3, 7]);

      const ta = $(box, '#ta') as HTMLTextAreaElement;
      ta.focus();
      ta.setSelectionRange(2, 2);
      swapMessage(`<textarea id="ta">abcdefgh</textarea>`, src);
      const ta2 = $(box, '#ta') as HTMLTextAreaElement;
      expect(ta2 === ta, 'textarea replaced').to.equal(false);
      same(document.activeElement, ta2, 'focused');
      expect([ta2.selectionStart, ta2.selectionEnd]).to.deep.equal([2, 2]);
    });

    it('leaves focus alone when the focused element was not swapped', async () => {
      const { box, src } = await page(`<input id="keep" value="abc"><p id="p">x</p>`);
      const input = $(box, '#keep') as HTMLInputElement;
      input.focus();
      input.setSelectionRange(1, 2);
      swapMessage(`<p id="p">y</p>`, src);
      same(document.activeElement, input, 'focused');
      expect([input.selectionStart, input.selectionEnd]).to.deep.equal([1, 2]);
    });

    it('runs a swapped script exactly once, also after the new node moves', async () => {
      win.__swapRuns = 0;
      const { box, src } = await page(`<div id="sc">old</div><div id="elsewhere"></div>`);
      swapMessage(`<div id="sc"><script nonce="n0nce">window.__swapRuns++</script></div>`, src);
      expect(win.__swapRuns).to.equal(1);
      const script = box.querySelector('#sc script') as HTMLScriptElement;
      expect(script.nonce).to.equal('n0nce');
      $(box, '#elsewhere')!.append($(box, '#sc')!);
      box.append(script);
      await new Promise((r) => setTimeout(r, 20));
      expect(win.__swapRuns).to.equal(1);
    });

    it('runs scripts of a full-document message and of every target copy once each', async () => {
      win.__swapRuns = 0;
      const { src } = await page(`<p class="m"></p><p class="m"></p><p id="fs"></p>`);
      swapMessage(`<div hx-swap-oob="beforeend:.m"><script>window.__swapRuns++</script></div>`, src);
      expect(win.__swapRuns).to.equal(2);
      swapMessage(`<!doctype html><html><body><p id="fs"><script>window.__swapRuns += 10</script></p></body></html>`, src);
      expect(win.__swapRuns).to.equal(12);
    });

    it('runs no script when allowScriptTags is false, not even after moving it', async () => {
      config.allowScriptTags = false;
      win.__swapRuns = 0;
      const { box, src } = await page(`<div id="ns">old</div>`);
      swapMessage(`<div id="ns"><script>window.__swapRuns++</script></div>`, src);
      expect(box.querySelector('#ns script')).to.not.equal(null);
      box.append(box.querySelector('#ns script')!);
      await new Promise((r) => setTimeout(r, 20));
      expect(win.__swapRuns).to.equal(0);
    });

    it('passes the new top-level elements to htmx.process when htmx is on the page', async () => {
      const { box, src } = await page(`<p id="h1">a</p><ul id="hl"></ul>`);
      const process = sinon.spy();
      win.htmx = { process };
      swapMessage(`<p id="h1" hx-get="/x">b</p><ul hx-swap-oob="afterbegin:#hl"><li>1</li>text<li>2</li></ul>`, src);
      sameList(process.args.map(([el]) => el), [$(box, '#h1'), ...Array.from(box.querySelectorAll('#hl li'))], 'processed');
    });

    it('does not pass htmx.process an element a later fragment of the message removed', async () => {
      const { box, src } = await page(`<p id="h2">a</p><p id="h3">c</p>`);
      const process = sinon.spy();
      win.htmx = { process };
      swapMessage(`<p id="h2">b</p><p id="h2" hx-swap-oob="delete"></p><p id="h3">d</p>`, src);
      expect($(box, '#h2')).to.equal(null);
      sameList(process.args.map(([el]) => el), [$(box, '#h3')], 'processed');
    });
  });

  describe('shadow roots', () => {
    async function shadowPage(): Promise<{ box: HTMLElement; shadow: ShadowRoot; src: HTMLElement }> {
      const { box } = await page(`<p id="both">page</p><p id="outside">page</p><i class="k">page</i>`);
      const host = document.createElement('div');
      box.append(host);
      const shadow = host.attachShadow({ mode: 'open' });
      shadow.innerHTML = `<div id="ssrc"></div><p id="both">shadow</p><i class="k">shadow</i><input id="si" value="abcd">`;
      return { box, shadow, src: shadow.querySelector<HTMLElement>('#ssrc')! };
    }

    it('looks up targets in the source shadow root first, then in the document', async () => {
      const { box, shadow, src } = await shadowPage();
      swapMessage(`<p id="both">new</p><p id="outside">new</p><i hx-swap-oob="innerHTML:.k">new</i>`, src);
      expect(shadow.querySelector('#both')!.textContent).to.equal('new');
      expect($(box, '#both')!.textContent).to.equal('page');
      expect($(box, '#outside')!.textContent).to.equal('new');
      expect(shadow.querySelector('.k')!.textContent).to.equal('new');
      expect($(box, '.k')!.textContent).to.equal('page');
    });

    it('restores focus and caret inside the shadow root', async () => {
      const { shadow, src } = await shadowPage();
      const input = shadow.querySelector('#si') as HTMLInputElement;
      input.focus();
      input.setSelectionRange(1, 3);
      swapMessage(`<input id="si" value="abcd">`, src);
      const fresh = shadow.querySelector('#si') as HTMLInputElement;
      expect(fresh === input, 'input replaced').to.equal(false);
      same(shadow.activeElement, fresh, 'focused in shadow');
      expect([fresh.selectionStart, fresh.selectionEnd]).to.deep.equal([1, 3]);
    });

    it('events from a source in a shadow root reach document listeners', async () => {
      const { src } = await shadowPage();
      const heard = record(document, 'hx-ws-oob-error-no-target');
      swapMessage(`<p id="nowhere"></p>`, src);
      expect(heard.map((e) => e.selector)).to.deep.equal(['#nowhere']);
    });
  });
});
