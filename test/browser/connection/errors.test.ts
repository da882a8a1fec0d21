import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/index.js';
import { shim } from '../../../src/upgrade.js';
import { connectionOf } from '../../../src/connection/socket-connection.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsErrorEvent } from '../../../src/events.js';
import { Channel } from '../../support/server.js';
import { engine, seenCloseCode } from '../../support/engine.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

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

  it('a path that no server listener takes gets an HTTP error, and the page hears of it', async () => {
    sinon.stub(console, 'error');
    // The test server's helpers answer 404 to an upgrade nobody took, after unclaimedUpgradeMs (3 s).
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url="/wss-nowhere" max-retries="0"></hx-ws-connect>`);
    const errors = errorsOn(el);
    const closed = new Promise<number>((r) => el.addEventListener('hx-ws-close', (e) => r(e.code), { once: true }));
    const started = performance.now();
    expect(await closed).to.equal(1006);
    expect(performance.now() - started, 'answered before connect-timeout').to.be.below(9000);
    expect(errors.map((e) => e.reason)).to.deep.equal(['socket']);
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

describe('the server closing the socket, in words', () => {
  it('a file over the server limit: send-interrupted gives the close code and the server reason', async () => {
    const logged = sinon.stub(console, 'error');
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url="/chat"><hx-ws-send>
      <form><input type="file" name="files"><button>go</button></form></hx-ws-send></hx-ws-connect>`);
    await waitUntil(() => el.readyState === WebSocket.OPEN, 'open');
    const errors = errorsOn(el);
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(16 * 1024 * 1024 + 1)], 'big.bin'));
    el.querySelector<HTMLInputElement>('input[type=file]')!.files = dt.files;
    el.querySelector('button')!.click();
    await waitUntil(() => errors.length > 0, 'the request is reported', { timeout: 10_000 });
    if (engine === 'firefox') {
      // Firefox's bufferedAmount drops to 0 once the whole frame is handed to the network: the
      // request has left as far as the page can see, so the close is reported as server-closed,
      // with that request, the code and the reason.
      expect(errors.map((e) => e.reason)).to.deep.equal(['server-closed']);
      expect(errors[0]!.message).to.equal(
        'the server closed the socket with 1009 (message too big): field "files": declared size 16777217 exceeds maxFileBytes 16777216',
      );
      expect((errors[0]!.request!.frames[1] as File).name, 'the request is the upload').to.equal('big.bin');
    } else {
      expect(errors.map((e) => e.reason)).to.deep.equal(['send-interrupted']);
      expect(errors[0]!.message).to.match(
        /^the socket closed before request \d+ had left the browser \(\d+ of \d+ bytes\): the server closed it with 1009 \(message too big\): field "files": declared size 16777217 exceeds maxFileBytes 16777216$/,
      );
    }
    expect(lines(logged, 'the server closed')).to.deep.equal([`hx-ws: ${errors[0]!.message}`]);
  });

  it('a raw send that is not JSON: server-closed with 1003, the reason and the last request', async () => {
    const ch = new Channel();
    const logged = sinon.stub(console, 'error');
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.hxPath()}></hx-ws-connect>`);
    await waitUntil(() => el.readyState === WebSocket.OPEN, 'open');
    const errors = errorsOn(el);
    el.send('not json');
    await waitUntil(() => errors.length > 0, 'the close is reported');
    expect(errors.map((e) => e.reason)).to.deep.equal(['server-closed']);
    expect(errors[0]!.message).to.match(/^the server closed the socket with 1003 \(unsupported data\): text frame is not valid JSON \(.+\)$/);
    expect(errors[0]!.request!.frames).to.deep.equal(['not json']);
    expect(lines(logged, 'the server closed')).to.deep.equal([`hx-ws: ${errors[0]!.message}`]);
  });

  it('server-closed for a code that signals a problem; nothing for 1000, 1001, 1012 and 1013', async () => {
    sinon.stub(console, 'error');
    for (const [code, reason, expected] of [
      [1011, 'database down', 'the server closed the socket with 1011 (internal error): database down'],
      [4001, '', 'the server closed the socket with 4001'],
      [1000, 'bye', null],
      [1001, 'bye', null],
      [1012, '', null],
      [1013, '', null],
    ] as const) {
      const ch = new Channel();
      const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} max-retries="0"></hx-ws-connect>`);
      await waitUntil(() => el.readyState === WebSocket.OPEN, 'open');
      const errors = errorsOn(el);
      const closed = new Promise((r) => el.addEventListener('hx-ws-close', r, { once: true }));
      await ch.close(code, reason);
      await closed;
      // WebKit turns 1012 and 1013 into a failed socket (an error event, then 1006): that
      // 'socket' error is the engine's, not a verdict on the close.
      const seen = seenCloseCode(code) === code ? errors : errors.filter((e) => e.reason !== 'socket');
      expect(seen.map((e) => e.message), `close ${code}`).to.deep.equal(expected ? [expected] : []);
      if (expected) expect(errors[0]!.request, 'nothing was sent on it').to.equal(undefined);
      el.remove();
    }
  });
});

