import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/index.js';
import { config } from '../../../src/config.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import { fullJitter, reconnectDelay } from '../../../src/connection/retry.js';
import { resolveSocketUrl, SocketUrlError } from '../../../src/connection/socket-url.js';
import { frameBytes, utf8Length } from '../../../src/protocol.js';
import { Channel } from '../../support/server.js';
import { next, opened } from '../../support/events.js';
import { seenCloseCode } from '../../support/engine.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

const instant = () => 0;

async function connected(ch: Channel, extra = ''): Promise<HxWsConnectElement> {
  const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path(extra)}></hx-ws-connect>`);
  el.reconnectDelay = instant;
  await next(el, 'hx-ws-open');
  return el;
}

afterEach(() => {
  sinon.restore();
  delete (window as { htmx?: unknown }).htmx;
});

describe('socket URL resolution', () => {
  const page = 'http://example.com/app/page.html';
  const secure = 'https://example.com/app/page.html';
  const cases: [string, string, string | undefined, string][] = [
    ['/chat', page, undefined, 'ws://example.com/chat'],
    ['/chat', secure, undefined, 'wss://example.com/chat'],
    ['chat', page, undefined, 'ws://example.com/app/chat'],
    ['//other.org:81/x', secure, undefined, 'wss://other.org:81/x'],
    ['http://h.org/a?b=1', secure, undefined, 'ws://h.org/a?b=1'],
    ['https://h.org/a', page, undefined, 'wss://h.org/a'],
    ['ws://h.org/a', secure, undefined, 'ws://h.org/a'],
    ['wss://h.org/a', page, undefined, 'wss://h.org/a'],
    ['/chat', page, 'wss', 'wss://example.com/chat'],
    ['/chat', secure, 'ws', 'ws://example.com/chat'],
    ['  /chat#frag ', page, undefined, 'ws://example.com/chat'],
  ];
  for (const [raw, base, scheme, want] of cases) {
    it(`${JSON.stringify(raw)} on ${base.split(':')[0]}${scheme ? ` forced ${scheme}` : ''} → ${want}`, () => {
      expect(resolveSocketUrl(raw, scheme as 'ws' | 'wss' | undefined, base)).to.equal(want);
    });
  }
  for (const bad of ['', '   ', 'ftp://h.org/x', 'javascript:alert(1)', 'http://[::1']) {
    it(`refuses ${JSON.stringify(bad)}, naming it`, () => {
      let err: unknown;
      try {
        resolveSocketUrl(bad, undefined, page);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(SocketUrlError);
      expect((err as SocketUrlError).part).to.equal(bad);
    });
  }
});

describe('<hx-ws-connect> opening', () => {
  it('connects each URL form to the real server on the page origin', async () => {
    const ch = new Channel();
    const forms = [
      ch.path('/abs'),
      new URL(ch.path('/rel'), location.href).pathname.slice(1), // relative to the page root
      `//${location.host}${ch.path('/proto-rel')}`,
      `http://${location.host}${ch.path('/http')}`,
      `ws://${location.host}${ch.path('/ws')}`,
    ];
    // The test page sits at the server root, so a path relative to it resolves the same way.
    expect(new URL('.', document.baseURI).pathname).to.equal('/');
    for (const url of forms) {
      const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${url}></hx-ws-connect>`);
      await opened(el);
      expect(el.readyState).to.equal(WebSocket.OPEN);
      expect(el.socket!.url.startsWith(`ws://${location.host}/ws/`)).to.equal(true);
      el.remove();
    }
    const s = await ch.waitOpen(0, forms.length);
    expect(s.upgrades.map((u) => new URL(u.url, 'http://x').pathname.split('/').pop())).to.deep.equal([
      'abs', 'rel', 'proto-rel', 'http', 'ws',
    ]);
    expect(s.upgrades.every((u) => u.origin === location.origin)).to.equal(true);
  });

  it('calls a url function before every (re)connect', async () => {
    const ch = new Channel();
    let n = 0;
    const el = document.createElement('hx-ws-connect');
    el.url = () => ch.path(`?token=t${++n}`);
    el.reconnectDelay = instant;
    document.body.append(el);
    try {
      await next(el, 'hx-ws-open');
      await ch.drop();
      await next(el, 'hx-ws-open');
      const s = await ch.state();
      expect(s.upgrades.map((u) => new URL(u.url, 'http://x').searchParams.get('token'))).to.deep.equal(['t1', 't2']);
    } finally {
      el.remove();
    }
  });

  it('offers subprotocols from the protocols attribute', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} protocols="chat.v2, chat.v1"></hx-ws-connect>`);
    await opened(el);
    const s = await ch.state();
    expect(s.upgrades[0].protocol).to.equal('chat.v2, chat.v1');
    expect(el.socket!.protocol).to.equal('chat.v2');
  });

  it('a forced scheme applies to a relative url', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect scheme="ws" url=${ch.path()}></hx-ws-connect>`);
    await opened(el);
    expect(el.socket!.url).to.equal(`ws://${location.host}${ch.path()}`);
  });

  it('changing url reconnects to the new address, closing the old socket', async () => {
    const a = new Channel();
    const b = new Channel();
    const el = await connected(a);
    el.url = b.path();
    await next(el, 'hx-ws-open');
    await a.waitOpen(0, 1);
    await b.waitOpen(1, 1);
  });
});

