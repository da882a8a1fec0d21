// htmx 1.9 arriving after the shim has attached to an element: htmx takes the element over as it
// processes it, and the shim closes its own socket, so one socket is left.
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { connectionOf } from '../../../../src/connection/socket-connection.js';
import { shim } from '../../../../src/upgrade.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll, whenOpen } from '../../../support/modes.js';
import { loadScript, unloadHtmx } from '../../../support/scripts.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

let script: HTMLScriptElement | undefined;

afterEach(() => {
  unmountAll();
  unloadHtmx(script);
  sinon.restore();
});

describe('htmx 1.9 loaded after the shim', () => {
  it('the shim hands the element over: its socket closes, htmx 1 keeps one', async () => {
    const info = sinon.stub(console, 'info');
    const ch = new Channel();
    const box = mount(`<div id="room" hx-ws="connect:${ch.path()}"></div>`);
    const el = box.querySelector('#room')!;
    await whenOpen(el);
    expect(shim.elements.has(el)).to.equal(true);
    script = await loadScript('/node_modules/htmx1/dist/htmx.min.js'); // processes the body on load
    const s = await ch.waitOpen(1, 2);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]); // the shim's
    expect(shim.elements.has(el)).to.equal(false);
    expect(connectionOf(el)).to.equal(undefined);
    expect(info.callCount).to.equal(1);
    await ch.close(1000); // htmx 1 closes and stays closed
    await ch.waitOpen(0, 2);
  });
});
