// Attribute mode follows the page: content added later connects, removed content disconnects,
// a changed attribute value reconnects or drops the behaviour. The server's counts are the proof.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { connectionOf } from '../../../../src/connection/socket-connection.js';
import { shim } from '../../../../src/upgrade.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { connection, mount, unmountAll, whenOpen, keepPageOnSubmit } from '../../../support/modes.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

keepPageOnSubmit();

afterEach(async () => {
  unmountAll();
  sinon.restore();
  // Every test leaves the shim with nothing attached.
  await waitUntil(() => shim.elements.size === 0, 'the shim let go of every element');
});

/** Lets pending mutation records and microtasks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));
const path = (ch: Channel) => ch.path();

describe('attribute mode follows added content', () => {
  it('markup put in with innerHTML connects; removing its container disconnects (1000)', async () => {
    const ch = new Channel();
    const box = mount('');
    box.innerHTML = `<section><div id="a" hx-ws="connect:${path(ch)}"></div></section>`;
    await whenOpen(box.querySelector('#a')!);
    await ch.waitOpen(1, 1);
    expect(shim.elements.has(box.querySelector('#a')!)).to.equal(true);
    box.firstElementChild!.remove();
    const s = await ch.waitOpen(0, 1);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
  });

  it('an element made with createElement + appendChild connects; remove() disconnects', async () => {
    const ch = new Channel();
    const box = mount('');
    const el = document.createElement('div');
    el.setAttribute('hx-ws', `connect:${path(ch)}`);
    box.appendChild(el);
    await whenOpen(el);
    await ch.waitOpen(1, 1);
    el.remove();
    await ch.waitOpen(0, 1);
    expect(shim.elements.has(el)).to.equal(false);
    expect(connectionOf(el)).to.equal(undefined);
  });

  it('data-hx-ws is read like hx-ws', async () => {
    const ch = new Channel();
    const box = mount(`<div id="d" data-hx-ws="connect:${path(ch)}"><p id="dt">old</p><form data-hx-ws="send"><input name="x" value="1"><button>go</button></form></div>`);
    await whenOpen(box.querySelector('#d')!);
    await ch.send('<p id="dt">new</p>');
    await waitUntil(() => box.querySelector('#dt')!.textContent === 'new', 'swapped');
    box.querySelector('button')!.click();
    const [frame] = await ch.waitFrames(1);
    expect(JSON.parse(frame!.text!).HEADERS['HX-Target']).to.equal('d');
  });

  it('nested connecting elements each own a socket; removing the outer one closes all', async () => {
    const [a, b, c] = [new Channel(), new Channel(), new Channel()];
    const box = mount(`<div hx-ws="connect:${path(a)}"><div hx-ws="connect:${path(b)}"><div hx-ws="connect:${path(c)}"></div></div></div>`);
    await Promise.all([a.waitOpen(1, 1), b.waitOpen(1, 1), c.waitOpen(1, 1)]);
    expect(shim.elements.size).to.equal(3);
    box.firstElementChild!.remove();
    await Promise.all([a.waitOpen(0, 1), b.waitOpen(0, 1), c.waitOpen(0, 1)]);
  });

  it('a swap that brings hx-ws markup: its connect opens, its send sends, and swapping it out closes it', async () => {
    const [outer, inner] = [new Channel(), new Channel()];
    const box = mount(`<div id="outer" hx-ws="connect:${path(outer)}"><div id="slot"></div></div>`);
    await whenOpen(box.querySelector('#outer')!);
    await outer.send(
      `<div id="slot"><div id="inner" hx-ws="connect:${path(inner)}"><p id="deep">old</p>` +
        `<form id="f" hx-ws="send"><input name="m" value="via swap"><button>go</button></form></div></div>`,
    );
    await inner.waitOpen(1, 1);
    await whenOpen(box.querySelector('#inner')!);
    await inner.send('<p id="deep">new</p>');
    await waitUntil(() => box.querySelector('#deep')?.textContent === 'new', 'the swapped-in socket swaps');
    box.querySelector('button')!.click();
    const [frame] = await inner.waitFrames(1);
    expect(JSON.parse(frame!.text!)).to.include({ m: 'via swap' });
    expect(JSON.parse(frame!.text!).HEADERS['HX-Target']).to.equal('inner');
    expect((await outer.frames()).length).to.equal(0);
    await outer.send('<div id="slot"></div>');
    const s = await inner.waitOpen(0, 1);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
    expect((await outer.state()).open).to.equal(1);
  });

  it('content swapped in without hx-ws, given hx-ws while out of the page, connects when put back', async () => {
    const [outer, inner] = [new Channel(), new Channel()];
    const box = mount(`<div id="outer" hx-ws="connect:${path(outer)}"><div id="slot"></div></div>`);
    await whenOpen(box.querySelector('#outer')!);
    const swapped = next(box.querySelector('#outer')!, 'hx-ws-after-message');
    await outer.send('<div id="slot"><p id="later">plain</p></div>');
    await swapped;
    await settle();
    const slot = box.querySelector('#slot')!;
    slot.remove();
    slot.querySelector('#later')!.setAttribute('hx-ws', `connect:${path(inner)}`);
    box.append(slot);
    await whenOpen(slot.querySelector('#later')!);
    expect((await inner.waitOpen(1, 1)).total).to.equal(1);
  });

  it('a swap that replaces a connecting element closes its socket', async () => {
    const [outer, inner] = [new Channel(), new Channel()];
    const box = mount(`<div id="outer" hx-ws="connect:${path(outer)}"><div id="victim" hx-ws="connect:${path(inner)}"></div></div>`);
    // Both open: the two sockets open in either order, and a send reaches only open sockets.
    await Promise.all([whenOpen(box.querySelector('#outer')!), whenOpen(box.querySelector('#victim')!)]);
    await outer.waitOpen(1, 1);
    expect(await outer.send('<p id="victim">gone</p>'), 'sockets the swap was sent to').to.equal(1);
    const s = await inner.waitOpen(0, 1);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
    expect(shim.elements.has(box.querySelector('#outer')!)).to.equal(true);
  });

  it('moving an element keeps its one socket; re-inserting a removed one reconnects', async () => {
    const ch = new Channel();
    const box = mount(`<div id="m" hx-ws="connect:${path(ch)}"></div><section></section>`);
    const el = box.querySelector('#m')!;
    await whenOpen(el);
    const socket = connection(el).socket;
    box.querySelector('section')!.append(el); // remove + insert in one task
    await new Promise((r) => setTimeout(r, 100));
    expect(connection(el).socket === socket, 'same socket').to.equal(true);
    expect((await ch.waitOpen(1, 1)).total).to.equal(1);
    el.remove();
    await ch.waitOpen(0, 1);
    box.append(el);
    await next(el, 'hx-ws-open');
    await ch.waitOpen(1, 2);
  });
});

describe('attribute mode follows attribute changes', () => {
  it('a new connect: URL closes the old socket and opens the new one', async () => {
    const [a, b] = [new Channel(), new Channel()];
    const box = mount(`<div id="c" hx-ws="connect:${path(a)}"></div>`);
    const el = box.querySelector('#c')!;
    await whenOpen(el);
    el.setAttribute('hx-ws', `connect:${path(b)}`);
    await next(el, 'hx-ws-open');
    const s = await a.waitOpen(0, 1);
    expect(s.closes.map((c) => c.code)).to.deep.equal([1000]);
    await b.waitOpen(1, 1);
    expect(connection(el).url).to.equal(`ws://${location.host}${b.path()}`);
  });

  it('removing the attribute drops the behaviour; putting it back restores it', async () => {
    const ch = new Channel();
    const box = mount(`<div id="c" hx-ws="connect:${path(ch)}"></div>`);
    const el = box.querySelector('#c')!;
    await whenOpen(el);
    el.removeAttribute('hx-ws');
    await ch.waitOpen(0, 1);
    expect(shim.elements.has(el)).to.equal(false);
    expect(connectionOf(el)).to.equal(undefined);
    el.setAttribute('hx-ws', `connect:${path(ch)}`);
    await ch.waitOpen(1, 2);
  });

  it('adding send beside an unchanged connect: keeps the socket and starts sending; taking it away stops', async () => {
    const ch = new Channel();
    const box = mount(`<form id="f" hx-ws="connect:${path(ch)}"><input name="q" value="1"><button>go</button></form>`);
    const form = box.querySelector('form')!;
    await whenOpen(form);
    form.querySelector('button')!.click(); // not a sender yet: nothing goes out
    form.setAttribute('hx-ws', `connect:${path(ch)}, send`);
    await settle();
    form.querySelector('button')!.click();
    await ch.waitFrames(1);
    form.setAttribute('hx-ws', `connect:${path(ch)}`);
    await settle();
    form.querySelector('button')!.click();
    await new Promise((r) => setTimeout(r, 50));
    const s = await ch.state();
    expect([s.total, s.open, s.frameCount]).to.deep.equal([1, 1, 1]);
  });

  it('a value changed to bad grammar reports it and drops the socket', async () => {
    const logged = sinon.stub(console, 'error');
    const ch = new Channel();
    const box = mount(`<div id="c" hx-ws="connect:${path(ch)}"></div>`);
    const el = box.querySelector('#c')!;
    await whenOpen(el);
    const err = next(el, 'hx-ws-error');
    el.setAttribute('hx-ws', 'connect:');
    expect((await err).part).to.equal('connect:');
    await ch.waitOpen(0, 1);
    expect(logged.callCount).to.equal(1);
  });
});

describe('attribute mode under churn', () => {
  /** One macrotask. */
  const tick = () =>
    new Promise((resolve) => {
      const m = new MessageChannel();
      m.port1.onmessage = resolve;
      m.port2.postMessage(0);
    });

  it('1000 add/remove cycles (innerHTML, appendChild, moves) leave no socket open', async () => {
    const ch = new Channel();
    const box = mount('');
    let attempts = 0;
    let closed = 0;
    const seen: Element[] = [];
    const add = (i: number): Element => {
      let el: Element;
      if (i % 2 === 0) {
        box.innerHTML = `<p><span hx-ws="connect:${path(ch)}"></span></p>`;
        el = box.querySelector('span')!;
      } else {
        el = box.appendChild(document.createElement('div'));
        el.setAttribute('hx-ws', `connect:${path(ch)}`);
      }
      // Listen on each element: a socket made (or closed) after it left would not reach the box.
      el.addEventListener('hx-ws-connecting', () => attempts++);
      el.addEventListener('hx-ws-close', () => closed++);
      seen.push(el);
      return el;
    };
    const remove = (i: number, el: Element) => (i % 2 === 0 ? (box.innerHTML = '') : el.remove());
    // Most cycles are quick: the shim attaches, then the element goes before its socket is made,
    // so no socket is made at all. Every 50th waits for a real open. (No cycle aborts a socket
    // that is still connecting: Chrome counts that as a failure and then delays the page's next
    // connection by seconds.)
    let opened = 0;
    let attachedMax = 0;
    for (let i = 0; i < 1000; i++) {
      const el = add(i);
      if (i % 50 === 0) {
        await whenOpen(el);
        opened++;
      } else {
        await Promise.resolve();
        attachedMax = Math.max(attachedMax, shim.elements.size);
        if (i % 3 === 0) box.prepend(el); // a move in between
      }
      remove(i, el);
    }
    await tick(); // the last removal is seen
    expect(attachedMax, 'the shim attached in the quick cycles').to.equal(1);
    expect(attempts, 'one socket per slow cycle, none for the quick ones').to.equal(opened);
    expect(closed).to.equal(opened);
    await waitUntil(async () => (await ch.state()).open === 0, 'every socket closed', { timeout: 10_000, interval: 50 });
    const s = await ch.state();
    expect(s.total).to.equal(opened);
    expect(s.closes.length).to.equal(s.total);
    expect(shim.elements.size).to.equal(0);
    expect(seen.length).to.equal(1000);
    expect(seen.filter((el) => connectionOf(el) !== undefined).length).to.equal(0);
    // The shim still works after the churn.
    const last = add(1);
    await whenOpen(last);
    expect((await ch.state()).open).to.equal(1);
  });

  it('an element removed before its socket was made opens nothing; put back, it opens', async () => {
    const ch = new Channel();
    const box = mount(`<div id="r" hx-ws="connect:${path(ch)}"></div>`);
    const el = box.querySelector('#r')!;
    let attempts = 0;
    el.addEventListener('hx-ws-connecting', () => attempts++);
    await Promise.resolve(); // attached; the open is a microtask away
    el.remove();
    await tick();
    expect(attempts).to.equal(0);
    box.append(el);
    await whenOpen(el);
    expect([attempts, (await ch.waitOpen(1, 1)).total]).to.deep.equal([1, 1]);
  });

  it('<hx-ws-connect> put back between its skipped open and its stop still opens', async () => {
    const ch = new Channel();
    const box = mount('');
    const el = document.createElement('hx-ws-connect');
    el.url = ch.path();
    box.append(el); // the open is queued
    queueMicrotask(() => box.append(el)); // runs after the skipped open, before the stop
    el.remove(); // the stop is queued
    await whenOpen(el);
    expect((await ch.waitOpen(1, 1)).total).to.equal(1);
  });
});