describe('<hx-ws-connect> bad input', () => {
  it('a malformed url is one error event naming it and one console.error; a good url later works', async () => {
    const errors = sinon.stub(console, 'error');
    const el = document.createElement('hx-ws-connect');
    el.setAttribute('url', 'ftp://nope/x');
    const got = next(el, 'hx-ws-error');
    document.body.append(el);
    try {
      const e = await got;
      expect(e.reason).to.equal('bad-url');
      expect(e.part).to.equal('ftp://nope/x');
      expect(e.message).to.contain('ftp://nope/x');
      expect(errors.callCount).to.equal(1);
      const ch = new Channel();
      el.url = ch.path();
      await next(el, 'hx-ws-open');
      await ch.waitOpen(1);
    } finally {
      el.remove();
    }
  });

  it('a bad scheme is an error event naming it', async () => {
    sinon.stub(console, 'error');
    const el = document.createElement('hx-ws-connect');
    el.setAttribute('url', '/ws/x');
    el.setAttribute('scheme', 'gopher');
    const got = next(el, 'hx-ws-error');
    document.body.append(el);
    try {
      const e = await got;
      expect(e.reason).to.equal('bad-scheme');
      expect(e.part).to.equal('gopher');
      expect(el.socket).to.equal(null);
    } finally {
      el.remove();
    }
  });

  it('a message that is not HTML swaps nothing and the element keeps working', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    const before = document.body.innerHTML;
    ch.send('just some text, { "json": true }');
    const e = await next(el, 'hx-ws-after-message');
    expect(e.swapped).to.equal(true);
    expect(document.body.innerHTML).to.equal(before);
    ch.send('<div id="still-works">ok</div>');
    const target = document.createElement('div');
    target.id = 'still-works';
    document.body.append(target);
    try {
      await next(el, 'hx-ws-after-message');
      expect(document.getElementById('still-works')!.textContent).to.equal('ok');
    } finally {
      document.getElementById('still-works')?.remove();
    }
  });

  it('a 5 MB message is swapped whole', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><div id="big"></div></hx-ws-connect>`);
    await opened(el);
    const payload = 'x'.repeat(5 * 1024 * 1024);
    await ch.send(`<div id="big">${payload}</div>`);
    await waitUntil(() => el.querySelector('#big')!.textContent!.length === payload.length, 'big message swapped', { timeout: 10000 });
  });
});

describe('<hx-ws-connect> lifecycle', () => {
  it('closes with 1000 when removed and reopens when re-inserted', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    const parent = el.parentElement!;
    el.remove();
    let s = await ch.waitOpen(0, 1);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
    expect(el.socket).to.equal(null);
    parent.append(el);
    await next(el, 'hx-ws-open');
    s = await ch.waitOpen(1, 2);
    expect(s.total).to.equal(2);
  });

  it('moving the element keeps its one socket', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    const socket = el.socket;
    const other = document.createElement('section');
    document.body.append(other);
    try {
      other.append(el); // remove + insert in one task
      await new Promise((r) => setTimeout(r, 100));
      expect(el.socket).to.equal(socket);
      const s = await ch.waitOpen(1, 1);
      expect(s.total).to.equal(1);
    } finally {
      other.remove();
    }
    await ch.waitOpen(0, 1);
  });

  it('50 insert/remove cycles leave no socket open', async () => {
    const ch = new Channel();
    for (let i = 0; i < 50; i++) {
      const el = document.createElement('hx-ws-connect');
      el.url = ch.path();
      document.body.append(el);
      await new Promise((r) => setTimeout(r, 0));
      el.remove();
    }
    await waitUntil(async () => (await ch.state()).open === 0, 'all sockets closed', { timeout: 5000 });
    const s = await ch.state();
    expect(s.open).to.equal(0);
  });

  it('send() goes out at once when open and is queued in order before that', async () => {
    const ch = new Channel();
    const el = document.createElement('hx-ws-connect');
    el.url = ch.path();
    el.send('first');
    el.send(new Uint8Array([1, 2, 3]));
    document.body.append(el);
    try {
      await next(el, 'hx-ws-open');
      el.send('third');
      const f = await ch.waitFrames(3);
      expect(f.map((x) => x.text ?? x.base64)).to.deep.equal(['first', 'AQID', 'third']);
    } finally {
      el.remove();
    }
  });
});

describe('<hx-ws-connect> close codes as the page sees them', () => {
  it('code, reason and wasClean arrive as the server sent them; in WebKit, 1012-1014 arrive as 1006 with no reason', async () => {
    const codes = [1000, 1001, 1003, 1007, 1008, 1009, 1011, 1012, 1013, 1014, 3000, 4999];
    const seen: [number, string, boolean][] = [];
    for (const code of codes) {
      const ch = new Channel();
      const el = await connected(ch);
      el.reconnectCodes = [];
      const closed = next(el, 'hx-ws-close');
      await ch.close(code, `why ${code}`);
      const e = await closed;
      seen.push([e.code, e.reason, e.wasClean]);
      el.remove();
    }
    const expected = codes.map((code): [number, string, boolean] =>
      seenCloseCode(code) === code ? [code, `why ${code}`, true] : [1006, '', false]);
    expect(seen).to.deep.equal(expected);
  });
});

describe('<hx-ws-connect> reconnecting', () => {
  for (const code of [1011, 1012, 1013]) {
    it(`reconnects after the server closes with ${code}`, async () => {
      sinon.stub(console, 'error'); // 1011 is also a server-closed error
      const ch = new Channel();
      const el = await connected(ch);
      const closed = next(el, 'hx-ws-close');
      await ch.close(code);
      const e = await closed;
      expect(e.code, 'WebKit reports 1012 and 1013 as 1006').to.equal(seenCloseCode(code));
      expect(e.willReconnect).to.equal(true);
      await next(el, 'hx-ws-open');
      await ch.waitOpen(1, 2);
    });
  }

  it('reconnects after the connection drops (1006)', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    const closed = next(el, 'hx-ws-close');
    await ch.drop();
    expect((await closed).code).to.equal(1006);
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);
  });

  for (const code of [1000, 1001, 1008, 4000]) {
    it(`does not reconnect after the server closes with ${code}`, async () => {
      sinon.stub(console, 'error'); // 1008 and 4000 are also server-closed errors
      const ch = new Channel();
      const el = await connected(ch);
      const closed = next(el, 'hx-ws-close');
      await ch.close(code);
      const e = await closed;
      expect(e.code).to.equal(code);
      expect(e.willReconnect).to.equal(false);
      await new Promise((r) => setTimeout(r, 150));
      expect((await ch.state()).total).to.equal(1);
      expect(el.readyState).to.equal(WebSocket.CLOSED);
    });
  }

  it('the reconnect codes are configurable', async () => {
    sinon.stub(console, 'error'); // 4000 is also a server-closed error
    const ch = new Channel();
    const el = await connected(ch);
    el.reconnectCodes = [4000];
    await ch.close(4000);
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);
  });

  it('never reconnects after the app closes, until reconnect()', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    const closed = next(el, 'hx-ws-close');
    el.close();
    expect((await closed).willReconnect).to.equal(false);
    await ch.waitOpen(0, 1);
    await new Promise((r) => setTimeout(r, 150));
    expect((await ch.state()).total).to.equal(1);
    el.reconnect();
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);
  });

  it('stops after max-retries failed attempts', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    el.maxRetries = 2;
    await ch.refuse(10);
    const delays: (number | null)[] = [];
    el.addEventListener('hx-ws-close', (e) => delays.push(e.reconnectDelay));
    sinon.stub(console, 'error');
    await ch.drop();
    await waitUntil(() => delays.length === 3, 'three closes');
    await new Promise((r) => setTimeout(r, 100));
    expect(delays).to.deep.equal([0, 0, null]);
    expect((await ch.state()).upgrades.length).to.equal(3);
  });

  it('reconnects at once when the browser comes back online', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    el.reconnectDelay = () => 60_000;
    const closed = next(el, 'hx-ws-close');
    await ch.drop();
    expect((await closed).reconnectDelay).to.equal(60_000);
    window.dispatchEvent(new Event('online'));
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);
  });

  it('honours htmx.config.wsReconnectDelay when ours is unset', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    el.reconnectDelay = null;
    const seen: number[] = [];
    (window as { htmx?: unknown }).htmx = { config: { wsReconnectDelay: (n: number) => (seen.push(n), 5) } };
    const closed = next(el, 'hx-ws-close');
    await ch.drop();
    expect((await closed).reconnectDelay).to.equal(5);
    expect(seen).to.deep.equal([0]);
    await next(el, 'hx-ws-open');
  });
});

describe('backoff', () => {
  it('full jitter is random() * 1000 * 2^min(retryCount, 6)', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((n) => fullJitter(n, () => 0.5))).to.deep.equal([500, 1000, 2000, 4000, 32000, 32000, 32000]);
    expect(fullJitter(3, () => 0)).to.equal(0);
    expect(fullJitter(6, () => 0.999)).to.be.closeTo(63936, 0.001);
  });

  it('a delay function is used as given; a broken one falls back to full jitter', () => {
    expect(reconnectDelay((n) => n * 10, 4)).to.equal(40);
    expect(reconnectDelay(() => NaN, 2, () => 0.5)).to.equal(2000);
    expect(reconnectDelay(() => { throw new Error('x'); }, 0, () => 0.25)).to.equal(250);
  });

  it('delays grow with each failed attempt and reset after an open (fake timers)', async () => {
    const ch = new Channel();
    const el = await connected(ch);
    el.reconnectDelay = null; // page default: full jitter
    expect(config.wsReconnectDelay).to.equal(undefined);
    sinon.stub(Math, 'random').returns(0.5);
    sinon.stub(console, 'error');
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await ch.refuse(3);
      const delays: number[] = [];
      for (let i = 0; i < 4; i++) {
        const closed = next(el, 'hx-ws-close');
        if (i === 0) await ch.drop();
        const e = await closed;
        delays.push(e.reconnectDelay!);
        expect(el.retryCount).to.equal(i);
        clock.tick(e.reconnectDelay!);
      }
      await next(el, 'hx-ws-open');
      expect(delays).to.deep.equal([500, 1000, 2000, 4000]);
      expect(el.retryCount).to.equal(0);
      const closed = next(el, 'hx-ws-close');
      await ch.drop();
      expect((await closed).reconnectDelay).to.equal(500);
    } finally {
      clock.restore();
    }
  });
});

describe('<hx-ws-connect> receiving', () => {
  it('swaps an HTML message into the element with the same id', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><p id="msg">old</p></hx-ws-connect>`);
    await opened(el);
    const got = next(el, 'hx-ws-after-message');
    await ch.send('<p id="msg">new</p>');
    await got;
    expect(el.querySelector('#msg')!.textContent).to.equal('new');
  });

  it('applies 1000 quick messages in arrival order', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><ol id="log"></ol></hx-ws-connect>`);
    await opened(el);
    await ch.flood(1000, '<ol id="log" hx-swap-oob="beforeend"><li>{i}</li></ol>');
    const log = el.querySelector('#log')!;
    await waitUntil(() => log.children.length === 1000, 'all 1000 swapped', { timeout: 10000 });
    const got = [...log.children].map((li) => Number(li.textContent));
    expect(got).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('binary messages are not swapped; the event carries the bytes', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><p id="b">keep</p></hx-ws-connect>`);
    await opened(el);
    const got = next(el, 'hx-ws-after-message');
    await ch.send({ base64: btoa('<p id="b">no</p>') });
    const e = await got;
    expect(e.swapped).to.equal(false);
    expect(new TextDecoder().decode(e.data as ArrayBuffer)).to.equal('<p id="b">no</p>');
    expect(el.querySelector('#b')!.textContent).to.equal('keep');
  });

  it('a cancelled before-message is not swapped', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><p id="c">keep</p></hx-ws-connect>`);
    await opened(el);
    el.addEventListener('hx-ws-before-message', (e) => e.preventDefault(), { once: true });
    const got = next(el, 'hx-ws-after-message');
    await ch.send('<p id="c">no</p>');
    const e = await got;
    expect(e.swapped).to.equal(false);
    expect(e.data).to.equal('<p id="c">no</p>');
    expect(el.querySelector('#c')!.textContent).to.equal('keep');
  });
});

describe('events', () => {
  it('bubble, are composed, and are typed', async () => {
    const ch = new Channel();
    const seen: string[] = [];
    const listener = (e: Event) => {
      expect(e.bubbles && e.composed).to.equal(true);
      seen.push(e.type);
    };
    const names = ['hx-ws-connecting', 'hx-ws-open', 'hx-ws-before-message', 'hx-ws-after-message', 'hx-ws-close'] as const;
    for (const n of names) document.addEventListener(n, listener);
    try {
      const el = await connected(ch, '?greet=hi');
      await next(el, 'hx-ws-after-message');
      el.close();
      expect(seen).to.deep.equal([...names]);
    } finally {
      for (const n of names) document.removeEventListener(n, listener);
    }
  });

  it('htmx-named twins are heard only where window.htmx exists', async () => {
    const ch = new Channel();
    const heard: string[] = [];
    const on = (e: Event) => heard.push(e.type);
    for (const n of ['htmx:wsConnecting', 'htmx:wsOpen', 'htmx:wsClose']) document.addEventListener(n, on);
    try {
      const a = await connected(ch);
      a.close();
      expect(heard).to.deep.equal([]);
      (window as { htmx?: unknown }).htmx = {};
      const b = await connected(ch);
      b.close();
      expect(heard).to.deep.equal(['htmx:wsConnecting', 'htmx:wsOpen', 'htmx:wsClose']);
    } finally {
      for (const n of ['htmx:wsConnecting', 'htmx:wsOpen', 'htmx:wsClose']) document.removeEventListener(n, on);
    }
  });

  it('cancelling the htmx twin cancels the step', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}><p id="t">keep</p></hx-ws-connect>`);
    await opened(el);
    (window as { htmx?: unknown }).htmx = {};
    el.addEventListener('htmx:wsBeforeMessage', (e) => e.preventDefault(), { once: true });
    const got = next(el, 'hx-ws-after-message');
    await ch.send('<p id="t">no</p>');
    const e = await got;
    expect(e.swapped).to.equal(false);
    expect(el.querySelector('#t')!.textContent).to.equal('keep');
  });
});

