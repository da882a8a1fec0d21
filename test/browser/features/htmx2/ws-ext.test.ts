// htmx-ext-ws's own test scenarios (src/ws/test/ext/ws.js in bigskysoftware/htmx-extensions),
// ported from its mock socket to a real one (the test socket server, /ws/<channel> records every
// frame) and real timers, and run twice from one table: against the original htmx-ext-ws and
// against hx-ws-elements/htmx2 in its place. Both on htmx 2.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { defineWsExtension, type PublicSocketWrapper } from '../../../../src/htmx2.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';

type Setup = { name: 'htmx-ext-ws' | 'hx-ws-elements/htmx2'; load(): Promise<HTMLScriptElement[]> };

export const setups: Setup[] = [
  {
    name: 'htmx-ext-ws',
    load: async () => [await loadScript('/node_modules/htmx2/dist/htmx.min.js'), await loadScript('/node_modules/htmx-ext-ws/dist/ws.js')],
  },
  {
    name: 'hx-ws-elements/htmx2',
    load: async () => {
      const s = await loadScript('/node_modules/htmx2/dist/htmx.min.js');
      expect(defineWsExtension()).to.equal(true);
      return [s];
    },
  },
];

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));
type H = ReturnType<typeof htmx> & { process(el: Element): void };

interface Ctx {
  ch: Channel;
  box: HTMLElement;
  /** Mounts markup (`WS` is replaced by the channel's path) and hands it to htmx. */
  make(markup: string): Element;
  /** Text frames the server got, in order. */
  messages(): Promise<string[]>;
  /** Waits until the server has `n` frames. */
  frames(n: number): Promise<string[]>;
  /** `htmx.on` until the test ends. */
  on(name: string, handler: (e: CustomEvent) => void, on?: EventTarget): void;
  /** Resolves once the channel has `n` open sockets. */
  open(n?: number): Promise<void>;
}

function context(): Ctx {
  const ch = new Channel();
  const box = mount('');
  const undo: (() => void)[] = [];
  const ctx: Ctx = {
    ch,
    box,
    make(markup) {
      box.insertAdjacentHTML('beforeend', markup.replaceAll('WS', ch.path()));
      const el = box.lastElementChild!;
      (htmx() as H).process(box);
      return el;
    },
    async messages() {
      return (await ch.frames()).filter((f) => !f.binary).map((f) => f.text!);
    },
    async frames(n) {
      await waitUntil(async () => (await ch.frames()).length >= n, `the server got ${n} frame(s)`, { timeout: 3000 });
      return ctx.messages();
    },
    on(name, handler, on = document.body) {
      on.addEventListener(name, handler as EventListener);
      undo.push(() => on.removeEventListener(name, handler as EventListener));
    },
    async open(n = 1) {
      await waitUntil(async () => (await ch.state()).open === n, `${n} open socket(s)`, { timeout: 3000 });
    },
  };
  cleanups.push(() => undo.forEach((u) => u()));
  return ctx;
}

const cleanups: (() => void)[] = [];

/** The two non-htmx form layouts × the two kinds of submit button, as the original lists them. */
const formCases: [string, (button: string) => string, boolean][] = [
  ['non-htmx form', (b) => `<form hx-ext="ws" ws-connect="WS" ws-send><input type="hidden" name="foo" value="bar">${b}</form>`, false],
  ['child non-htmx form', (b) => `<div hx-ext="ws" ws-connect="WS"><form ws-send><input type="hidden" name="foo" value="bar">${b}</form></div>`, false],
  ['external non-htmx form', (b) => `<div><div hx-ext="ws" ws-connect="WS"><form ws-send id="form"><input type="hidden" name="foo" value="bar"></form></div>${b}</div>`, true],
];
const buttons = (external: boolean) => ({
  'submit button': ['b1', 'b2'].map((id, i) => `<button id="${id}"${external ? ' form="form"' : ''} type="submit" name="action" value="${'AB'[i]}">${'AB'[i]}</button>`).join(''),
  'submit input': ['b1', 'b2'].map((id, i) => `<input id="${id}"${external ? ' form="form"' : ''} type="submit" name="action" value="${'AB'[i]}">`).join(''),
});

