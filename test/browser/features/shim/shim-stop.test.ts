// shim.stop() on the document-wide shim of `hx-ws-elements/upgrade`. Its own file: the stop is
// for good, and the page's shim is not started again.
import { expect, waitUntil } from '@open-wc/testing';
import { connectionOf } from '../../../../src/connection/socket-connection.js';
import { observeHxWs, shim } from '../../../../src/upgrade.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll, whenOpen, keepPageOnSubmit } from '../../../support/modes.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

keepPageOnSubmit();

afterEach(() => {
  unmountAll();
});

describe('shim.stop()', () => {
  it('closes every socket the shim opened, drops its senders, and attaches nothing afterwards; elements keep working', async () => {
    const [a, b, c, e] = [new Channel(), new Channel(), new Channel(), new Channel()];
    const box = mount(`
      <div id="a" hx-ws="connect:${a.path()}"><form hx-ws="send"><input name="x" value="1"><button>go</button></form></div>
      <div id="b" data-hx-ws="connect:${b.path()}"></div>
      <hx-ws-connect id="e" url=${e.path()}></hx-ws-connect>`);
    await Promise.all([a.waitOpen(1, 1), b.waitOpen(1, 1), e.waitOpen(1, 1)]);
    expect(shim.elements.size).to.equal(3); // #a, its form, #b

    shim.stop();
    const sa = await a.waitOpen(0, 1);
    await b.waitOpen(0, 1);
    expect(sa.closes.map((x) => x.code)).to.deep.equal([1000]);
    expect(shim.elements.size).to.equal(0);
    expect(connectionOf(box.querySelector('#a')!)).to.equal(undefined);

    // The form no longer sends; content added now is left alone.
    box.querySelector('button')!.click();
    box.insertAdjacentHTML('beforeend', `<div id="c" hx-ws="connect:${c.path()}"></div>`);
    box.querySelector('#b')!.setAttribute('hx-ws', `connect:${c.path()}`);
    await new Promise((r) => setTimeout(r, 150));
    expect((await a.state()).frameCount).to.equal(0);
    expect((await c.state()).total).to.equal(0);

    // The element is not the shim's: its socket stays.
    expect((await e.state()).open).to.equal(1);

    // A new shim can be started by hand, for the document or for any root.
    const again = observeHxWs(box);
    try {
      await whenOpen(box.querySelector('#c')!);
      await c.waitOpen(2); // #c, and #b now pointing at c
      await a.waitOpen(1, 2);
    } finally {
      again.stop();
    }
    await waitUntil(async () => (await c.state()).open + (await a.state()).open === 0, 'the second shim closed its sockets too');
  });
});
