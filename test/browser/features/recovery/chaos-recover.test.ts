// Chaos in recovery mode: the run of chaos.test.ts (500 requests, a third with files, and 500
// swaps, while the server drops the page's socket at random: TCP reset, 1012, 1013, and a clean
// 1000 after which the test calls reconnect()), against the helper with recovery on (`/hxr/`),
// the swaps sent to the page's room. The promise is stronger than ack mode's: every request
// reaches the handler exactly once (none reported), every swap is applied exactly once, in order.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import type { HxWsOpenEvent } from '../../../../src/events.js';
import { Channel } from '../../../support/server.js';
import { opened } from '../../../support/events.js';
import { CHAOS_SWAP as SWAP, expectWhole, fault, newFaults, seeded, sendingPage, sendRandomly } from '../../../support/reliability.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

const SEED = 0x5eed2027;
const REQUESTS = 500;
const SWAPS = 500;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos, recovery mode', () => {
  beforeEach(() => sinon.stub(console, 'error'));
  afterEach(() => sinon.restore());

  it(`${REQUESTS} requests and ${SWAPS} swaps under random socket faults: 0 lost and 0 duplicated, both ways`, async function () {
    this.timeout(90_000);
    const sendRand = seeded(SEED);
    const chaosRand = seeded(SEED + 1);
    const delayRand = seeded(SEED + 2);
    const ch = new Channel();
    const page = await sendingPage(ch, { queueLimit: REQUESTS, reconnectDelay: () => 2 + delayRand() * 20 }, false, true);
    const { conn } = page;
    const opens: HxWsOpenEvent[] = [];
    conn.addEventListener('hx-ws-open', (e) => opens.push(e));
    conn.addEventListener('hx-ws-close', (e) => {
      if (e.reason === 'chaos-clean') {
        setTimeout(() => {
          if (conn.readyState === WebSocket.CLOSED) conn.reconnect();
        }, 5);
      }
    });
    await opened(conn);
    await waitUntil(async () => (await ch.recoveries()).length === 1, 'in its room', { timeout: 5000 });

    const { kinds, sending, done: sent } = sendRandomly(page, REQUESTS, sendRand);
    let pushed = 0;
    const faults = newFaults();
    while (sending() || pushed < SWAPS) {
      await sleep(5 + chaosRand() * 30);
      const r = chaosRand();
      if (r < 0.45) {
        const count = Math.min(SWAPS - pushed, 1 + Math.floor(chaosRand() * 12));
        if (count > 0) await ch.roomcast(pushed, count, SWAP);
        pushed += count;
      } else if (sending()) await fault(ch, r, faults);
    }
    await sent;

    const log = conn.querySelector('#log')!;
    const applied = () => [...log.children].map((li) => Number(li.getAttribute('data-n')));
    await waitUntil(() => applied().length >= SWAPS, `every swap applied (${applied().length})`, { timeout: 15_000 });
    await waitUntil(
      () => conn.connection.queued.length === 0 && conn.connection.unconfirmed.length === 0 && conn.readyState === WebSocket.OPEN,
      'every request confirmed',
      { timeout: 15_000 },
    );
    await waitUntil(async () => (await ch.state()).deliveryCount >= REQUESTS, 'every request delivered', { timeout: 15_000 });
    await sleep(200);

    const deliveries = await ch.deliveries();
    const count = new Map<number, number>();
    for (const d of deliveries) count.set(Number(d.rid), (count.get(Number(d.rid)) ?? 0) + 1);
    const twice = [...count].filter(([, n]) => n > 1).map(([rid]) => rid);
    const lost = Array.from({ length: REQUESTS }, (_, rid) => rid).filter((rid) => !count.has(rid));
    const summary =
      `chaos recover: seed ${SEED}; ${deliveries.length} delivered, faults ${JSON.stringify(faults)}, ` +
      `${opens.length} opens (${opens.filter((e) => e.recovered).length} recovered), ${(await ch.state()).total} sockets; ${applied().length} swaps applied`;
    this.test!.title += ` [${summary}]`;
    expect(faults.drop + faults[1012] + faults[1013] + faults[1000], 'the run had faults').to.be.greaterThan(10);
    expect(opens.slice(1).filter((e) => !e.recovered).length, 'every reconnect recovered').to.equal(0);
    expect(lost, 'requests lost').to.deep.equal([]);
    expect(twice, 'requests handled twice').to.deep.equal([]);
    expect(page.errors.filter((e) => e.reason !== 'socket').map((e) => `${e.reason}: ${e.message}`)).to.deep.equal([]);
    const rids = deliveries.map((d) => Number(d.rid));
    expect(rids, 'handled in the order sent').to.deep.equal([...rids].sort((a, b) => a - b));
    for (const d of deliveries) await expectWhole(d, kinds[Number(d.rid)]);
    expect(applied(), 'every swap once, in order').to.deep.equal(Array.from({ length: SWAPS }, (_, i) => i));
  });
});
