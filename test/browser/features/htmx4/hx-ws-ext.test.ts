// htmx 4's own hx-ws test scenarios (test/tests/ext/hx-ws.js in bigskysoftware/htmx), those that
// apply to htmx.org 4.0.1 (the version npm serves and ours is built against), ported from a mock
// WebSocket to a real one (the test socket server, /ws/<channel> records frames) and run twice
// from one table: against htmx 4's hx-ws extension and against hx-ws-elements/htmx4.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { defineHxWsExtension } from '../../../../src/htmx4.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';

type H4 = ReturnType<typeof htmx> & { process(el: Element): void; swap(o: Record<string, unknown>): Promise<unknown> };

const setups = [
  {
    name: "htmx 4's hx-ws",
    load: async () => [await loadScript('/node_modules/htmx4/dist/htmx.js'), await loadScript('/node_modules/htmx4/dist/ext/hx-ws.js')],
  },
  {
    name: 'hx-ws-elements/htmx4',
    load: async () => {
      const s = await loadScript('/node_modules/htmx4/dist/htmx.js');
      expect(defineHxWsExtension()).to.equal(true);
      return [s];
    },
  },
];

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

for (const setup of setups) {
  describe(`htmx 4 hx-ws scenarios, against ${setup.name}`, () => {
    let scripts: HTMLScriptElement[] = [];
    let ch: Channel;
    let box: HTMLElement;
    const undo: (() => void)[] = [];
    const h = () => htmx() as H4;
    const make = (markup: string): HTMLElement => {
      box.insertAdjacentHTML('beforeend', markup.replaceAll('WS', ch.path()));
      h().process(box);
      return box.lastElementChild as HTMLElement;
    };
    const on = (el: EventTarget, name: string, fn: (e: CustomEvent) => void) => {
      el.addEventListener(name, fn as EventListener);
      undo.push(() => el.removeEventListener(name, fn as EventListener));
    };
    const open = (n = 1) => waitUntil(async () => (await ch.state()).open === n, `${n} open`, { timeout: 3000 });
    const sent = async (n: number): Promise<Record<string, unknown>[]> => {
      await waitUntil(async () => (await ch.frames()).length >= n, `${n} frame(s)`, { timeout: 3000 });
      return (await ch.frames()).map((f) => JSON.parse(f.text!) as Record<string, unknown>);
    };

    beforeEach(async () => {
      scripts = await setup.load();
      ch = new Channel();
      box = mount('');
    });
    afterEach(async () => {
      for (const u of undo.splice(0)) u();
      unmountAll();
      await tick(20);
      for (const s of scripts.reverse()) unloadHtmx(s);
      sinon.restore();
    });

    describe('connection lifecycle', () => {
      it('auto-connects on load by default', async () => {
        make('<div hx-ws:connect="WS"></div>');
        await open(1);
        expect((await ch.state()).upgrades[0]!.url).to.contain(ch.path());
      });

      it('connects on custom trigger event', async () => {
        const div = make('<div hx-ws:connect="WS" hx-trigger="click"></div>');
        await tick(100);
        expect((await ch.state()).total).to.equal(0);
        div.click();
        await open(1);
      });

      it('closes connection when the element is removed by a swap', async () => {
        make('<div id="container"><div hx-ws:connect="WS"></div></div>');
        await open(1);
        const target = box.querySelector('#container')!;
        await h().swap({ text: '', target, swap: 'innerHTML', sourceElement: target });
        await open(0);
      });

      it('raises before:connection, after:connection, and close with reason "removed"', async () => {
        const seen: string[] = [];
        on(document, 'htmx:ws:before:connection', () => seen.push('before'));
        on(document, 'htmx:ws:after:connection', () => seen.push('after'));
        on(document, 'htmx:ws:close', (e) => seen.push(`close:${e.detail.reason}`));
        make('<div id="container"><div hx-ws:connect="WS"></div></div>');
        await open(1);
        await waitUntil(() => seen.includes('after'), 'after:connection');
        const target = box.querySelector('#container')!;
        await h().swap({ text: '', target, swap: 'innerHTML', sourceElement: target });
        await open(0);
        expect(seen).to.deep.equal(['before', 'after', 'close:removed']);
      });
    });

    describe('message sending', () => {
      it('sends message with hx-ws:send on form submit', async () => {
        const div = make('<div hx-ws:connect="WS"><form hx-ws:send hx-trigger="submit"><input name="message" value="hello"><button type="submit">Send</button></form></div>');
        await open();
        div.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
        const [m] = await sent(1);
        expect(m!.message).to.equal('hello');
        expect(m).to.not.have.property('body');
        expect(m).to.not.have.property('HEADERS');
        const headers = m!.headers as Record<string, string>;
        expect(headers['HX-Source']).to.be.a('string');
        expect(headers['HX-Current-URL']).to.equal(document.location.href);
      });

      it('uses click as the default trigger for submit inputs', async () => {
        const div = make(`<div hx-ws:connect="WS"><input type="submit" hx-ws:send hx-vals='{"action": "send"}'></div>`);
        await open();
        const input = div.querySelector('input')!;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        await tick(100);
        expect(await ch.frames()).to.have.length(0);
        input.click();
        const [m] = await sent(1);
        expect(m!.action).to.equal('send');
      });

      it('includes hx-vals and preserves JS types (number, boolean)', async () => {
        const div = make(`<div hx-ws:connect="WS"><button hx-ws:send hx-vals='{"extra": "data", "count": 42, "active": true, "ratio": 1.5}' hx-trigger="click">Send</button></div>`);
        await open();
        div.querySelector('button')!.click();
        const [m] = await sent(1);
        expect([m!.extra, m!.count, m!.active, m!.ratio]).to.deep.equal(['data', 42, true, 1.5]);
      });

      it('hx-vals overrides form field with correct type', async () => {
        const div = make(`<div hx-ws:connect="WS"><form hx-ws:send hx-vals='{"count": 99}' hx-trigger="submit"><input name="count" value="1"></form></div>`);
        await open();
        div.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
        const [m] = await sent(1);
        expect(m!.count).to.equal(99);
      });

      it('finds connection from nearest ancestor', async () => {
        make('<div hx-ws:connect="WS"><div><button id="btn" hx-ws:send hx-trigger="click">Send</button></div></div>');
        await open();
        box.querySelector<HTMLButtonElement>('#btn')!.click();
        expect(await sent(1)).to.have.length(1);
      });

      it('send respects delay modifier', async () => {
        make('<div hx-ws:connect="WS"><button id="delayed-btn" hx-ws:send hx-trigger="click delay:200ms">Send</button></div>');
        await open();
        box.querySelector<HTMLButtonElement>('#delayed-btn')!.click();
        await tick(60);
        expect(await ch.frames(), 'not before the delay').to.have.length(0);
        expect(await sent(1)).to.have.length(1);
      });

      it('includes HX-Source with tag#id format, and HX-Target when hx-target is set', async () => {
        make('<div hx-ws:connect="WS"><button id="my-button" hx-ws:send hx-trigger="click" hx-target="#result">Send</button><div id="result"></div></div>');
        await open();
        box.querySelector<HTMLButtonElement>('#my-button')!.click();
        const [m] = await sent(1);
        const headers = m!.headers as Record<string, string>;
        expect(headers['HX-Source']).to.equal('button#my-button');
        expect(headers['HX-Target']).to.equal('div#result');
      });

      it('before:message:outgoing can change the values, or cancel; after:message:outgoing follows a send', async () => {
        const after: unknown[] = [];
        let n = 0;
        on(document, 'htmx:ws:before:message:outgoing', (e) => {
          n++;
          if (n === 1) e.preventDefault();
          else (e.detail.message.values as Record<string, unknown>).extra = 'added';
        });
        on(document, 'htmx:ws:after:message:outgoing', (e) => after.push(e.detail.message.values));
        make(`<div hx-ws:connect="WS"><button id="b" hx-ws:send hx-vals='{"a": 1}'>Send</button></div>`);
        await open();
        box.querySelector<HTMLButtonElement>('#b')!.click();
        await tick(100);
        expect(await ch.frames(), 'the cancelled one').to.have.length(0);
        box.querySelector<HTMLButtonElement>('#b')!.click();
        const [m] = await sent(1);
        expect([m!.a, m!.extra]).to.deep.equal([1, 'added']);
        await waitUntil(() => after.length === 1, 'after:message:outgoing');
      });

      it('waitUntil() in before:message:outgoing holds the send until its promise settles', async () => {
        on(document, 'htmx:ws:before:message:outgoing', (e) => {
          (e.detail.waitUntil as (p: Promise<unknown>) => void)(tick(150).then(() => ((e.detail.message.values as Record<string, unknown>).late = 'yes')));
        });
        make(`<div hx-ws:connect="WS"><button id="b" hx-ws:send hx-vals='{"a": 1}'>Send</button></div>`);
        await open();
        box.querySelector<HTMLButtonElement>('#b')!.click();
        await tick(60);
        expect(await ch.frames(), 'held').to.have.length(0);
        const [m] = await sent(1);
        expect([m!.a, m!.late]).to.deep.equal([1, 'yes']);
        expect(m!.headers).to.be.an('object');
      });

      it('message.data set in before:message:outgoing is sent instead', async () => {
        on(document, 'htmx:ws:before:message:outgoing', (e) => (e.detail.message.data = '{"custom":true}'));
        make('<div hx-ws:connect="WS"><button id="b" hx-ws:send>Send</button></div>');
        await open();
        box.querySelector<HTMLButtonElement>('#b')!.click();
        expect(await sent(1)).to.deep.equal([{ custom: true }]);
      });
    });

    describe('message receiving', () => {
      it('swaps the content of a JSON envelope into hx-target (innerHTML by default)', async () => {
        make('<div hx-ws:connect="WS" hx-target="#content"><div id="content">Old</div></div>');
        await open();
        await ch.send(JSON.stringify({ content: '<p>New message</p>' }));
        await waitUntil(() => box.querySelector('#content')!.textContent === 'New message', 'swapped');
        expect(box.querySelector('#content > p')).to.not.equal(null);
      });

      it('the envelope names target and swap', async () => {
        make('<div hx-ws:connect="WS"><div id="list"><p>Item 1</p></div></div>');
        await open();
        await ch.send(JSON.stringify({ content: '<p>Item 2</p>', target: '#list', swap: 'beforeend' }));
        await waitUntil(() => box.querySelectorAll('#list p').length === 2, 'appended');
        expect(box.querySelector('#list')!.textContent).to.equal('Item 1Item 2');
      });

      it('a raw (non-JSON) message is HTML for the target', async () => {
        make('<div hx-ws:connect="WS" hx-target="#content"><div id="content">Old</div></div>');
        await open();
        await ch.send('<b>raw</b>');
        await waitUntil(() => box.querySelector('#content b')?.textContent === 'raw', 'swapped');
      });

      it('does not swap JSON messages without content; after:message:incoming carries them', async () => {
        const got: unknown[] = [];
        const div = make('<div hx-ws:connect="WS" hx-target="#content"><div id="content">Original</div></div>');
        on(div, 'htmx:ws:after:message:incoming', (e) => void (e.detail.message.json() as Promise<unknown>).then((j) => got.push(j)));
        await open();
        await ch.send(JSON.stringify({ type: 'notification', text: 'hello' }));
        await waitUntil(() => got.length === 1, 'after:message:incoming');
        expect(got[0]).to.deep.equal({ type: 'notification', text: 'hello' });
        expect(box.querySelector('#content')!.textContent).to.equal('Original');
      });

      it('cancelling before:message:incoming (or setting cancelled) stops the swap; waitUntil is awaited', async () => {
        let n = 0;
        const order: string[] = [];
        const div = make('<div hx-ws:connect="WS" hx-target="#content"><div id="content">Original</div></div>');
        on(div, 'htmx:ws:before:message:incoming', (e) => {
          n++;
          if (n === 1) e.preventDefault();
          else if (n === 2) e.detail.cancelled = true;
          else e.detail.waitUntil(tick(50).then(() => order.push('waited')));
        });
        on(div, 'htmx:ws:after:message:incoming', () => order.push('after'));
        await open();
        await ch.send(JSON.stringify({ content: 'one' }));
        await ch.send(JSON.stringify({ content: 'two' }));
        await ch.send(JSON.stringify({ content: 'three' }));
        await waitUntil(() => box.querySelector('#content')!.textContent === 'three', 'the third swapped');
        await waitUntil(() => order.includes('after'), 'after');
        expect(n).to.equal(3);
        expect(order).to.deep.equal(['waited', 'after']);
      });
    });
  });
}