describe('wrapper rendering', () => {
  it('the elements keep their children in the light DOM and take no box, in a shadow root too', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const logged = sinon.stub(console, 'error');
    try {
      const inDoc = await fixture<HxWsConnectElement>(html`<hx-ws-connect><hx-ws-send><form></form></hx-ws-send></hx-ws-connect>`);
      // No url here: that is reported once, and rendering is unaffected.
      expect(logged.callCount).to.equal(1);
      expect(String(logged.firstCall.args[0])).to.contain('url is not set');
      expect(inDoc.shadowRoot).to.equal(null);
      expect(getComputedStyle(inDoc).display).to.equal('contents');
      expect(getComputedStyle(inDoc.querySelector('hx-ws-send')!).display).to.equal('contents');
      const shadow = host.attachShadow({ mode: 'open' });
      shadow.innerHTML = '<hx-ws-send><form></form></hx-ws-send>';
      expect(getComputedStyle(shadow.querySelector('hx-ws-send')!).display).to.equal('contents');
    } finally {
      logged.restore();
      host.remove();
    }
  });
});

describe('wire sizes', () => {
  it('utf8Length counts what TextEncoder would produce, without encoding', () => {
    const samples = ['', 'plain ascii', 'é ß ñ', '€ 中文 ✓', '😀 pairs 🎉', 'x\ud800y', '\udc00', 'end\ud83d', '\u007f\u0080\u07ff\u0800\uffff'];
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).to.equal(new TextEncoder().encode(s).length);
    const big = '{"a":"' + 'é😀x'.repeat(100_000) + '"}';
    expect(frameBytes(big)).to.equal(new TextEncoder().encode(big).length);
    expect(frameBytes(new Blob(['abc', new Uint8Array(5)]))).to.equal(8);
    expect(frameBytes(new Uint8Array(7))).to.equal(7);
  });
});
