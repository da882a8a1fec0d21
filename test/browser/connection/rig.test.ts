import { expect } from '@open-wc/testing';
import { Channel } from '../../support/server.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

describe('test rig', () => {
  it('a real ws server on the page origin records frames and counts sockets', async () => {
    const ch = new Channel();
    const ws = new WebSocket(`ws://${location.host}${ch.path('?greet=hello')}`);
    const greeting = await new Promise<string>((resolve) => ws.addEventListener('message', (e) => resolve(e.data)));
    expect(greeting).to.equal('hello');
    ws.send('one');
    ws.send(new Uint8Array([0, 1, 255]));
    const frames = await ch.waitFrames(2);
    expect(frames[0]).to.include({ binary: false, text: 'one' });
    expect(frames[1]).to.include({ binary: true, base64: 'AAH/' });
    const s = await ch.waitOpen(1, 1);
    expect(s.upgrades[0].origin).to.equal(location.origin);
    const closed = new Promise<CloseEvent>((r) => ws.addEventListener('close', r));
    await ch.drop();
    expect((await closed).code).to.equal(1006);
  });
});
