// Connecting in both modes from one table: URL forms, forced schemes, reconnect codes; then the
// attribute grammar's errors (attribute mode only).
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/upgrade.js';
import { config } from '../../../../src/config.js';
import { connectionOf } from '../../../../src/connection/socket-connection.js';
import type { HxWsConnectingEvent, HxWsErrorEvent } from '../../../../src/events.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { seenCloseCode } from '../../../support/engine.js';
import { attributeMode, connection, modes, mount, openRoom, unmountAll, whenOpen } from '../../../support/modes.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

const saved = { ...config };

afterEach(() => {
  unmountAll();
  sinon.restore();
  Object.assign(config, saved);
  delete config.wsReconnectDelay;
});

const host = location.host;

for (const mode of modes) {
  describe(`connect (${mode.name} mode)`, () => {
    // [label, url as written, forced scheme, sub-path the server must see]
    const live: [string, (ch: Channel) => string, 'ws' | 'wss' | undefined, string][] = [
      ['absolute path', (ch) => ch.path('/abs'), undefined, 'abs'],
      ['relative path', (ch) => ch.path('/rel').slice(1), undefined, 'rel'],
      ['protocol-relative', (ch) => `//${host}${ch.path('/proto')}`, undefined, 'proto'],
      ['http://', (ch) => `http://${host}${ch.path('/http')}`, undefined, 'http'],
      ['ws://', (ch) => `ws://${host}${ch.path('/ws')}`, undefined, 'ws'],
      ['forced ws on a path', (ch) => ch.path('/forced'), 'ws', 'forced'],
    ];
    for (const [label, url, scheme, sub] of live) {
      it(`${label} connects to the real server on the page origin`, async () => {
        const ch = new Channel();
        const { room } = await openRoom(mode, { url: url(ch), scheme });
        expect(connection(room).socket!.url).to.equal(`ws://${host}${ch.path(`/${sub}`)}`);
        const s = await ch.waitOpen(1, 1);
        expect(new URL(s.upgrades[0]!.url, 'http://x').pathname).to.equal(ch.path(`/${sub}`));
        expect(s.upgrades[0]!.origin).to.equal(location.origin);
      });
    }

    it('offers subprotocols (protocols / hx-ws-protocols)', async () => {
      const ch = new Channel();
      const attrs = mode === attributeMode ? 'hx-ws-protocols="chat.v2, chat.v1"' : 'protocols="chat.v2, chat.v1"';
      const { room } = await openRoom(mode, { url: ch.path(), attrs });
      expect((await ch.state()).upgrades[0]!.protocol).to.equal('chat.v2, chat.v1');
      expect(connection(room).socket!.protocol).to.equal('chat.v2');
    });

    for (const code of [1006, 1011, 1012, 1013]) {
      it(`reconnects after ${code === 1006 ? 'the connection drops (1006)' : `the server closes with ${code}`}`, async () => {
        sinon.stub(console, 'error'); // 1011 is also a server-closed error
        config.wsReconnectDelay = () => 0;
        const ch = new Channel();
        const { room } = await openRoom(mode, { url: ch.path() });
        const closed = next(room, 'hx-ws-close');
        await (code === 1006 ? ch.drop() : ch.close(code));
        const e = await closed;
        expect([e.code, e.willReconnect], 'WebKit reports 1012 and 1013 as 1006').to.deep.equal([seenCloseCode(code), true]);
        await next(room, 'hx-ws-open');
        await ch.waitOpen(1, 2);
      });
    }

    for (const code of [1000, 1008, 4000]) {
      it(`does not reconnect after the server closes with ${code}`, async () => {
        sinon.stub(console, 'error'); // 1008 and 4000 are also server-closed errors
        config.wsReconnectDelay = () => 0;
        const ch = new Channel();
        const { room } = await openRoom(mode, { url: ch.path() });
        const closed = next(room, 'hx-ws-close');
        await ch.close(code);
        const e = await closed;
        expect([e.code, e.willReconnect]).to.deep.equal([code, false]);
        await new Promise((r) => setTimeout(r, 150));
        expect((await ch.state()).total).to.equal(1);
        expect(connection(room).readyState).to.equal(WebSocket.CLOSED);
      });
    }

    it('closes with 1000 when removed', async () => {
      const ch = new Channel();
      const { room } = await openRoom(mode, { url: ch.path() });
      room.remove();
      const s = await ch.waitOpen(0, 1);
      expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
    });
  });
}

