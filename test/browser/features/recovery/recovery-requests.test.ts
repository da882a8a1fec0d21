// Requests across drops in recover mode (`/hxr/`): 100 requests, while the server cuts the TCP
// connection right after the handler was given every 10th request (before its ack could go out)
// and at random moments besides. Each request must reach the handler exactly once: the ones
// that were unacknowledged at a drop are sent again after the recovered reconnect, and the
// server skips an id the session's handler already had.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import type { HxWsOpenEvent } from '../../../../src/events.js';
import { Channel } from '../../../support/server.js';
import { opened } from '../../../support/events.js';
import { expectWhole, seeded, sendingPage, sendRandomly } from '../../../support/reliability.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

const REQUESTS = 100;
const SEED = 0x100d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recovery: requests across drops', () => {
  beforeEach(() => sinon.stub(console, 'error'));
  afterEach(() => sinon.restore());

  it(`${REQUESTS} requests sent across random drops reach the handler exactly once each, in order`, async function () {
    this.timeout(60_000);
    const rand = seeded(SEED);
    const ch = new Channel();
    const page = await sendingPage(ch, { queueLimit: REQUESTS, reconnectDelay: () => 5 + rand() * 20 }, false, true);
    const { conn } = page;
    const opens: HxWsOpenEvent[] = [];
    conn.addEventListener('hx-ws-open', (e) => opens.push(e));
    await opened(conn);
    await waitUntil(async () => (await ch.recoveries()).length === 1, 'in its room', { timeout: 5000 });
    await ch.dropAfterDelivery(10);

    const { kinds, sending, done } = sendRandomly(page, REQUESTS, rand);
    let drops = 0;
    while (sending()) {
      await sleep(20 + rand() * 80);
      if (rand() < 0.3) {
        await ch.drop();
        drops += 1;
      }
    }
    await done;
    await waitUntil(
      () => conn.connection.queued.length === 0 && conn.connection.unconfirmed.length === 0 && conn.readyState === WebSocket.OPEN,
      'every request confirmed',
      { timeout: 15_000 },
    );
    await waitUntil(async () => (await ch.state()).deliveryCount >= REQUESTS, 'every request delivered', { timeout: 15_000 });
    await ch.dropAfterDelivery(0);
    await sleep(200);

    const deliveries = await ch.deliveries();
    const rids = deliveries.map((d) => Number(d.rid));
    this.test!.title += ` [${drops} random drops, ${opens.length} opens, ${(await ch.state()).total} sockets]`;
    // Ten cuts are due; one may find its socket cut already by a random drop.
    expect((await ch.state()).total, 'the socket was cut again and again').to.be.greaterThan(5);
    expect(opens.slice(1).filter((e) => !e.recovered).length, 'every reconnect recovered').to.equal(0);
    expect(rids, 'each request once, in the order sent').to.deep.equal(Array.from({ length: REQUESTS }, (_, i) => i));
    expect(page.errors.filter((e) => e.reason !== 'socket').map((e) => `${e.reason}: ${e.message}`)).to.deep.equal([]);
    for (const d of deliveries) await expectWhole(d, kinds[Number(d.rid)]);
  });
});
