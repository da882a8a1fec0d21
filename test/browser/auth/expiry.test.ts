// Expired credentials against the real server helper with `authenticate` and recovery (`/hxa/`
// channels of the test server): the server ends the socket with 4401, the page reconnects at
// once through its `url` function (a fresh token), and in recover mode it loses no message.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/full.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsCloseEvent, HxWsErrorEvent, HxWsOpenEvent } from '../../../src/events.js';
import { CLOSE_EXPIRED } from '../../../src/protocol.js';
import { Channel } from '../../support/server.js';

beforeEach(() => sinon.stub(console, 'error'));
afterEach(() => sinon.restore());

const MESSAGE = '<div id="log" hx-swap-oob="beforeend"><p>m{i}</p></div>';
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** A recovering page whose `url` function hands out a new token (`ann.<n>`) on every call. */
async function tokenPage(ch: Channel) {
  const opens: HxWsOpenEvent[] = [];
  const closes: HxWsCloseEvent[] = [];
  const errors: HxWsErrorEvent[] = [];
  let issued = 0;
  const url = () => ch.hxaPath(`?token=ann.${++issued}`);
  const wrap = await fixture<HTMLDivElement>(html`<div>
    <div id="snapshot"></div>
    <div id="log"></div>
    <hx-ws-connect
      recover
      .url=${url}
      .reconnectDelay=${() => 3000}
      @hx-ws-open=${(e: HxWsOpenEvent) => opens.push(e)}
      @hx-ws-close=${(e: HxWsCloseEvent) => closes.push(e)}
      @hx-ws-error=${(e: HxWsErrorEvent) => errors.push(e)}
    ></hx-ws-connect>
  </div>`);
  const el = wrap.querySelector<HxWsConnectElement>('hx-ws-connect')!;
  await waitUntil(() => opens.length === 1, 'opened', { timeout: 5000 });
  const log = () => [...wrap.querySelectorAll('#log p')].map((p) => p.textContent!);
  return { el, wrap, opens, closes, errors, log, issued: () => issued };
}

describe('authentication: expired credentials', () => {
  it('an expiring token is refreshed at once through the url function, without losing a message (recover mode)', async () => {
    const ch = new Channel();
    const page = await tokenPage(ch);
    expect(page.opens[0]!.recovered).to.equal(false);
    await ch.authRoomcast(0, 5, MESSAGE);
    await waitUntil(() => page.log().length === 5, 'live messages', { timeout: 5000 });
    const t0 = performance.now();
    expect(await ch.expire()).to.equal(1);
    // Sent after the old socket closed, before (or while) the page reconnects: in the log.
    await ch.authRoomcast(5, 10, MESSAGE);
    await waitUntil(() => page.opens.length === 2, 'reopened', { timeout: 5000 });
    const took = performance.now() - t0;
    expect(took, 'no backoff (the reconnect delay is 3 s)').to.be.below(2000);
    expect(page.closes[0]!.code).to.equal(CLOSE_EXPIRED);
    expect(page.closes[0]!.reason).to.equal('credentials expired');
    expect(page.closes[0]!.reconnectDelay).to.equal(0);
    expect(page.opens[1]!.recovered).to.equal(true);
    await ch.authRoomcast(15, 5, MESSAGE);
    await waitUntil(() => page.log().length >= 20, 'every message', { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(page.log()).to.deep.equal(range(0, 20));
    expect(await ch.recoveries()).to.deep.equal([false, true]);
    expect(page.wrap.querySelector('#snapshot')!.textContent, 'no second snapshot').to.equal('snapshot 1');
    // The second upgrade carried a fresh token; the expired one would have been refused.
    expect(await ch.authState()).to.deep.equal([
      { token: 'ann.1', admitted: true },
      { token: 'ann.2', admitted: true },
    ]);
    expect(page.errors.map((e) => e.reason)).to.deep.equal([]);
  });

  it('a second expiry within 5 s of the first waits like any retry (no reconnect loop)', async () => {
    const ch = new Channel();
    const page = await tokenPage(ch);
    await ch.expire();
    await waitUntil(() => page.opens.length === 2, 'reopened', { timeout: 5000 });
    // onConnection (which records the socket) may run just after the page heard the answer.
    await waitUntil(async () => (await ch.state()).total === 2 && (await ch.state()).open === 1, 'recorded', { timeout: 5000 });
    expect(await ch.expire()).to.equal(1);
    await waitUntil(() => page.closes.length === 2, 'closed again', { timeout: 5000 }).catch((e: Error) => {
      throw new Error(`${e.message}: ${page.el.connection.status} ${page.closes.map((c) => `${c.code}@${Math.round(c.timeStamp)}:${c.reconnectDelay}`).join()} ${page.opens.map((o) => Math.round(o.timeStamp)).join()} opens ${page.opens.length} ${page.errors.map((x) => x.message).join('; ')}`);
    });
    expect(page.closes.map((e) => e.code)).to.deep.equal([CLOSE_EXPIRED, CLOSE_EXPIRED]);
    expect(page.closes[0]!.reconnectDelay).to.equal(0);
    expect(page.closes[1]!.reconnectDelay, 'the reconnect delay').to.equal(3000);
    expect(page.el.connection.status).to.equal('retrying');
    expect(page.issued()).to.equal(2);
  });
});

describe('authentication: a session belongs to its user', () => {
  it("another user's page offering the session gets a fresh one: recovered false, a new snapshot, nothing of the first user's replayed", async () => {
    const ch = new Channel();
    const opens: HxWsOpenEvent[] = [];
    let user = 'ann';
    let issued = 0;
    const wrap = await fixture<HTMLDivElement>(html`<div>
      <div id="snapshot"></div>
      <div id="log"></div>
      <hx-ws-connect
        recover
        .url=${() => ch.hxaPath(`?token=${user}.${++issued}`)}
        .reconnectDelay=${() => 20}
        @hx-ws-open=${(e: HxWsOpenEvent) => opens.push(e)}
      ></hx-ws-connect>
    </div>`);
    const el = wrap.querySelector<HxWsConnectElement>('hx-ws-connect')!;
    const log = () => [...wrap.querySelectorAll('#log p')].map((p) => p.textContent!);
    await waitUntil(() => opens.length === 1, 'opened', { timeout: 5000 });
    await ch.authRoomcast(0, 5, MESSAGE);
    await waitUntil(() => log().length === 5, 'live messages', { timeout: 5000 });
    // The page's next socket is bob's, and it offers ann's session (as a page would after a
    // logout and login in the same tab, or a page that got hold of the id).
    user = 'bob';
    await ch.refuse(1_000_000);
    await ch.drop();
    await waitUntil(() => el.connection.status !== 'open', 'dropped', { timeout: 5000 });
    await ch.authRoomcast(5, 5, MESSAGE); // missed by ann's session
    await ch.refuse(0);
    await waitUntil(() => opens.length === 2, 'reopened as bob', { timeout: 5000 });
    expect(opens[1]!.recovered).to.equal(false);
    await waitUntil(() => wrap.querySelector('#snapshot')!.textContent === 'snapshot 2', 'a fresh snapshot', { timeout: 5000 });
    await ch.authRoomcast(10, 1, MESSAGE);
    await waitUntil(() => log().length === 6, 'the live message', { timeout: 5000 });
    expect(log(), "nothing of ann's missed messages").to.deep.equal([...range(0, 5), 'm10']);
    expect(await ch.recoveries()).to.deep.equal([false, false]);
    expect((await ch.authState()).filter((u) => u.admitted).map((u) => u.token)).to.deep.equal(['ann.1', `bob.${issued}`]);
  });
});