describe('a socket on another origin than the page', () => {
  it('the first failure says the page and the socket are on different origins and how to allow it', async () => {
    const ch = new Channel();
    const logged = sinon.stub(console, 'error');
    const other = location.hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
    const url = `ws://${other}:${location.port}${ch.hxPath()}`;
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${url} max-retries="1"></hx-ws-connect>`);
    el.reconnectDelay = () => 0;
    const errors = errorsOn(el);
    await waitUntil(() => errors.length >= 2, 'both attempts failed', { timeout: 5000 });
    const upgrades = (await ch.state()).upgrades;
    expect(upgrades[0]!.origin, 'the server saw the page origin').to.equal(location.origin);
    expect(errors.map((e) => e.reason)).to.deep.equal(['socket', 'socket']);
    const hint =
      `the page (${location.origin}) is on another origin than the socket (ws://${other}:${location.port}): ` +
      `if the server checks Origin, allow ${location.origin} there (origins), or open the page on ${other}:${location.port}`;
    expect(errors[0]!.message).to.equal(`the socket to ${url} reported an error; ${hint}`);
    expect(errors[1]!.message, 'said once per run of failures').to.equal(`the socket to ${url} reported an error`);
    expect(lines(logged, 'reported an error')).to.deep.equal([`hx-ws: ${errors[0]!.message}`]);
  });

  it('no hint for a socket on the page origin', async () => {
    const ch = new Channel();
    await ch.refuse(1);
    sinon.stub(console, 'error');
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()} max-retries="0"></hx-ws-connect>`);
    const errors = errorsOn(el);
    await waitUntil(() => errors.length === 1, 'refused');
    expect(errors[0]!.message).to.equal(`the socket to ws://${location.host}${ch.path()} reported an error`);
  });
});

describe('after the server closes with 1003, 1008 or 1009', () => {
  for (const code of [1003, 1008, 1009]) {
    it(`${code}: no timed retry; the next send opens a new socket and arrives`, async () => {
      sinon.stub(console, 'error');
      const ch = new Channel();
      const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}></hx-ws-connect>`);
      el.reconnectDelay = () => 0; // a timed retry, if there were one, would come at once
      await ch.waitOpen(1, 1);
      const connecting: number[] = [];
      el.addEventListener('hx-ws-connecting', (e) => connecting.push(e.retryCount));
      const closed = new Promise<number | null>((r) => el.addEventListener('hx-ws-close', (e) => r(e.reconnectDelay), { once: true }));
      await ch.close(code, 'go away');
      expect(await closed, 'no reconnect scheduled').to.equal(null);
      await new Promise((r) => setTimeout(r, 300));
      expect(connecting, 'no hx-ws-connecting by itself').to.deep.equal([]);
      expect((await ch.state()).total).to.equal(1);
      el.send(`after ${code}`);
      const [frame] = await ch.waitFrames(1);
      expect(frame!.text).to.equal(`after ${code}`);
      expect(connecting).to.have.length(1);
      expect((await ch.state()).total).to.equal(2);
    });
  }

  it("after the page's own close(), a send opens nothing until reconnect()", async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}></hx-ws-connect>`);
    el.reconnectDelay = () => 0;
    await ch.waitOpen(1, 1);
    el.close();
    await ch.waitOpen(0, 1);
    el.send('after close()');
    await new Promise((r) => setTimeout(r, 300));
    expect((await ch.state()).upgrades, 'no upgrade').to.have.length(1);
    expect(el.connection.status).to.equal('closed');
    expect(el.connection.queued).to.have.length(1);
    el.reconnect();
    const [frame] = await ch.waitFrames(1);
    expect(frame!.text).to.equal('after close()');
    expect((await ch.state()).total).to.equal(2);
  });
});