for (const setup of setups) {
  describe(`htmx-ext-ws scenarios, against ${setup.name}`, () => {
    let scripts: HTMLScriptElement[] = [];
    let t: Ctx;
    const byId = (id: string) => t.box.querySelector<HTMLElement>(`#${id}`)!;

    beforeEach(async () => {
      scripts = await setup.load();
      t = context();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0)) c();
      unmountAll();
      await tick(20);
      for (const s of scripts.reverse()) unloadHtmx(s);
      sinon.restore();
    });

    it('can establish connection with the server', async () => {
      expect((await t.ch.state()).open).to.equal(0);
      t.make('<div hx-ext="ws" ws-connect="WS"></div>');
      await t.open(1);
    });

    it('is closed after removal by swap', async () => {
      // A reconnect by mistake would ask for its delay first; asked, the delay is 0, so the
      // reconnect would also come at once (the default, full jitter, waits up to a second).
      const delay = sinon.spy(() => 0);
      htmx().config.wsReconnectDelay = delay;
      const div = t.make('<div hx-get="/test/fixtures/htmx-fragment.html" hx-swap="outerHTML" hx-ext="ws" ws-connect="WS"></div>');
      await t.open(1);
      (div as HTMLElement).click();
      await waitUntil(() => !div.isConnected, 'htmx swapped the div out');
      await t.open(0);
      await tick(100); // time for the page to hear the close and reconnect by mistake
      expect(delay.callCount, 'no reconnect was scheduled').to.equal(0);
      const { open, total } = await t.ch.state();
      expect({ open, total }).to.deep.equal({ open: 0, total: 1 });
    });

    it('is closed after removal by js when message is received', async () => {
      const div = t.make('<div hx-ext="ws" ws-connect="WS"></div>');
      await t.open(1);
      div.remove();
      await t.ch.send('foo');
      await t.open(0);
    });

    it('sends data to the server', async () => {
      t.make('<div hx-ext="ws" ws-connect="WS"><div ws-send id="d1">div1</div></div>');
      await t.open();
      byId('d1').click();
      expect(await t.frames(1)).to.have.length(1);
    });

    it('sends data to the server with specific trigger', async () => {
      t.make('<div hx-ext="ws" ws-connect="WS"><div hx-trigger="click" ws-send id="d1">div1</div></div>');
      await t.open();
      byId('d1').click();
      expect(await t.frames(1)).to.have.length(1);
    });

    it('sends data to the server with polling trigger', async () => {
      // The original polls every second and expects two messages after 2 s of its fake clock; on
      // a real clock, every 300 ms: none before the first period, at least two (waited for)
      // within two periods and some slack.
      const period = 300;
      const started = performance.now();
      t.make(`<div hx-ext="ws" ws-connect="WS"><div hx-trigger="every ${period}ms" ws-send id="d1">div1</div></div>`);
      await t.open();
      byId('d1').click(); // not a trigger here
      await t.frames(1);
      expect(performance.now() - started, 'the first poll comes after a period').to.be.greaterThan(0.9 * period);
      expect(await t.frames(2)).to.have.length.of.at.least(2);
      expect(performance.now() - started, 'two polls within two periods').to.be.below(2 * period + 700);
    });

    it('sends expected headers to the server', async () => {
      t.make('<div hx-ext="ws" ws-connect="WS"><button hx-trigger="click" hx-target="#target" ws-send id="d1" name="d1-name">div1</button><output id="target"></output></div>');
      await t.open();
      byId('d1').click();
      const [m] = await t.frames(1);
      const headers = JSON.parse(m!).HEADERS as Record<string, string>;
      expect(headers['HX-Request']).to.equal('true');
      expect(headers['HX-Current-URL']).to.equal(document.location.href);
      expect(headers['HX-Trigger']).to.equal('d1');
      expect(headers['HX-Trigger-Name']).to.equal('d1-name');
      expect(headers['HX-Target']).to.equal('target');
    });

    it('sends hx-vals', async () => {
      t.make('<div hx-ext="ws" ws-connect="WS" hx-vals="js:{theAnswer:42}"><button hx-trigger="click" hx-target="#target" ws-send id="d1" name="d1-name">div1</button><output id="target"></output></div>');
      await t.open();
      byId('d1').click();
      const [m] = await t.frames(1);
      expect(JSON.parse(m!).theAnswer).to.equal(42);
    });

    it('handles message from the server', async () => {
      t.make('<div hx-ext="ws" ws-connect="WS"><div id="d1">div1</div><div id="d2">div2</div></div>');
      await t.open();
      await t.ch.send('<div id="d1">replaced</div>');
      await waitUntil(() => byId('d1').innerHTML === 'replaced', 'd1 replaced');
      expect(byId('d2').innerHTML).to.equal('div2');
    });

    it('raises lifecycle events (connecting, open, close) in correct order', async () => {
      const types: string[] = [];
      const handler = (e: CustomEvent) => types.push((e.detail.event as { type: string }).type);
      t.on('htmx:wsConnecting', handler);
      const div = t.make('<div hx-ext="ws" ws-connect="WS"></div>');
      t.on('htmx:wsOpen', handler, div);
      t.on('htmx:wsClose', handler, div);
      await t.open();
      await waitUntil(() => types.length === 2, 'open heard');
      div.remove();
      await t.ch.send('foo');
      await waitUntil(() => types.length >= 3, 'close heard');
      expect(types).to.deep.equal(['connecting', 'open', 'close']);
    });

    it('raises htmx:wsConfigSend when sending, allows message modification', async () => {
      let called = false;
      t.on('htmx:wsConfigSend', (e) => {
        called = true;
        (e.detail.parameters as Record<string, unknown>).foo = 'bar';
      });
      t.make('<div hx-ext="ws" ws-connect="WS"><div ws-send id="d1">div1</div></div>');
      await t.open();
      byId('d1').click();
      const got = await t.frames(1);
      expect(called).to.equal(true);
      expect(got).to.have.length(1);
      expect(got[0]).to.contain('"foo":"bar"');
    });

    it('passes socketWrapper to htmx:wsConfigSend', async () => {
      let wrapper: PublicSocketWrapper | null = null;
      t.on('htmx:wsConfigSend', (e) => {
        e.preventDefault();
        wrapper = e.detail.socketWrapper as PublicSocketWrapper;
        wrapper.send(JSON.stringify({ foo: 'bar' }), e.detail.elt as Element);
      });
      t.make('<div hx-ext="ws" ws-connect="WS"><div ws-send id="d1">div1</div></div>');
      await t.open();
      byId('d1').click();
      const got = await t.frames(1);
      await tick();
      expect(wrapper).to.not.equal(null);
      const w = wrapper as unknown as PublicSocketWrapper;
      expect(w.send).to.be.a('function');
      expect(w.sendImmediately).to.be.a('function');
      expect(w.queue).to.be.an('array');
      expect(await t.messages()).to.have.length(1);
      expect(got[0]).to.contain('"foo":"bar"');
    });

    it('cancels sending when htmx:wsConfigSend is cancelled', async () => {
      let called = false;
      t.on('htmx:wsConfigSend', (e) => {
        called = true;
        e.preventDefault();
      });
      t.make('<div hx-ext="ws" ws-connect="WS"><div ws-send id="d1">div1</div></div>');
      await t.open();
      byId('d1').click();
      await tick(150);
      expect(called).to.equal(true);
      expect(await t.messages()).to.have.length(0);
    });

    for (const [name, cancel] of [['htmx:wsBeforeSend', false], ['htmx:wsBeforeSend', true], ['htmx:wsAfterSend', false]] as const) {
      it(`${cancel ? 'cancels sending when' : 'raises'} ${name} ${cancel ? 'is cancelled' : 'when sending'}`, async () => {
        let called = false;
        t.on(name, (e) => {
          called = true;
          if (cancel) e.preventDefault();
        });
        t.make('<div hx-ext="ws" ws-connect="WS"><div ws-send id="d1">div1</div></div>');
        await t.open();
        byId('d1').click();
        if (!cancel) await t.frames(1);
        await tick(150);
        expect(called).to.equal(true);
        expect(await t.messages()).to.have.length(cancel ? 0 : 1);
      });
    }

    it('raises htmx:wsBeforeMessage, and cancelling it cancels the swap; htmx:wsAfterMessage after a message', async () => {
      const before: unknown[] = [];
      const after: unknown[] = [];
      t.on('htmx:wsBeforeMessage', (e) => {
        before.push(e.detail.message);
        if (before.length === 1) e.preventDefault();
      });
      t.on('htmx:wsAfterMessage', (e) => after.push(e.detail.message));
      t.make('<div hx-ext="ws" ws-connect="WS"><div id="d1">div1</div><div id="d2">div2</div></div>');
      await t.open();
      await t.ch.send('<div id="d1">replaced</div>');
      await waitUntil(() => before.length === 1, 'wsBeforeMessage');
      await tick(100);
      expect(byId('d1').innerHTML, 'cancelled: not swapped').to.equal('div1');
      expect(after, 'cancelled: no wsAfterMessage').to.deep.equal([]);
      await t.ch.send('<div id="d1">again</div>');
      await waitUntil(() => after.length === 1, 'wsAfterMessage');
      expect(byId('d1').innerHTML).to.equal('again');
      expect(byId('d2').innerHTML).to.equal('div2');
      expect(after[0]).to.equal('<div id="d1">again</div>');
    });

    for (const [layout, markup, external] of formCases) {
      for (const [kind, b] of Object.entries(buttons(external))) {
        it(`sends data to the server with ${layout} + ${kind} & value`, async () => {
          t.make(markup(b));
          await t.open();
          byId('b1').click();
          const one = await t.frames(1);
          expect(one[0]).to.contain('"foo":"bar"');
          expect(one[0]).to.contain('"action":"A"');
          byId('b2').click();
          const two = await t.frames(2);
          expect(two[1]).to.contain('"foo":"bar"');
          expect(two[1]).to.contain('"action":"B"');
        });
      }
    }

    it('re-establishes closed connections using reconnect()', async () => {
      const types: string[] = [];
      const handler = (e: CustomEvent) => types.push((e.detail.event as { type: string }).type);
      t.on('htmx:wsConnecting', handler);
      const div = t.make('<div hx-ext="ws" ws-connect="WS"></div>');
      t.on('htmx:wsClose', handler, div);
      t.on('htmx:wsClose', (e) => setTimeout(() => (e.detail.socketWrapper as PublicSocketWrapper).reconnect()), div);
      await t.open();
      await t.ch.close(1000);
      await waitUntil(() => types.length >= 3, 'connecting again');
      expect(types.slice(0, 3)).to.deep.equal(['connecting', 'close', 'connecting']);
      await t.open(1);
      expect((await t.ch.state()).total).to.equal(2);
    });

    describe('send immediately', () => {
      /** Mounts the page and resolves with the wrapper from htmx:wsOpen and #d1. */
      async function opened(): Promise<{ wrapper: PublicSocketWrapper; d1: HTMLElement }> {
        let wrapper: PublicSocketWrapper | undefined;
        t.on('htmx:wsOpen', (e) => (wrapper = e.detail.socketWrapper as PublicSocketWrapper), document);
        t.make('<div hx-ext="ws" ws-connect="WS"><div id="d1">div1</div></div>');
        await waitUntil(() => wrapper, 'htmx:wsOpen');
        await t.open();
        return { wrapper: wrapper!, d1: byId('d1') };
      }

      for (const name of ['htmx:wsBeforeSend', 'htmx:wsAfterSend']) {
        for (const where of ['body', 'any send element']) {
          it(`triggers ${name} on ${where} if provided to sendImmediately`, async () => {
            const { wrapper, d1 } = await opened();
            const on = where === 'body' ? document.body : d1;
            const spy = sinon.spy();
            on.addEventListener(name, spy);
            const message = where === 'body' ? '{"foo":"bar"}' : '{"a":"b"}';
            try {
              wrapper.sendImmediately(message, on);
              await t.frames(1);
            } finally {
              on.removeEventListener(name, spy);
            }
            expect(spy.callCount).to.equal(1);
            const e = spy.getCall(0).args[0] as CustomEvent;
            expect(e.target).to.equal(on);
            expect(e.detail.socketWrapper).to.equal(wrapper);
            expect(e.detail.message).to.equal(message);
          });
        }
      }

      it('sends message if event is not prevented, if no sending element is provided, if it has no listener', async () => {
        const { wrapper, d1 } = await opened();
        const noop = () => {};
        d1.addEventListener('htmx:wsBeforeSend', noop);
        wrapper.sendImmediately('{"a":"b"}', d1);
        d1.removeEventListener('htmx:wsBeforeSend', noop);
        wrapper.sendImmediately('{"c":"d"}');
        wrapper.sendImmediately('{"e":"f"}', d1);
        expect(await t.frames(3)).to.deep.equal(['{"a":"b"}', '{"c":"d"}', '{"e":"f"}']);
      });

      it('does not send message if beforeSend is prevented', async () => {
        const { wrapper, d1 } = await opened();
        const prevent = (e: Event) => e.preventDefault();
        d1.addEventListener('htmx:wsBeforeSend', prevent);
        wrapper.sendImmediately('{"a":"b"}', d1);
        d1.removeEventListener('htmx:wsBeforeSend', prevent);
        wrapper.sendImmediately('{"after":1}', d1);
        expect(await t.frames(1)).to.deep.equal(['{"after":1}']);
      });
    });
  });
}
