// The morph swap styles (hx-ws-elements/morph, on idiomorph): kept elements are the same objects,
// so what the user is doing survives a server re-render: focus, caret, typed value, an open
// <details>, scroll, listeners. Every style name, with and without a selector.
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import '../../../../src/morph.js';
import type { HxWsOobAfterSwapEvent, HxWsOobBeforeSwapEvent } from '../../../../src/events.js';
import { parseSwapSpec, swapMessage } from '../../../../src/swap/swap.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll, whenOpen } from '../../../support/modes.js';

afterEach(() => {
  unmountAll();
  sinon.restore();
});

const rows = (ids: string[], text = (id: string) => id) => ids.map((id) => `<li id="${id}">${text(id)}</li>`).join('');

/** A page with `markup` and a source element for swapMessage. */
function page(markup: string): { box: HTMLElement; source: Element } {
  const box = mount(`<div id="src"></div>${markup}`);
  return { box, source: box.querySelector('#src')! };
}

describe('morph swaps', () => {
  it('a focused input being typed into keeps its value, caret and focus while the list around it is morphed 100 times (real socket)', async () => {
    const ch = new Channel();
    const box = mount(
      `<hx-ws-connect id="room" url="${ch.path()}"><ul id="list">${rows(['a', 'b'])}<li id="edit"><input id="q" name="q" value="server"></li></ul></hx-ws-connect>`,
    );
    const room = box.querySelector('#room')!;
    await whenOpen(room);
    const input = box.querySelector<HTMLInputElement>('#q')!;
    input.focus();
    input.value = '';
    for (let i = 0; i < 100; i++) {
      // The user types one more letter, caret at the end; then the server's re-render arrives.
      input.value += String.fromCharCode(97 + (i % 26));
      input.setSelectionRange(input.value.length, input.value.length);
      const ids = i % 2 ? ['a', 'b', `n${i}`] : [`n${i}`, 'b', 'a'];
      const done = next(room, 'hx-ws-after-message');
      await ch.send(`<ul id="list" hx-swap-oob="morph">${rows(ids, (id) => `${id} @${i}`)}<li id="edit"><input id="q" name="q" value="server ${i}"></li></ul>`);
      await done;
      expect(document.activeElement, `focus after message ${i}`).to.equal(input);
    }
    expect(box.querySelector('#q')).to.equal(input);
    expect(input.value).to.have.length(100);
    expect(input.value.slice(0, 3)).to.equal('abc');
    expect([input.selectionStart, input.selectionEnd]).to.deep.equal([100, 100]);
    expect(Array.from(box.querySelectorAll('#list > li')).map((li) => li.id)).to.deep.equal(['a', 'b', 'n99', 'edit']);
    expect(box.querySelector('#n99')!.textContent).to.equal('n99 @99');
  });

  it('a caret in the middle and a selection survive a morph of the focused field', () => {
    const { box, source } = page('<form id="f"><input id="name" value="Ada Lovelace"><textarea id="t">one</textarea></form>');
    const input = box.querySelector<HTMLInputElement>('#name')!;
    input.focus();
    input.setSelectionRange(2, 6);
    swapMessage('<form id="f" hx-swap-oob="morph"><input id="name" value="Ada Lovelace" class="x"><textarea id="t">one</textarea></form>', source);
    expect(document.activeElement).to.equal(input);
    expect(input.classList.contains('x'), 'attributes are applied').to.equal(true);
    expect([input.selectionStart, input.selectionEnd]).to.deep.equal([2, 6]);
  });

  it('the focused field keeps what the user typed; a field without focus takes the server value', () => {
    const { box, source } = page('<form id="f"><input id="a" value="1"><input id="b" value="1"><textarea id="t">x</textarea></form>');
    const [a, b] = [box.querySelector<HTMLInputElement>('#a')!, box.querySelector<HTMLInputElement>('#b')!];
    const t = box.querySelector<HTMLTextAreaElement>('#t')!;
    a.value = 'typed a';
    b.value = 'typed b';
    t.value = 'typed t';
    t.focus();
    swapMessage('<form id="f" hx-swap-oob="morph"><input id="a" value="2"><input id="b" value="2"><textarea id="t">server</textarea></form>', source);
    expect(a.value, 'no focus: the server value').to.equal('2');
    expect(t.value, 'focused textarea: the user value').to.equal('typed t');
    b.value = 'typed b again';
    b.focus();
    swapMessage('<form id="f" hx-swap-oob="morph"><input id="a" value="3"><input id="b" value="3"><textarea id="t">server</textarea></form>', source);
    expect(b.value, 'focused input: the user value').to.equal('typed b again');
    expect(a.value).to.equal('3');
    expect(t.value, 'no longer focused: the server value').to.equal('server');
  });

  it("a row's click listener survives", () => {
    const { box, source } = page(`<table><tbody id="tb"><tr id="r1"><td>one</td></tr><tr id="r2"><td>two</td></tr></tbody></table>`);
    const row = box.querySelector<HTMLTableRowElement>('#r1')!;
    const clicked = sinon.spy();
    row.addEventListener('click', clicked);
    swapMessage('<tbody id="tb" hx-swap-oob="morph"><tr id="r0"><td>zero</td></tr><tr id="r1"><td>ONE</td></tr></tbody>', source);
    const now = box.querySelector<HTMLTableRowElement>('#r1')!;
    expect(now).to.equal(row);
    expect(now.textContent).to.equal('ONE');
    now.click();
    expect(clicked.callCount).to.equal(1);
  });

  it('a <details> the user opened stays open; a new one arrives as written', () => {
    const { box, source } = page('<section id="s"><details id="d"><summary>more</summary><p>a</p></details></section>');
    const details = box.querySelector<HTMLDetailsElement>('#d')!;
    details.open = true;
    swapMessage('<section id="s" hx-swap-oob="morph"><details id="d"><summary>more</summary><p>b</p></details><details id="e" open><summary>x</summary></details></section>', source);
    expect(box.querySelector('#d')).to.equal(details);
    expect(details.open).to.equal(true);
    expect(details.textContent).to.contain('b');
    expect(box.querySelector<HTMLDetailsElement>('#e')!.open).to.equal(true);
  });

  it('a reorder keeps element identity; an id that is gone is removed; new ones get htmx-added', () => {
    const { box, source } = page(`<ul id="list">${rows(['a', 'b', 'c', 'd'])}</ul>`);
    const before = Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [id, box.querySelector(`#${id}`)!]));
    const out = swapMessage(`<ul id="list" hx-swap-oob="morph">${rows(['c', 'a', 'e', 'b'])}</ul>`, source);
    const lis = Array.from(box.querySelectorAll('#list > li'));
    expect(lis.map((li) => li.id)).to.deep.equal(['c', 'a', 'e', 'b']);
    for (const id of ['a', 'b', 'c']) expect(box.querySelector(`#${id}`), id).to.equal(before[id]);
    expect(box.querySelector('#d')).to.equal(null);
    expect(before.d!.isConnected).to.equal(false);
    const e = box.querySelector('#e')!;
    expect(e.classList.contains('htmx-added')).to.equal(true);
    expect(before.a!.classList.contains('htmx-added'), 'kept elements are not marked').to.equal(false);
    expect(out.added).to.include(e);
    expect(out.swapped).to.equal(1);
  });

  it('a scrolled box keeps its scroll position, a playing-state media element is the same object', () => {
    const { box, source } = page(
      `<div id="pane" style="height:50px;overflow:auto"><div id="tall" style="height:500px">x</div></div><div id="m"><video id="v" muted></video><p>a</p></div>`,
    );
    const pane = box.querySelector<HTMLElement>('#pane')!;
    pane.scrollTop = 120;
    const video = box.querySelector('#v')!;
    swapMessage(
      `<div id="pane" style="height:50px;overflow:auto" hx-swap-oob="morph"><div id="tall" style="height:500px">y</div></div><div id="m" hx-swap-oob="innerMorph"><video id="v" muted></video><p>b</p></div>`,
      source,
    );
    expect(box.querySelector('#pane')).to.equal(pane);
    expect(pane.scrollTop).to.equal(120);
    expect(box.querySelector('#v')).to.equal(video);
    expect(box.querySelector('#m p')!.textContent).to.equal('b');
  });

  it('every style name parses, with and without a selector', () => {
    expect(parseSwapSpec('morph')).to.deep.equal({ style: 'morph', selector: null });
    expect(parseSwapSpec('MORPH:outerhtml')).to.deep.equal({ style: 'morph:outerHTML', selector: null });
    expect(parseSwapSpec('morph:innerHTML:#list')).to.deep.equal({ style: 'morph:innerHTML', selector: '#list' });
    expect(parseSwapSpec('morph:#list')).to.deep.equal({ style: 'morph', selector: '#list' });
    expect(parseSwapSpec('outerMorph:.row')).to.deep.equal({ style: 'outerMorph', selector: '.row' });
    expect(parseSwapSpec('innermorph')).to.deep.equal({ style: 'innerMorph', selector: null });
    expect(parseSwapSpec('morphy')).to.equal(null);
  });

  it('the styles with selectors: inner styles morph the children, outer ones the element, every match', () => {
    const { box, source } = page(
      `<ul id="l1">${rows(['x1', 'x2'])}</ul><ul id="l2">${rows(['y1'])}</ul><p class="p">1</p><p class="p">2</p><div id="o">old</div>`,
    );
    const [x1, y1, o] = ['#x1', '#y1', '#o'].map((s) => box.querySelector(s)!);
    const [p1, p2] = Array.from(box.querySelectorAll('p.p'));
    const befores: string[] = [];
    const afters: string[] = [];
    source.addEventListener('hx-ws-oob-before-swap', (e) => befores.push((e as HxWsOobBeforeSwapEvent).swapStyle));
    source.addEventListener('hx-ws-oob-after-swap', (e) => afters.push((e as HxWsOobAfterSwapEvent).swapStyle));
    const out = swapMessage(
      `<div hx-swap-oob="morph:innerHTML:#l1">${rows(['x0', 'x1'], (id) => id.toUpperCase())}</div>` +
        `<div hx-swap-oob="innerMorph:#l2">${rows(['y1'], () => 'Y')}</div>` +
        `<p class="p q" hx-swap-oob="outerMorph:.p">same</p>` +
        `<div id="o" hx-swap-oob="morph:outerHTML:#o">new</div>`,
      source,
    );
    expect(out.swapped).to.equal(4);
    expect(box.querySelector('#l1')!.textContent).to.equal('X0X1');
    expect(box.querySelector('#x1')).to.equal(x1);
    expect(box.querySelector('#x2')).to.equal(null);
    expect(box.querySelector('#y1')).to.equal(y1);
    expect(y1.textContent).to.equal('Y');
    // outerMorph with a class selector: both paragraphs (no ids on either side) are kept, text and class updated.
    expect(p1!.isConnected && p2!.isConnected).to.equal(true);
    expect([p1!.textContent, p2!.textContent, p1!.className]).to.deep.equal(['same', 'same', 'p q']);
    expect(box.querySelector('#o')).to.equal(o);
    expect(o.textContent).to.equal('new');
    expect(befores).to.deep.equal(['morph:innerHTML', 'innerMorph', 'outerMorph', 'outerMorph', 'morph:outerHTML']);
    expect(afters).to.deep.equal(befores);
  });

  it('a cancelled hx-ws-oob-before-swap leaves the target as it was', () => {
    const { box, source } = page(`<ul id="list">${rows(['a'])}</ul>`);
    source.addEventListener('hx-ws-oob-before-swap', (e) => e.preventDefault());
    const out = swapMessage(`<ul id="list" hx-swap-oob="morph">${rows(['b'])}</ul>`, source);
    expect(out.swapped).to.equal(0);
    expect(box.querySelector('#a')).to.not.equal(null);
  });
});
