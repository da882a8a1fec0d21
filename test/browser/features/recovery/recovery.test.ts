// Recovery against the real server helper with recovery on (`/hxr/` channels of the test
// server: a log of 200 messages, every connection in the room named after its channel, a
// snapshot for each connection that was not recovered).
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import type { HxWsConnectElement } from '../../../../src/elements/connect-element.js';
import type { HxWsErrorEvent, HxWsOpenEvent } from '../../../../src/events.js';
import { Channel } from '../../../support/server.js';
import { MESSAGE, missFifty, missTrimmed, range, recoveringPage } from '../../../support/recovery.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

beforeEach(() => sinon.stub(console, 'error'));
afterEach(() => sinon.restore());

/** Every open and error event on the document from now on (the first open may come before a fixture resolves). */
function heard() {
  const opens: HxWsOpenEvent[] = [];
  const errors: HxWsErrorEvent[] = [];
  const onOpen = (e: HxWsOpenEvent) => opens.push(e);
  const onError = (e: HxWsErrorEvent) => errors.push(e);
  document.addEventListener('hx-ws-open', onOpen);
  document.addEventListener('hx-ws-error', onError);
  return {
    opens,
    errors,
    stop() {
      document.removeEventListener('hx-ws-open', onOpen);
      document.removeEventListener('hx-ws-error', onError);
    },
  };
}

describe('recovery: messages sent while the page was down', () => {
  it('a room member cut off while 50 messages were sent gets all 50 after the reconnect, in order, once', async () => {
    const ch = new Channel();
    const page = await recoveringPage(ch);
    await missFifty(ch, page, (start, count) => ch.roomcast(start, count, MESSAGE));
  });

  it('a position the log trimmed away: recovered false, the snapshot hook ran, no partial replay', async () => {
    const ch = new Channel();
    const page = await recoveringPage(ch);
    // 250 messages to the page's room while it is down: the log keeps 200.
    await missTrimmed(ch, page, (start, count) => ch.roomcast(start, count, MESSAGE), 250);
  });

  it('resume-from: messages published between rendering the page and opening its socket are replayed', async () => {
    const ch = new Channel();
    // The room exists once someone is in it: a first page joins it.
    const first = await recoveringPage(ch);
    const rendered = await ch.position();
    await ch.roomcast(0, 10, MESSAGE); // published after "rendering", before the second page's socket
    await waitUntil(() => first.log().length === 10, 'first page live', { timeout: 5000 });
    first.el.parentElement!.remove();
    const opens: HxWsOpenEvent[] = [];
    const onOpen = (e: HxWsOpenEvent) => opens.push(e);
    document.addEventListener('hx-ws-open', onOpen);
    const wrap = await fixture<HTMLDivElement>(html`<div>
      <div id="log"></div>
      <hx-ws-connect recover resume-from=${rendered} url=${ch.hxrPath()}></hx-ws-connect>
    </div>`);
    const log = () => [...wrap.querySelectorAll('#log p')].map((p) => p.textContent!);
    await waitUntil(() => log().length === 10, 'the gap replayed', { timeout: 5000 });
    document.removeEventListener('hx-ws-open', onOpen);
    expect(opens.map((e) => e.recovered)).to.deep.equal([true]);
    expect(log()).to.deep.equal(range(0, 10));
  });
});

describe('recovery: a socket that received nothing for idle-timeout', () => {
  it('is taken for dead, reported, dropped and reconnected, and the reconnect is recovered', async () => {
    const ch = new Channel();
    const { opens, errors, stop } = heard();
    try {
      const wrap = await fixture<HTMLDivElement>(html`<div>
        <div id="snapshot"></div>
        <div id="log"></div>
        <hx-ws-connect recover idle-timeout="400" .reconnectDelay=${() => 20} url=${ch.hxrPath()}></hx-ws-connect>
      </div>`);
      // The snapshot arrives at once, then nothing: after 400 ms the page gives up on the socket.
      await waitUntil(() => opens.length === 2, 'reopened after the idle timeout', { timeout: 5000 });
      expect(errors.map((e) => e.reason)).to.deep.equal(['idle-timeout']);
      expect(opens.map((e) => e.recovered)).to.deep.equal([false, true]);
      await ch.roomcast(0, 3, MESSAGE);
      await waitUntil(() => wrap.querySelectorAll('#log p').length === 3, 'live after the reconnect', { timeout: 5000 });
      wrap.querySelector('hx-ws-connect')!.idleTimeout = 0;
    } finally {
      stop();
    }
  });
});

describe('recovery: a close that ends the connection', () => {
  it('reports the unacknowledged request instead of keeping it for a resend that never comes', async () => {
    const ch = new Channel();
    const page = await recoveringPage(ch);
    const sender = document.createElement('hx-ws-send');
    sender.innerHTML = '<form></form>';
    page.el.append(sender);
    // Over the server's 1 MiB text-frame limit: refused with 1009, which does not reconnect.
    sender.vals = { big: 'x'.repeat(1024 * 1024 + 10) };
    const request = await sender.send();
    expect(request, 'sent').to.not.equal(null);
    await waitUntil(() => page.el.connection.status === 'idle', 'closed by the server', { timeout: 5000 });
    await waitUntil(() => page.errors.some((e) => e.request === request), 'the request reported', { timeout: 5000 });
    expect(page.errors.find((e) => e.request === request)!.reason).to.be.oneOf(['send-unconfirmed', 'send-interrupted']);
  });
});

describe('recovery: a server that does not know the offer', () => {
  it('gets {"HX-Recover":{}} as the first frame; after connect-timeout the page goes on without recovery', async () => {
    const ch = new Channel();
    const { opens, errors, stop } = heard();
    try {
      const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect recover connect-timeout="300" url=${ch.path()}></hx-ws-connect>`);
      el.send('queued until the open');
      await waitUntil(() => opens.length === 1, 'open without recovery', { timeout: 5000 });
      expect(opens[0]!.recovered).to.equal(false);
      expect(errors.map((e) => e.reason)).to.deep.equal(['no-recovery']);
      const frames = await ch.waitFrames(2);
      expect(frames.map((f) => f.text)).to.deep.equal(['{"HX-Recover":{}}', 'queued until the open']);
      expect((await ch.state()).upgrades[0]!.url).to.match(/\?hx-ws-recover=1$/);
    } finally {
      stop();
    }
  });
});
