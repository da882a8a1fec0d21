// Recovery across processes: the `/hxrr/` channels of the test server are two `attachHxWs`
// servers, A and B, each with its own Redis adapter on one throwaway redis-server, and upgrades
// go to A and B in turn (a load balancer). A page cut off on A comes back on B: its session and
// the log are in Redis. Without redis-server these tests are skipped, loudly (under CI=true the
// test server does not start at all).
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import { Channel } from '../../../support/server.js';
import { MESSAGE, missFifty, missTrimmed, recoveringPage } from '../../../support/recovery.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

describe('recovery through Redis: the page comes back on another server', () => {
  before(async function () {
    const { available, reason } = await new Channel().redis();
    if (!available) {
      console.warn(`\n*** ${reason} ***\n`);
      this.skip();
    }
  });
  beforeEach(() => sinon.stub(console, 'error'));
  afterEach(() => sinon.restore());

  it('cut off on A while 50 messages were sent, it lands on B and gets all 50, in order, once', async () => {
    const ch = new Channel();
    const page = await recoveringPage(ch, undefined, ch.hxrrPath());
    // Every message from A, the server the page left (live ones too, after it is back on B).
    await missFifty(ch, page, (start, count) => ch.redisRoomcast(start, count, MESSAGE, 'a'), async () => {
      expect(await ch.landed(), 'first on A, then on B').to.deep.equal(['a', 'b']);
    }, 100);
  });

  it('a position the stream trimmed away: recovered false on B, the snapshot hook ran, no partial replay', async () => {
    const ch = new Channel();
    const page = await recoveringPage(ch, undefined, ch.hxrrPath());
    // 600 messages to the page's room while it is down: the stream keeps about 200.
    await missTrimmed(ch, page, (start, count) => ch.redisRoomcast(start, count, MESSAGE, 'a'), 600, async () => {
      expect(await ch.landed()).to.deep.equal(['a', 'b']);
    });
  });
});