describe('hx-ws grammar errors (attribute mode)', () => {
  // [attribute value, the part the error must name, what still works]
  const cases: [string, string, 'connect' | 'send'][] = [
    ['connect:{url} sned', 'sned', 'connect'],
    ['bogus, connect:{url}', 'bogus', 'connect'],
    ['connect:{url} connect:/ws/second', 'connect:/ws/second', 'connect'],
    ['connect:ftp:/ws/x, send', 'connect:ftp:/ws/x', 'send'],
    ['send connect:', 'connect:', 'send'],
    ['connect:wss: send', 'connect:wss:', 'send'],
  ];
  for (const [template, part, works] of cases) {
    it(`${JSON.stringify(template)}: one error event naming ${JSON.stringify(part)}, one console.error; ${works} still works`, async () => {
      const logged = sinon.stub(console, 'error');
      const ch = new Channel();
      const value = template.replace('{url}', ch.path());
      const errors: HxWsErrorEvent[] = [];
      const onError = (e: HxWsErrorEvent) => errors.push(e);
      // The bad value sits on the connecting element, or on a form inside a good one.
      const markup =
        works === 'connect'
          ? `<div id="room" hx-ws="${value}"></div>`
          : `<div id="room" hx-ws="connect:${ch.path()}"><form id="f" hx-ws="${value}"><input name="a" value="1"><button>go</button></form></div>`;
      const box = mount(markup, (b) => b.addEventListener('hx-ws-error', onError));
      const room = box.querySelector('#room')!;
      await whenOpen(room);
      expect(errors.map((e) => [e.reason, e.part])).to.deep.equal([['bad-grammar', part]]);
      expect(errors[0]!.message).to.contain(`"${part}"`);
      expect(logged.callCount).to.equal(1);
      expect(logged.firstCall.args[0]).to.contain(part);
      await ch.waitOpen(1, 1);
      if (works === 'send') {
        box.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        expect(JSON.parse(frame!.text!).a).to.equal('1');
      }
    });
  }

  it('a value with no valid part attaches nothing and reports each bad part', async () => {
    const logged = sinon.stub(console, 'error');
    const parts: (string | undefined)[] = [];
    const box = mount(`<div id="x" hx-ws="sned, connect:"></div>`, (b) =>
      b.addEventListener('hx-ws-error', (e) => parts.push(e.part)),
    );
    await waitUntil(() => parts.length === 2, 'two error events');
    expect(parts).to.deep.equal(['sned', 'connect:']);
    expect(logged.callCount).to.equal(2);
    expect(() => connection(box.querySelector('#x')!)).to.throw('no connection');
  });
});

// Last in the file: each attempt fails against the plain server, and Chrome slows a page's next
// connections after failed ones. The test server speaks plain ws, so a wss URL is checked where it
// is resolved (the connecting event, the connection's url), then the attempt is dropped.
for (const mode of modes) {
  describe(`connect, secure forms (${mode.name} mode)`, () => {
    const secure: [string, string, 'ws' | 'wss' | undefined][] = [
      ['forced wss on a path', '/ws/secure', 'wss'],
      ['wss://', `wss://${host}/ws/secure`, undefined],
      ['https://', `https://${host}/ws/secure`, undefined],
    ];
    for (const [label, url, scheme] of secure) {
      it(`${label} resolves to wss://${host}/ws/secure`, async () => {
        sinon.stub(console, 'error'); // the TLS attempt may fail before the element goes
        const urls: string[] = [];
        const box = mount(mode.connect({ id: 'room', url, scheme }), (b) =>
          b.addEventListener('hx-ws-connecting', (e: HxWsConnectingEvent) => urls.push(e.url)),
        );
        const room = box.querySelector('#room')!;
        await waitUntil(() => urls.length > 0, 'connecting event');
        expect(urls[0]).to.equal(`wss://${host}/ws/secure`);
        expect(connection(room).url).to.equal(`wss://${host}/ws/secure`);
        room.remove();
        await waitUntil(() => connectionOf(room) === undefined, 'the attempt is dropped with the element');
      });
    }
  });
}
