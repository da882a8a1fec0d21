// A page with htmx 2 and the upgrade shim. htmx 2 has no hx-ws of its own (that is the
// htmx-ext-ws extension, with other attributes), so the shim serves hx-ws; htmx still gets the
// swapped content to process, its reconnect delay setting and its event names.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { config } from '../../../../src/config.js';
import { shim } from '../../../../src/upgrade.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll, whenOpen } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

let script: HTMLScriptElement | undefined;
const undo: (() => void)[] = [];

/** Listens with `htmx.on` (as an htmx page does) until the test ends. */
function heard(name: string): CustomEvent[] {
  const got: CustomEvent[] = [];
  const handler = (e: CustomEvent) => got.push(e);
  htmx().on(name, handler);
  undo.push(() => htmx().off(name, handler));
  return got;
}

beforeEach(async () => {
  script = await loadScript('/node_modules/htmx2/dist/htmx.min.js');
});

afterEach(() => {
  for (const u of undo.splice(0)) u();
  unmountAll();
  unloadHtmx(script);
  sinon.restore();
  delete config.wsReconnectDelay;
});

async function room(ch: Channel, inner = '') {
  const box = mount(`<div id="room" hx-ws="connect:${ch.path()}">${inner}</div><div id="out"></div>`);
  const el = box.querySelector('#room')!;
  await whenOpen(el);
  return { box, el };
}

describe('with htmx 2 on the page', () => {
  it('the shim serves hx-ws: one socket, messages swap, htmx:wsOpen and htmx:oobAfterSwap are heard', async () => {
    expect(htmx().version).to.match(/^2\./);
    const opens = heard('htmx:wsOpen');
    const swaps = heard('htmx:oobAfterSwap');
    const ch = new Channel();
    const { box, el } = await room(ch, '<p id="t">old</p>');
    expect(shim.elements.has(el)).to.equal(true);
    expect(opens.length).to.equal(1);
    expect(opens[0]!.detail.socket).to.be.instanceOf(WebSocket);
    expect(opens[0]!.detail.elt === el, 'htmx:wsOpen on the connecting element').to.equal(true);
    const done = next(el, 'hx-ws-after-message');
    await ch.send('<p id="t">new</p>');
    await done;
    expect(box.querySelector('#t')!.textContent).to.equal('new');
    expect(swaps.length).to.equal(1);
    expect((swaps[0]!.detail.fragment as Element).textContent).to.equal('new');
    await new Promise((r) => setTimeout(r, 100));
    const s = await ch.state();
    expect([s.total, s.maxOpen]).to.deep.equal([1, 1]);
  });

  it('swapped content goes through htmx.process: a swapped <button hx-get> loads its fragment', async () => {
    const ch = new Channel();
    const { box, el } = await room(ch, '<div id="slot"></div>');
    const done = next(el, 'hx-ws-after-message');
    await ch.send(`<div id="slot"><button id="get" hx-get="/test/fixtures/htmx-fragment.html" hx-target="#out">load</button></div>`);
    await done;
    box.querySelector<HTMLButtonElement>('#get')!.click();
    await waitUntil(() => box.querySelector('#out #loaded') !== null, 'htmx loaded the fragment into #out');
    expect(box.querySelector('#out')!.textContent!.trim()).to.equal('loaded by htmx');
  });

  it('content htmx swaps in with hx-ws markup is upgraded by the shim', async () => {
    const [outer, inner] = [new Channel(), new Channel()];
    const box = mount(
      `<button id="get" hx-get="/test/fixtures/htmx-fragment.html" hx-target="#out" hx-swap="innerHTML">load</button><div id="out"></div>`,
    );
    htmx().process(box);
    // htmx's own swap (an HTTP response) brings no hx-ws; a socket message then brings some.
    box.querySelector<HTMLButtonElement>('#get')!.click();
    await waitUntil(() => box.querySelector('#loaded') !== null, 'htmx swap');
    box.querySelector('#out')!.innerHTML = `<div id="room" hx-ws="connect:${outer.path()}"><div id="slot"></div></div>`;
    await outer.waitOpen(1, 1);
    await outer.send(`<div id="slot"><div id="nested" hx-ws="connect:${inner.path()}"></div></div>`);
    await inner.waitOpen(1, 1);
    expect(shim.elements.has(box.querySelector('#nested')!)).to.equal(true);
  });

  it('htmx.config.wsReconnectDelay is honoured when ours is unset; ours wins when set', async () => {
    const seen: number[] = [];
    htmx().config.wsReconnectDelay = (n: number) => (seen.push(n), 5);
    const closes = heard('htmx:wsClose');
    const ch = new Channel();
    const { el } = await room(ch);
    let closed = next(el, 'hx-ws-close');
    await ch.drop();
    expect((await closed).reconnectDelay).to.equal(5);
    expect(seen).to.deep.equal([0]);
    expect(closes.length).to.equal(1);
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);

    config.wsReconnectDelay = () => 7;
    closed = next(el, 'hx-ws-close');
    await ch.drop();
    expect((await closed).reconnectDelay).to.equal(7);
    expect(seen).to.deep.equal([0]);
    await next(el, 'hx-ws-open');
  });

  it('htmx listeners see sends: htmx:wsConfigSend can change the values, htmx:wsBeforeSend can cancel', async () => {
    const ch = new Channel();
    const { box } = await room(ch, `<form id="f" hx-ws="send"><input name="msg" value="hi"><button>go</button></form>`);
    const configure = (e: CustomEvent) => (e.detail.parameters.viaHtmx = 1);
    htmx().on('htmx:wsConfigSend', configure);
    undo.push(() => htmx().off('htmx:wsConfigSend', configure));
    box.querySelector('button')!.click();
    const [frame] = await ch.waitFrames(1);
    const json = JSON.parse(frame!.text!);
    expect([json.msg, json.viaHtmx, json.HEADERS['HX-Target']]).to.deep.equal(['hi', 1, 'room']);

    const cancel = (e: CustomEvent) => e.preventDefault();
    htmx().on('htmx:wsBeforeSend', cancel);
    undo.push(() => htmx().off('htmx:wsBeforeSend', cancel));
    box.querySelector('button')!.click();
    await new Promise((r) => setTimeout(r, 100));
    expect((await ch.frames()).length).to.equal(1);
  });
});
