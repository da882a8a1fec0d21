// A server that refuses every upgrade (here: `authenticate` on /hxa/ without a token, HTTP 401)
// looks to a browser like any failed socket (1006). After `warn-after` (5) such sockets in a
// row the page says once what to check, not once per retry; an open ends the run.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/full.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsCloseEvent } from '../../../src/events.js';
import { Channel } from '../../support/server.js';

afterEach(() => sinon.restore());

/** The console.error lines that say the server refuses or is absent. */
const warnings = (logged: sinon.SinonStub) => logged.getCalls().filter((c) => String(c.args[0]).includes('closed before they opened'));

describe('the page says when its sockets never open', () => {
  it('after 5 refused upgrades in a row: one line naming the path, allowedHosts / origins and authenticate; not one per retry', async () => {
    const logged = sinon.stub(console, 'error');
    const ch = new Channel();
    const closes: HxWsCloseEvent[] = [];
    const el = await fixture<HxWsConnectElement>(
      html`<hx-ws-connect url=${ch.hxaPath()} .reconnectDelay=${() => 10} @hx-ws-close=${(e: HxWsCloseEvent) => closes.push(e)}></hx-ws-connect>`,
    );
    await waitUntil(() => closes.length >= 4, '4 failures', { timeout: 10_000 });
    expect(warnings(logged), 'not yet after 4').to.have.length(closes.length >= 5 ? 1 : 0);
    await waitUntil(() => closes.length >= 9, '9 failures', { timeout: 10_000 });
    const said = warnings(logged);
    expect(said).to.have.length(1);
    const line = String(said[0]!.args[0]);
    expect(line).to.match(/^hx-ws: 5 sockets in a row to ws:\/\/[^ ]+\/hxa\/[^ ]+ closed before they opened: the server refuses the upgrade or nothing serves that path\./);
    for (const word of ['path', 'allowedHosts', 'origins', 'authenticate']) expect(line).to.contain(word);
    expect((await ch.authState()).length, 'the server refused each one').to.be.at.least(9);
    expect(closes.every((e) => e.code === 1006)).to.equal(true);
    el.remove();
  });

  it('warn-after="2" says it after 2; warn-after="0" never; an open starts the count again', async () => {
    const logged = sinon.stub(console, 'error');
    const ch = new Channel();
    const closes: HxWsCloseEvent[] = [];
    const el = await fixture<HxWsConnectElement>(
      html`<hx-ws-connect warn-after="2" url=${ch.hxaPath()} .reconnectDelay=${() => 10} @hx-ws-close=${(e: HxWsCloseEvent) => closes.push(e)}></hx-ws-connect>`,
    );
    await waitUntil(() => closes.length >= 2, '2 failures', { timeout: 10_000 });
    await waitUntil(() => warnings(logged).length === 1, 'said after 2', { timeout: 2000 });
    expect(String(warnings(logged)[0]!.args[0])).to.match(/^hx-ws: 2 sockets in a row/);
    // A valid token: it opens, and the run ends; refused again, the count starts from zero.
    let token: string | null = 'ann.1';
    el.url = () => ch.hxaPath(token ? `?token=${token}` : '');
    await waitUntil(() => el.connection.status === 'open', 'opened', { timeout: 10_000 });
    token = null;
    const before = closes.length;
    el.reconnect();
    await waitUntil(() => closes.length >= before + 4, 'four more failures', { timeout: 10_000 });
    expect(warnings(logged), 'said again once for the new run').to.have.length(2);
    el.remove();

    const quiet = sinon.stub();
    logged.callsFake(quiet);
    const ch2 = new Channel();
    const closes2: HxWsCloseEvent[] = [];
    const el2 = await fixture<HxWsConnectElement>(
      html`<hx-ws-connect warn-after="0" url=${ch2.hxaPath()} .reconnectDelay=${() => 10} @hx-ws-close=${(e: HxWsCloseEvent) => closes2.push(e)}></hx-ws-connect>`,
    );
    await waitUntil(() => closes2.length >= 6, '6 failures', { timeout: 10_000 });
    expect(quiet.getCalls().filter((c) => String(c.args[0]).includes('closed before they opened'))).to.have.length(0);
    el2.remove();
  });
});
