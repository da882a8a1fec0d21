// Back-to-back messages: a burst from the server is applied in arrival order, in passes of many
// messages per task, with every message's own events; what goes wrong with one message of a burst
// stays with that message. Both modes, against the real test server.
import { expect, waitUntil } from '@open-wc/testing';
import { connection, modes, openRoom, unmountAll } from '../../support/modes.js';
import { Channel } from '../../support/server.js';
import '../../../src/upgrade.js';
import '../../../src/full.js';

const N = 1000;
const ITEM = '<ol id="log" hx-swap-oob="beforeend"><li>{i}</li></ol>';

/** The numbers in `#log`, in page order. */
const logged = (box: Element): number[] => Array.from(box.querySelectorAll('#log > li'), (li) => Number(li.textContent));
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** The number in a burst message (`<li>7</li>` → 7). */
const numberIn = (data: unknown): number => Number(/<li>(\d+)<\/li>/.exec(String(data))?.[1] ?? NaN);

afterEach(unmountAll);

for (const mode of modes) {
  describe(`a burst of messages (${mode.name} mode)`, () => {
    it(`applies ${N} back-to-back messages in order, each with its before and after events, in far fewer tasks`, async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<ol id="log"></ol>' });
      const events: string[] = [];
      room.addEventListener('hx-ws-before-message', (e) => events.push(`before ${numberIn(e.data)}`));
      room.addEventListener('hx-ws-after-message', (e) => {
        // The message's own swap is in the page when its after event fires.
        const n = numberIn(e.data);
        events.push(`after ${n} ${e.swapped} ${box.querySelector('#log')!.lastElementChild?.textContent === String(n)}`);
      });
      // Mutation records are delivered once per task that made them: one callback per pass.
      let callbacks = 0;
      const observer = new MutationObserver(() => callbacks++);
      observer.observe(box, { childList: true, subtree: true });
      try {
        await ch.flood(N, ITEM);
        await waitUntil(() => logged(box).length === N, `all ${N} swapped`, { timeout: 15_000 });
      } finally {
        observer.disconnect();
      }
      expect(logged(box)).to.deep.equal(upTo(N));
      expect(events).to.deep.equal(upTo(N).flatMap((i) => [`before ${i}`, `after ${i} true true`]));
      expect(callbacks, 'tasks that applied messages').to.be.below(N / 2);
    });

    it('a cancelled message inside a burst is the only one left out', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<ol id="log"></ol>' });
      const after = new Map<number, boolean>();
      room.addEventListener('hx-ws-before-message', (e) => {
        if (numberIn(e.data) % 100 === 50) e.preventDefault();
      });
      room.addEventListener('hx-ws-after-message', (e) => after.set(numberIn(e.data), e.swapped));
      await ch.flood(N, ITEM);
      await waitUntil(() => after.size === N, 'every after event', { timeout: 15_000 });
      const expected = upTo(N).filter((i) => i % 100 !== 50);
      expect(logged(box)).to.deep.equal(expected);
      expect([...after].filter(([, swapped]) => !swapped).map(([i]) => i)).to.deep.equal(upTo(10).map((k) => k * 100 + 50));
    });

    it('a message whose swap throws inside a burst is reported, and the others are applied', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<ol id="log"></ol>' });
      const errors: string[] = [];
      room.addEventListener('hx-ws-error', (e) => errors.push(`${e.reason}: ${e.message}`));
      const swapped: boolean[] = [];
      room.addEventListener('hx-ws-after-message', (e) => swapped.push(e.swapped));
      // Message 100 puts text beside <html>, which the DOM refuses with a throw.
      const frames = upTo(200).map((i) => ITEM.replace('{i}', String(i)));
      frames.splice(100, 0, '<div hx-swap-oob="afterend:html">no</div>');
      const logError = console.error;
      console.error = () => {};
      try {
        await ch.send(...frames);
        await waitUntil(() => swapped.length === 201, 'every message', { timeout: 15_000 });
      } finally {
        console.error = logError;
      }
      expect(logged(box)).to.deep.equal(upTo(200));
      expect(swapped.map((s, i) => (s ? '' : i)).filter((x) => x !== '')).to.deep.equal([100]);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^swap: a message could not be swapped/);
      expect(document.documentElement.nextSibling).to.equal(null);
    });

    it('messages that arrived with the close are applied before the close event', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<ol id="log"></ol>' });
      const order: string[] = [];
      room.addEventListener('hx-ws-after-message', () => order.push('message'));
      const closed = new Promise<void>((resolve) =>
        room.addEventListener('hx-ws-close', () => {
          order.push(`close with ${logged(box).length} applied`);
          resolve();
        }, { once: true }),
      );
      await ch.flood(300, ITEM, 4000);
      await closed;
      expect(logged(box)).to.deep.equal(upTo(300));
      expect(order.at(-1)).to.equal('close with 300 applied');
      expect(order.filter((o) => o === 'message')).to.have.length(300);
    });

    it('a message on an idle page is applied in the task that received it', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<ol id="log"></ol>' });
      // A listener on the socket itself, added after the connection's: it runs in the same task,
      // right after the connection handled the message.
      const atOnce: boolean[] = [];
      connection(room).socket!.addEventListener('message', () => atOnce.push(logged(box).length === atOnce.length + 1));
      for (let i = 0; i < 3; i++) {
        await ch.send(ITEM.replace('{i}', String(i)));
        await waitUntil(() => atOnce.length === i + 1, `message ${i}`);
        await new Promise((r) => setTimeout(r, 50)); // idle again
      }
      expect(atOnce).to.deep.equal([true, true, true]);
    });
  });
}
