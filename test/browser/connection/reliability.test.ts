// Reliability of one connection against a real server: requests made while the socket is down,
// and reconnect backoff against a server that refuses for a long time.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/index.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import { connectionOf } from '../../../src/connection/socket-connection.js';
import type { HxWsCloseEvent, HxWsConnectingEvent, HxWsErrorEvent } from '../../../src/events.js';
import { observeHxWs } from '../../../src/features/shim/shim.js';
import { Channel, type RecordedFrame } from '../../support/server.js';
import { next, opened } from '../../support/events.js';
import { expectWhole, sendingPage, type Kind } from '../../support/reliability.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KINDS: Kind[] = ['plain', 'oob', 'inline'];

// Refusals, drops and unconfirmed requests are logged with console.error; the tests check the
// events instead, so keep the log quiet.
beforeEach(() => sinon.stub(console, 'error'));
afterEach(() => sinon.restore());

describe('reliability: requests made while disconnected', () => {
  it('are queued, then delivered to the handler after the reconnect, whole, in order, once', async () => {
    const ch = new Channel();
    const page = await sendingPage(ch, { reconnectDelay: () => 20 });
    await opened(page.conn);
    await page.send(0, 'plain');
    await waitUntil(async () => (await ch.state()).deliveryCount === 1, 'request 0 delivered');

    await ch.refuse(1_000_000); // down until we say so
    const closed = next(page.conn, 'hx-ws-close');
    await ch.drop();
    expect((await closed).willReconnect).to.equal(true);
    for (let rid = 1; rid <= 30; rid++) await page.send(rid, KINDS[rid % 3]);
    expect(page.conn.connection.queued.map((r) => r.values.rid)).to.deep.equal(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    await sleep(60); // a few refused attempts
    expect((await ch.state()).deliveryCount).to.equal(1);

    await ch.refuse(0);
    await waitUntil(async () => (await ch.state()).deliveryCount >= 31, 'the queue was flushed', { timeout: 5000 });
    await sleep(100); // anything sent twice would be in by now
    const deliveries = await ch.deliveries();
    expect(deliveries.map((d) => d.rid)).to.deep.equal(Array.from({ length: 31 }, (_, i) => String(i)));
    for (const d of deliveries.slice(1)) await expectWhole(d, KINDS[Number(d.rid) % 3]);
    expect(new Set(deliveries.slice(1).map((d) => d.conn)).size, 'all on the new socket').to.equal(1);
    expect(page.errors.map((e) => e.reason).filter((r) => r !== 'socket')).to.deep.equal([]);
    expect(page.conn.connection.queued).to.have.length(0);
  });
});

describe('reliability: backoff under a server that refuses for a long time', () => {
  it('full jitter: delay n is random() * 1000 * 2^min(n, 6); the count resets on open; one socket at a time', async () => {
    const ch = new Channel();
    const r = 0.002; // delays 2, 4, 8 ... 128 ms: the whole schedule in under a second
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}></hx-ws-connect>`);
    await opened(el);
    sinon.stub(Math, 'random').returns(r);
    const closes: HxWsCloseEvent[] = [];
    const attempts: HxWsConnectingEvent[] = [];
    el.addEventListener('hx-ws-close', (e) => closes.push(e));
    el.addEventListener('hx-ws-connecting', (e) => attempts.push(e));

    const REFUSALS = 10;
    await ch.refuse(REFUSALS);
    const reopened = next(el, 'hx-ws-open');
    await ch.drop();
    await reopened;
    const formula = (n: number) => r * 1000 * 2 ** Math.min(n, 6);
    expect(closes.map((e) => e.reconnectDelay)).to.deep.equal(Array.from({ length: REFUSALS + 1 }, (_, n) => formula(n)));
    expect(closes.map((e) => e.code)).to.deep.equal(Array(REFUSALS + 1).fill(1006));
    expect(attempts.map((e) => e.retryCount)).to.deep.equal(Array.from({ length: REFUSALS + 1 }, (_, n) => n + 1));
    // The server saw the attempts no closer together than the delays.
    const s = await ch.state();
    const times = s.upgrades.slice(-(REFUSALS + 1)).map((u) => u.at);
    for (let n = 1; n < times.length; n++) expect(times[n] - times[n - 1], `gap before attempt ${n + 1}`).to.be.at.least(Math.floor(formula(n)) - 1);
    expect(el.retryCount, 'reset by the open').to.equal(0);

    // After an open the count starts again from 0.
    const again = next(el, 'hx-ws-close');
    const reopenedAgain = next(el, 'hx-ws-open');
    await ch.drop();
    expect((await again).reconnectDelay).to.equal(formula(0));
    await reopenedAgain;
    const end = await ch.state();
    expect(end.maxOpen, 'never two sockets open at once').to.equal(1);
    expect(end.open).to.equal(1);
  });

  it('a delay function is called with 0, 1, 2 ... and again from 0 after an open; wake-ups and moves never make a second socket', async () => {
    const ch = new Channel();
    const calls: number[] = [];
    const wrap = await fixture<HTMLElement>(html`<div><hx-ws-connect url=${ch.path()}></hx-ws-connect><p></p></div>`);
    const el = wrap.querySelector('hx-ws-connect')!;
    el.reconnectDelay = (n) => (calls.push(n), 15);
    await opened(el);

    await ch.refuse(8);
    const reopened = next(el, 'hx-ws-open');
    await ch.drop();
    // While it waits: online / visible wake-ups (retry at once) and moves within the page.
    for (let i = 0; i < 6; i++) {
      await sleep(7);
      if (i % 3 === 0) window.dispatchEvent(new Event('online'));
      else if (i % 3 === 1) document.dispatchEvent(new Event('visibilitychange'));
      else wrap.querySelector('p')!.after(el); // remove + insert in one task: a move
    }
    await reopened;
    await sleep(50);
    expect(calls.slice(0, 3)).to.deep.equal([0, 1, 2]);
    expect(calls).to.deep.equal(Array.from({ length: calls.length }, (_, n) => n));
    calls.length = 0;
    const reopenedAgain = next(el, 'hx-ws-open');
    await ch.drop();
    await reopenedAgain;
    expect(calls).to.deep.equal([0]);
    const s = await ch.state();
    expect(s.maxOpen, 'never two sockets open at once').to.equal(1);
    expect(s.open).to.equal(1);
    expect(s.upgrades.length - s.total, 'every refusal was one attempt').to.equal(8);
  });
});

describe('reliability: delivery acknowledgements (ack mode)', () => {
  async function ackPage(ch: Channel, ack = true) {
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} ?ack=${ack}>
      <p id="target">old</p>
      <hx-ws-send><form><input name="m" value="hi"></form></hx-ws-send>
    </hx-ws-connect>`);
    conn.reconnectDelay = () => 0;
    await opened(conn);
    const events: string[] = [];
    for (const name of ['hx-ws-before-message', 'hx-ws-after-message', 'hx-ws-error'] as const) {
      conn.addEventListener(name, (e) => events.push(name === 'hx-ws-error' ? `error ${(e as HxWsErrorEvent).reason}` : name));
    }
    return { conn, sender: conn.querySelector('hx-ws-send')!, events };
  }
  const headersOf = (f: RecordedFrame) => (JSON.parse(f.text!) as { HEADERS: Record<string, string> }).HEADERS;

  it('each request carries a page-unique HX-Request-Id; an ack-only message is taken off and fires nothing', async () => {
    const ch = new Channel();
    const { conn, sender, events } = await ackPage(ch);
    const a = (await sender.send())!;
    const b = (await sender.send())!;
    const frames = await ch.waitFrames(2);
    const [idA, idB] = frames.map((f) => headersOf(f)['HX-Request-Id']);
    expect(idA).to.match(/^[0-9a-z]+-\d+$/);
    expect(idA).to.equal(a.headers['HX-Request-Id']);
    expect(idB).to.equal(b.headers['HX-Request-Id']);
    expect(idA).not.to.equal(idB);
    expect(conn.connection.unconfirmed).to.deep.equal([a, b]);

    await ch.send(`<hx-ws-ack id="${idA}"></hx-ws-ack>`);
    await waitUntil(() => conn.connection.unconfirmed.length === 1, 'the ack was taken');
    expect(conn.connection.unconfirmed).to.deep.equal([b]);
    // Acks before content in one message: the rest is swapped as usual.
    const seen = next(conn, 'hx-ws-before-message');
    await ch.send(`<hx-ws-ack id="${idB}"></hx-ws-ack>\n<p id="target">new</p>`);
    expect((await seen).data).to.equal('\n<p id="target">new</p>');
    await waitUntil(() => conn.querySelector('#target')!.textContent === 'new', 'swapped');
    expect(conn.connection.unconfirmed).to.deep.equal([]);
    expect(events).to.deep.equal(['hx-ws-before-message', 'hx-ws-after-message']);
  });

  it('several acks in one frame, escaped ids, unknown ids ignored', async () => {
    const ch = new Channel();
    const { conn, sender, events } = await ackPage(ch);
    const sent = [(await sender.send())!, (await sender.send())!, (await sender.send())!];
    const ids = sent.map((r) => r.headers['HX-Request-Id']);
    await ch.send(`<hx-ws-ack id="${ids[0]}"></hx-ws-ack><hx-ws-ack id="nope&amp;&quot;"></hx-ws-ack><hx-ws-ack id="${ids[2]}"></hx-ws-ack>`);
    await waitUntil(() => conn.connection.unconfirmed.length === 1, 'two acks taken');
    expect(conn.connection.unconfirmed).to.deep.equal([sent[1]]);
    expect(events).to.deep.equal([]);
  });

  it('the socket closes: every unconfirmed request is reported with send-unconfirmed and is not sent again', async () => {
    const ch = new Channel();
    const { conn, sender } = await ackPage(ch);
    const sent = [(await sender.send())!, (await sender.send())!, (await sender.send())!];
    await ch.waitFrames(3);
    await ch.send(`<hx-ws-ack id="${sent[0].headers['HX-Request-Id']}"></hx-ws-ack>`);
    await waitUntil(() => conn.connection.unconfirmed.length === 2, 'first acked');
    const errors: HxWsErrorEvent[] = [];
    conn.addEventListener('hx-ws-error', (e) => errors.push(e));
    const reopened = next(conn, 'hx-ws-open');
    // 1011, not 1012: WebKit turns a 1012 close into a socket error and 1006 (see
    // test/support/engine.ts), which would add a `socket` error to the list.
    await ch.close(1011);
    await reopened;
    expect(errors.map((e) => [e.reason, e.request])).to.deep.equal([
      ['send-unconfirmed', sent[1]],
      ['send-unconfirmed', sent[2]],
    ]);
    expect(errors[0].message).to.contain(sent[1].headers['HX-Request-Id']);
    expect(conn.connection.unconfirmed).to.deep.equal([]);
    await sleep(50);
    expect((await ch.frames()).length, 'nothing resent').to.equal(3);
  });

  it('off by default: no HX-Request-Id, nothing kept; hx-ws-ack turns it on in attribute mode', async () => {
    const ch = new Channel();
    const { conn, sender } = await ackPage(ch, false);
    await sender.send();
    expect(headersOf((await ch.waitFrames(1))[0])).not.to.have.property('HX-Request-Id');
    expect(conn.connection.unconfirmed).to.deep.equal([]);

    const ch2 = new Channel();
    const wrap = await fixture<HTMLElement>(html`<div><div hx-ws=${`connect:${ch2.path()}`} hx-ws-ack><form hx-ws="send"><input name="m" value="x"><button>go</button></form></div></div>`);
    const shim = observeHxWs(wrap);
    try {
      await ch2.waitOpen(1);
      wrap.querySelector('button')!.click();
      const id = headersOf((await ch2.waitFrames(1))[0])['HX-Request-Id'];
      expect(id).to.match(/^[0-9a-z]+-\d+$/);
      const conn2 = connectionOf(wrap.firstElementChild!)!;
      expect(conn2.ack).to.equal(true);
      expect(conn2.unconfirmed.map((r) => r.headers['HX-Request-Id'])).to.deep.equal([id]);
    } finally {
      shim.stop();
    }
  });
});
