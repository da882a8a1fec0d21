// The deliberate differences of hx-ws-elements/htmx2 from htmx-ext-ws (docs/migrating.md), each
// shown: a bounded queue whose overflow is an htmx:wsError, binary messages left unswapped,
// before/after send events on the connecting element when no sending element is given, and
// morph styles from the same markup once hx-ws-elements/morph is loaded.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { defineWsExtension, type PublicSocketWrapper } from '../../../../src/htmx2.js';
import '../../../../src/morph.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';

let script: HTMLScriptElement | undefined;
const undo: (() => void)[] = [];

beforeEach(async () => {
  script = await loadScript('/node_modules/htmx2/dist/htmx.min.js');
  expect(defineWsExtension()).to.equal(true);
});
afterEach(async () => {
  for (const u of undo.splice(0)) u();
  unmountAll();
  await new Promise((r) => setTimeout(r, 20));
  unloadHtmx(script);
  sinon.restore();
});

function heard(name: string): CustomEvent[] {
  const got: CustomEvent[] = [];
  const h = (e: Event) => got.push(e as CustomEvent);
  document.addEventListener(name, h);
  undo.push(() => document.removeEventListener(name, h));
  return got;
}

function make(markup: string): HTMLElement {
  const box = mount(markup);
  (htmx() as unknown as { process(el: Element): void }).process(box);
  return box;
}

const open = (ch: Channel, n = 1) => waitUntil(async () => (await ch.state()).open === n, `${n} open`, { timeout: 3000 });

describe('hx-ws-elements/htmx2: what differs from htmx-ext-ws, on purpose', () => {
  it('the queue while not open is bounded (ws-queue-limit): an overflow is one htmx:wsError, the rest is sent once open', async () => {
    sinon.stub(console, 'error');
    const errors = heard('htmx:wsError');
    const ch = new Channel();
    await ch.hold(true);
    const box = make(`<div hx-ext="ws" ws-connect="${ch.path()}" ws-queue-limit="2"><button ws-send id="b" name="n" value="v">go</button></div>`);
    await waitUntil(async () => (await ch.state()).upgrades.length === 1, 'upgrade held');
    for (let i = 0; i < 3; i++) box.querySelector<HTMLButtonElement>('#b')!.click();
    await waitUntil(() => errors.length === 1, 'overflow reported');
    expect(errors[0]!.detail.reason).to.equal('queue-overflow');
    expect(errors[0]!.detail.socketWrapper).to.be.an('object');
    expect((errors[0]!.detail.socketWrapper as PublicSocketWrapper).queue).to.have.length(2);
    await ch.hold(false);
    await waitUntil(async () => (await ch.frames()).length === 2, 'two queued sends');
    await new Promise((r) => setTimeout(r, 100));
    expect((await ch.frames()).length).to.equal(2);
  });

  it('ws-connect="ws:/path" forces the ws scheme on a path of this host', async () => {
    const opens = heard('htmx:wsOpen');
    const ch = new Channel();
    make(`<div hx-ext="ws" ws-connect="ws:${ch.path()}"></div>`);
    await waitUntil(() => opens.length === 1, 'open');
    await open(ch);
    expect((await ch.state()).upgrades[0]!.url).to.equal(ch.path());
  });

  it('a binary message is not swapped; htmx:wsBeforeMessage / wsAfterMessage carry it', async () => {
    const after = heard('htmx:wsAfterMessage');
    const ch = new Channel();
    const box = make(`<div hx-ext="ws" ws-connect="${ch.path()}"><p id="t">old</p></div>`);
    await open(ch);
    await ch.send({ base64: btoa('<p id="t">new</p>') });
    await waitUntil(() => after.length === 1, 'after message');
    expect(after[0]!.detail.message).to.not.be.a('string');
    expect(box.querySelector('#t')!.textContent).to.equal('old');
  });

  it('send() without a sending element: htmx:wsBeforeSend / wsAfterSend fire on the connecting element', async () => {
    const before = heard('htmx:wsBeforeSend');
    const opens = heard('htmx:wsOpen');
    const ch = new Channel();
    const box = make(`<div id="room" hx-ext="ws" ws-connect="${ch.path()}"></div>`);
    await waitUntil(() => opens.length === 1, 'open');
    (opens[0]!.detail.socketWrapper as PublicSocketWrapper).send('{"x":1}');
    await waitUntil(async () => (await ch.frames()).length === 1, 'sent');
    expect(before.length).to.equal(1);
    expect(before[0]!.target).to.equal(box.querySelector('#room'));
  });

  it('messages are swapped by hx-ws-elements: hx-swap-oob="morph" keeps the focused input and its value', async () => {
    const ch = new Channel();
    const box = make(`<div hx-ext="ws" ws-connect="${ch.path()}"><form id="f"><input id="q" value="server"><span id="n">0</span></form></div>`);
    await open(ch);
    const input = box.querySelector<HTMLInputElement>('#q')!;
    input.focus();
    input.value = 'typed';
    const after = heard('htmx:wsAfterMessage');
    await ch.send('<form id="f" hx-swap-oob="morph"><input id="q" value="server 2"><span id="n">1</span></form>');
    await waitUntil(() => after.length === 1, 'swapped');
    expect(box.querySelector('#q')).to.equal(input);
    expect(input.value).to.equal('typed');
    expect(document.activeElement).to.equal(input);
    expect(box.querySelector('#n')!.textContent).to.equal('1');
  });
});

describe('hx-ws-elements/htmx2: opt-in recovery', () => {
  it('ws-recover: messages sent to the room while the page was cut off arrive after the reconnect, in order, once', async () => {
    await import('../../../../src/recovery.js');
    sinon.stub(console, 'error');
    htmx().config.wsReconnectDelay = () => 20;
    const opens = heard('htmx:wsOpen');
    const closes = heard('htmx:wsClose');
    const ch = new Channel();
    const box = make(`<div hx-ext="ws" ws-connect="${ch.hxrPath()}" ws-recover><div id="snapshot"></div><div id="log"></div></div>`);
    const log = () => Array.from(box.querySelectorAll('#log p'), (p) => p.textContent);
    await waitUntil(() => opens.length === 1, 'open', { timeout: 5000 });
    await ch.roomcast(0, 5, '<div id="log" hx-swap-oob="beforeend"><p>m{i}</p></div>');
    await waitUntil(() => log().length === 5, 'live messages', { timeout: 5000 });
    await ch.refuse(1_000_000);
    await ch.drop();
    // The server's side is gone at once; the browser may take a while to notice (Firefox).
    await open(ch, 0);
    await ch.roomcast(5, 20, '<div id="log" hx-swap-oob="beforeend"><p>m{i}</p></div>');
    await ch.refuse(0);
    await waitUntil(() => opens.length === 2, 'reopened', { timeout: 10_000 });
    expect(closes.length, 'the drop was an htmx:wsClose').to.equal(1);
    await waitUntil(() => log().length >= 25, 'the missed messages', { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(log()).to.deep.equal(Array.from({ length: 25 }, (_, i) => `m${i}`));
    expect(await ch.recoveries()).to.deep.equal([false, true]);
  });
});
