import { expect, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { Sender } from '../../../src/send/sender.js';
import { parseInterval, parseTriggers } from '../../../src/send/triggers.js';
import { expectNothingSent, next, page, sentJson, sleep, withoutHeaders } from '../../support/send.support.js';
import type { Channel } from '../../support/server.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

afterEach(() => {
  sinon.restore();
});

/** Values of every frame the server has so far. */
async function sentValues(ch: Channel): Promise<Record<string, unknown>[]> {
  return (await ch.frames()).map((f) => withoutHeaders(JSON.parse(f.text!)));
}

describe('triggers: natural events', () => {
  it('a wrapped form sends on submit and the navigation is prevented', async () => {
    const { ch, sender } = await page(html`<hx-ws-send><form action="/nowhere"><input name="q" value="1"><button>Go</button></form></hx-ws-send>`);
    const submitted = new Promise<Event>((r) => document.addEventListener('submit', r, { once: true }));
    sender.querySelector('button')!.click();
    expect((await submitted).defaultPrevented).to.equal(true);
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ q: '1' });
  });

  it('a wrapper without a form sends on click, but not on a click into a field', async () => {
    const { ch, sender } = await page(html`<hx-ws-send><label>Q <input name="q" value="1"></label><span>hit me</span></hx-ws-send>`);
    sender.querySelector('input')!.click();
    sender.querySelector('label')!.click();
    await sleep(50);
    expect(await ch.frames()).to.have.length(0);
    sender.querySelector('span')!.click();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ q: '1' });
  });

  it('a plain input sends on change, a plain form on submit (the shim’s hosts)', async () => {
    const { ch, conn } = await page(html`<input id="i" name="i" value="a"><form id="f"><input name="g" value="b"></form>`);
    const input = conn.querySelector<HTMLInputElement>('#i')!;
    const form = conn.querySelector<HTMLFormElement>('#f')!;
    const senders = [new Sender(input, () => ({})), new Sender(form, () => ({}))];
    senders.forEach((s) => s.hostConnected());
    try {
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.click();
      await sleep(30);
      expect(await ch.frames()).to.have.length(0);
      input.dispatchEvent(new Event('change', { bubbles: true }));
      await ch.waitFrames(1);
      form.requestSubmit();
      await ch.waitFrames(2);
      expect(await sentValues(ch)).to.deep.equal([{ i: 'a' }, { g: 'b' }]);
    } finally {
      senders.forEach((s) => s.hostDisconnected());
    }
  });
});

describe('triggers: trigger / hx-trigger', () => {
  it('a named event replaces the natural one', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="ping"><input name="q" value="1"><button>no</button></hx-ws-send>`);
    sender.querySelector('button')!.click();
    await sleep(30);
    expect(await ch.frames()).to.have.length(0);
    sender.dispatchEvent(new Event('ping'));
    await ch.waitFrames(1);
  });

  it('several comma-separated triggers all listen; hx-trigger is read when the property is unset', async () => {
    const { ch, sender } = await page(html`<hx-ws-send hx-trigger="ping, pong"><input name="q" value="1"></hx-ws-send>`);
    sender.dispatchEvent(new Event('ping'));
    sender.dispatchEvent(new Event('pong'));
    sender.dispatchEvent(new Event('other'));
    await ch.waitFrames(2);
    await sleep(30);
    expect(await ch.frames()).to.have.length(2);
  });

  it('once: only the first event sends, even after the element is moved', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="ping once"><input name="q" value="1"></hx-ws-send>`);
    sender.dispatchEvent(new Event('ping'));
    sender.parentElement!.append(sender); // disconnect + connect
    sender.dispatchEvent(new Event('ping'));
    await ch.waitFrames(1);
    await sleep(50);
    expect(await ch.frames()).to.have.length(1);
  });

  it('changed: an event with the same value does not send, a new value does', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="keyup changed"><input name="q" value="a"></hx-ws-send>`);
    const input = sender.querySelector('input')!;
    input.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true }));
    await sleep(30);
    expect(await ch.frames()).to.have.length(0);
    input.value = 'ab';
    input.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true }));
    input.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true }));
    await ch.waitFrames(1);
    await sleep(30);
    expect(await sentValues(ch)).to.deep.equal([{ q: 'ab' }]);
  });

  it('delay: a burst of events sends once, after the last, with the last values', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="input delay:120ms"><input name="q" value=""></hx-ws-send>`);
    const input = sender.querySelector('input')!;
    const t0 = performance.now();
    for (const v of ['c', 'ca', 'cat']) {
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await sleep(30);
    }
    await ch.waitFrames(1);
    expect(performance.now() - t0).to.be.greaterThan(60 + 120 - 5);
    await sleep(150);
    expect(await sentValues(ch)).to.deep.equal([{ q: 'cat' }]);
  });

  it('throttle: the first event sends at once, the rest are dropped until the time is up', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="ping throttle:200ms"><input name="q" value="1"></hx-ws-send>`);
    for (let i = 0; i < 3; i++) sender.dispatchEvent(new Event('ping'));
    await ch.waitFrames(1);
    await sleep(60);
    expect(await ch.frames()).to.have.length(1);
    await sleep(200);
    sender.dispatchEvent(new Event('ping'));
    await ch.waitFrames(2);
  });

  it('from: document, window, a selector, closest and <selector with spaces/>', async () => {
    const { ch, sender } = await page(html`
      <div class="bar"><button id="elsewhere">x</button><span class="in bar">y</span></div>
      <hx-ws-send trigger="a from:document, b from:window, click from:#elsewhere, c from:closest section, d from:<.bar .in/>">
        <input name="q" value="1">
      </hx-ws-send>`);
    const section = document.createElement('section');
    sender.parentElement!.insertBefore(section, sender);
    section.append(sender); // now sits in a section: rewired on connect
    await sender.updateComplete;
    document.dispatchEvent(new Event('a'));
    window.dispatchEvent(new Event('b'));
    document.getElementById('elsewhere')!.click();
    section.dispatchEvent(new Event('c'));
    document.querySelector('.bar .in')!.dispatchEvent(new Event('d'));
    sender.dispatchEvent(new Event('a')); // does not bubble to document: not heard
    await ch.waitFrames(5);
    await sleep(50);
    expect(await ch.frames()).to.have.length(5);
  });

  it('changing trigger rewires the listeners', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="one"><input name="q" value="1"></hx-ws-send>`);
    sender.trigger = 'two';
    await sender.updateComplete;
    sender.dispatchEvent(new Event('one'));
    await sleep(30);
    expect(await ch.frames()).to.have.length(0);
    sender.dispatchEvent(new Event('two'));
    await ch.waitFrames(1);
  });

  it('removing the sender removes its listeners and clears a pending delay', async () => {
    const { ch, conn, sender } = await page(html`<hx-ws-send trigger="ping delay:80ms"><input name="q" value="1"></hx-ws-send>`);
    sender.dispatchEvent(new Event('ping'));
    sender.remove();
    sender.dispatchEvent(new Event('ping'));
    await sleep(150);
    expect(await ch.frames()).to.have.length(0);
    conn.append(sender);
    sender.dispatchEvent(new Event('ping'));
    await waitUntil(async () => (await ch.frames()).length === 1, 'sent after re-insertion');
  });
});

