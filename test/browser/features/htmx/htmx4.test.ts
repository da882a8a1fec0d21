// A page with htmx 4 and the upgrade shim: htmx 4 leaves hx-ws alone too, so the shim serves it,
// and content it swaps in is handed to htmx 4's `process`.
import { expect, waitUntil } from '@open-wc/testing';
import { shim } from '../../../../src/upgrade.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll, whenOpen } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

let script: HTMLScriptElement | undefined;

beforeEach(async () => {
  script = await loadScript('/node_modules/htmx4/dist/htmx.min.js');
});

afterEach(() => {
  unmountAll();
  unloadHtmx(script);
});

describe('with htmx 4 on the page', () => {
  it('the shim serves hx-ws (one socket) and a swapped <button hx-get> works through htmx.process', async () => {
    expect(htmx().version).to.match(/^4\./);
    const ch = new Channel();
    const box = mount(`<div id="room" hx-ws="connect:${ch.path()}"><div id="slot"></div></div><div id="out"></div>`);
    const el = box.querySelector('#room')!;
    await whenOpen(el);
    expect(shim.elements.has(el)).to.equal(true);
    const done = next(el, 'hx-ws-after-message');
    await ch.send(`<div id="slot"><button id="get" hx-get="/test/fixtures/htmx-fragment.html" hx-target="#out">load</button></div>`);
    await done;
    box.querySelector<HTMLButtonElement>('#get')!.click();
    await waitUntil(() => box.querySelector('#out #loaded') !== null, 'htmx 4 loaded the fragment into #out');
    await new Promise((r) => setTimeout(r, 100));
    const s = await ch.state();
    expect([s.total, s.maxOpen]).to.deep.equal([1, 1]);
  });
});
