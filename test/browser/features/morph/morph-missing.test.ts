// Without hx-ws-elements/morph, a morph style is one hx-ws-error (feature-missing) naming the
// import, said once per element, and the fragment is not swapped.
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import { features } from '../../../../src/core/features.js';
import type { HxWsErrorEvent } from '../../../../src/events.js';
import { swapMessage } from '../../../../src/swap/swap.js';
import { mount, unmountAll } from '../../../support/modes.js';

afterEach(() => {
  unmountAll();
  sinon.restore();
});

describe('morph styles without the morph feature', () => {
  it('are reported once, naming the import, and the fragments are not swapped; other styles still swap', () => {
    expect(features.styles).to.equal(undefined);
    const box = mount('<div id="src"></div><ul id="list"><li id="a">a</li></ul><p id="p">old</p>');
    const source = box.querySelector('#src')!;
    const errors: HxWsErrorEvent[] = [];
    source.addEventListener('hx-ws-error', (e) => errors.push(e));
    const log = sinon.stub(console, 'error');
    const li = box.querySelector('#a')!;
    for (let i = 0; i < 3; i++) {
      const out = swapMessage(`<ul id="list" hx-swap-oob="morph"><li id="b">b</li></ul><p id="p">new ${i}</p>`, source);
      expect(out.swapped, `message ${i}`).to.equal(1);
    }
    expect(errors.length).to.equal(1);
    expect(errors[0]!.reason).to.equal('feature-missing');
    expect(errors[0]!.message).to.contain("import 'hx-ws-elements/morph'");
    expect(log.callCount).to.equal(1);
    expect(box.querySelector('#a')).to.equal(li);
    expect(box.querySelector('#b')).to.equal(null);
    expect(box.querySelector('#p')!.textContent).to.equal('new 2');
  });
});
