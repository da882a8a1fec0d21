import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../src/index.js';
import { shim } from '../../src/upgrade.js';
import { connectionOf } from '../../src/internal/connection.js';
import type { HxWsConnectElement } from '../../src/connect-element.js';
import type { HxWsErrorEvent } from '../../src/events.js';
import { Channel } from '../support/server.js';

/** The `hx-ws-error` events heard on `el`. */
function errorsOn(el: Element): HxWsErrorEvent[] {
  const seen: HxWsErrorEvent[] = [];
  el.addEventListener('hx-ws-error', (e) => seen.push(e));
  return seen;
}

/** The console.error lines that start with `hx-ws: ` and contain `text`. */
function lines(stub: sinon.SinonStub, text: string): string[] {
  return stub.args.map((a) => String(a[0])).filter((line) => line.startsWith('hx-ws: ') && line.includes(text));
}

afterEach(() => sinon.restore());

describe('a socket that does not open (connect-timeout)', () => {
  it('reports a socket still connecting after connect-timeout, keeps the queue, retries, and delivers once answered', async () => {
    const ch = new Channel();
    await ch.hold();
    const logged = sinon.stub(console, 'error');
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} connect-timeout="300"></hx-ws-connect>`);
    el.reconnectDelay = () => 50;
    const errors = errorsOn(el);
    el.send('queued while not open');
    await waitUntil(() => errors.length >= 2, 'two attempts timed out', { timeout: 2500 });
    expect(errors.map((e) => e.reason)).to.deep.equal(['connect-timeout', 'connect-timeout']);
    const url = `ws://${location.host}${ch.path()}`;
    expect(errors[0]!.message).to.equal(
      `the socket to ${url} has not opened after 300 ms; still trying (is the path right? nothing answered the upgrade)`,
    );
    expect(errors[0]!.part).to.equal(url);
    expect(lines(logged, 'has not opened'), 'one console.error for the run of timeouts').to.have.length(1);
    expect(el.connection.queued.map((r) => r.frames[0]), 'the queue is kept').to.deep.equal(['queued while not open']);
    expect((await ch.state()).upgrades.length).to.be.at.least(2);
    await ch.hold(false);
    const [frame] = await ch.waitFrames(1);
    expect(frame!.text).to.equal('queued while not open');
    expect(el.readyState).to.equal(WebSocket.OPEN);
  });

  it('gives up after max-retries, saying so; 0 turns the timeout off', async () => {
    const ch = new Channel();
    await ch.hold();
    sinon.stub(console, 'error');
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} connect-timeout="200" max-retries="0"></hx-ws-connect>`);
    const errors = errorsOn(el);
    const closes: (number | null)[] = [];
    el.addEventListener('hx-ws-close', (e) => closes.push(e.reconnectDelay));
    await waitUntil(() => errors.length === 1, 'timed out', { timeout: 2000 });
    expect(errors[0]!.message).to.match(/has not opened after 200 ms; not trying again by itself \(/);
    expect(closes).to.deep.equal([null]);
    expect(el.connection.status).to.equal('idle');

    const off = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} connect-timeout="0"></hx-ws-connect>`);
    const none = errorsOn(off);
    await new Promise((r) => setTimeout(r, 400));
    expect(none).to.deep.equal([]);
    expect(off.readyState).to.equal(WebSocket.CONNECTING);
    off.remove();
    await ch.hold(false);
  });

  it('hx-ws-connect-timeout sets it in attribute mode', async () => {
    expect(shim.elements).to.be.instanceOf(Set);
    const ch = new Channel();
    await ch.hold();
    sinon.stub(console, 'error');
    const root = await fixture(html`<div hx-ws=${`connect:${ch.path()}`} hx-ws-connect-timeout="200" hx-ws-max-retries="0"></div>`);
    const errors = errorsOn(root);
    await waitUntil(() => errors.length === 1, 'timed out', { timeout: 2000 });
    expect(errors[0]!.reason).to.equal('connect-timeout');
    expect(connectionOf(root)!.status).to.equal('idle');
    root.remove();
    await ch.hold(false);
  });
});
