import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { shim } from '../../src/upgrade.js';
import { Channel } from '../support/server.js';

describe('attribute shim (smoke)', () => {
  it('connects, swaps, sends, follows added and removed content', async () => {
    expect(shim.elements).to.be.instanceOf(Set);
    const ch = new Channel();
    const root = await fixture(html`<div hx-ws=${`connect:${ch.path()}`}>
      <p id="shim-target">old</p>
      <form hx-ws="send"><input name="q" value="hi"><button>go</button></form>
    </div>`);
    await ch.waitOpen(1, 1);
    await ch.send('<p id="shim-target">new</p>');
    await waitUntil(() => root.querySelector('#shim-target')!.textContent === 'new', 'swapped');
    root.querySelector('button')!.click();
    const [frame] = await ch.waitFrames(1);
    expect(JSON.parse(frame!.text!).q).to.equal('hi');
    const later = document.createElement('section');
    later.innerHTML = `<div hx-ws="connect:${ch.path()}"></div>`;
    document.body.append(later);
    await ch.waitOpen(2, 2);
    later.remove();
    root.remove();
    await ch.waitOpen(0, 2);
  });
});
