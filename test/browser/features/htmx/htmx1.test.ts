// A page with htmx 1.9, which implements hx-ws itself, and the upgrade shim: htmx keeps hx-ws,
// the shim opens no second socket for it and says so once on the console.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { connectionOf } from '../../../../src/connection/socket-connection.js';
import { shim } from '../../../../src/upgrade.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

let script: HTMLScriptElement | undefined;
const channels: Channel[] = [];

beforeEach(async () => {
  script = await loadScript('/node_modules/htmx1/dist/htmx.min.js');
});

afterEach(async () => {
  // htmx 1 closes its socket on a 1000 from the server and does not reconnect after one.
  for (const ch of channels.splice(0)) {
    await ch.close(1000);
    await ch.waitOpen(0);
  }
  unmountAll();
  unloadHtmx(script);
  sinon.restore();
});

describe('with htmx 1.9 on the page', () => {
  it('htmx handles hx-ws: one socket (its own), its swaps and sends work, the shim says so once', async () => {
    expect(htmx().version).to.match(/^1\.9\./);
    const info = sinon.stub(console, 'info');
    const ch = new Channel();
    channels.push(ch);
    const box = mount(`
      <div id="room" hx-ws="connect:${ch.path()}">
        <p id="t">old</p>
        <form id="f" hx-ws="send"><input name="msg" value="hi"><button>go</button></form>
      </div>
      <div id="other" data-hx-ws="connect:${ch.path()}"></div>`);
    htmx().process(box.querySelector('#room')!); // htmx 1 processes added content when asked
    await ch.waitOpen(1, 1);
    await new Promise((r) => setTimeout(r, 150));
    expect((await ch.state()).total, 'no second socket').to.equal(1);
    expect(shim.elements.size).to.equal(0);
    expect(connectionOf(box.querySelector('#room')!)).to.equal(undefined);
    expect(info.callCount).to.equal(1);
    expect(String(info.firstCall.args[0])).to.contain('htmx 1');

    // htmx's socket is the one at work: it swaps, and the form goes out once (through htmx).
    await ch.send('<p id="t">new</p>');
    await waitUntil(() => box.querySelector('#t')!.textContent === 'new', 'htmx 1 swapped the message');
    box.querySelector('button')!.click();
    const [frame] = await ch.waitFrames(1);
    expect(JSON.parse(frame!.text!).msg).to.equal('hi');
    await new Promise((r) => setTimeout(r, 100));
    expect((await ch.frames()).length).to.equal(1);
    expect(info.callCount).to.equal(1);
  });
});