describe('triggers: bad specs', () => {
  const cases: [string, string][] = [
    ['click[ctrlKey]', 'click[ctrlKey]'],
    ['click bogus', 'bogus'],
    ['keyup delay:soon', 'delay:soon'],
    ['ping, , pong', ''],
    ['9lives', '9lives'],
  ];
  for (const [spec, part] of cases) {
    it(`trigger="${spec}" is a bad-trigger error naming ${JSON.stringify(part)}`, async () => {
      const errors = sinon.stub(console, 'error');
      const { ch, conn } = await page(html`<div></div>`);
      const el = document.createElement('hx-ws-send');
      el.setAttribute('trigger', spec);
      const got = next(el, 'hx-ws-error');
      conn.append(el);
      const e = await got;
      expect(e.reason).to.equal('bad-trigger');
      expect(e.part).to.equal(part);
      expect(e.message).to.contain(spec);
      expect(errors.callCount).to.equal(1);
      await expectNothingSent(ch, conn);
    });
  }

  it('valid triggers next to a bad one still work', async () => {
    sinon.stub(console, 'error');
    const { ch, sender } = await page(html`<hx-ws-send trigger="ping, pong sometimes"><input name="q" value="1"></hx-ws-send>`);
    sender.dispatchEvent(new Event('ping'));
    await ch.waitFrames(1);
  });

  it('parseTriggers and parseInterval', () => {
    expect(parseTriggers('keyup changed delay:500ms, search from:<form input/> once').specs).to.deep.equal([
      { event: 'keyup', once: false, changed: true, delay: 500, text: 'keyup changed delay:500ms' },
      { event: 'search', once: true, changed: false, from: 'form input', text: 'search from:<form input/> once' },
    ]);
    expect(['500ms', '1.5s', '2m', '250', 'x', '1h', ''].map(parseInterval)).to.deep.equal([500, 1500, 120000, 250, undefined, undefined, undefined]);
  });

  it('every <time> polls (htmx 2); without one time it is refused', () => {
    expect(parseTriggers('every 1s, click').specs).to.deep.equal([
      { event: 'every', once: false, changed: false, every: 1000, text: 'every 1s' },
      { event: 'click', once: false, changed: false, text: 'click' },
    ]);
    expect(parseTriggers('every').problems.map((p) => p.part)).to.deep.equal(['every']);
    expect(parseTriggers('every 1s 2s').problems).to.have.length(1);
  });

  it('every <time> sends while the sender is in the page, and stops when it leaves', async () => {
    const { ch, sender } = await page(html`<hx-ws-send trigger="every 150ms"><input name="q" value="1"></hx-ws-send>`);
    const started = performance.now();
    await ch.waitFrames(2);
    expect(performance.now() - started).to.be.greaterThan(250);
    sender.remove();
    const n = (await ch.frames()).length;
    await new Promise((r) => setTimeout(r, 400));
    expect((await ch.frames()).length).to.equal(n);
  });
});
