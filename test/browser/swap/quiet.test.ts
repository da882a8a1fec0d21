// `quiet` (`hx-ws-quiet` in attribute mode): received messages are swapped without their four
// events, problems are still reported, and the setting is read at each open. Both modes, against
// the real test server.
import { expect, waitUntil } from '@open-wc/testing';
import { connection, modes, openRoom, unmountAll, whenOpen } from '../../support/modes.js';
import { Channel } from '../../support/server.js';
import '../../../src/upgrade.js';
import '../../../src/full.js';

const MESSAGE_EVENTS = ['hx-ws-before-message', 'hx-ws-after-message', 'hx-ws-oob-before-swap', 'hx-ws-oob-after-swap'];
const ITEM = '<ol id="log" hx-swap-oob="beforeend"><li>{i}</li></ol>';
const logged = (box: Element): number[] => Array.from(box.querySelectorAll('#log > li'), (li) => Number(li.textContent));
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Counts the message events that reach `document`, by type, until the returned function is called. */
function countMessageEvents(): { counts: Record<string, number>; stop: () => void } {
  const counts: Record<string, number> = Object.fromEntries(MESSAGE_EVENTS.map((t) => [t, 0]));
  const listener = (e: Event): void => void counts[e.type]!++;
  for (const type of MESSAGE_EVENTS) document.addEventListener(type, listener, true);
  return { counts, stop: () => MESSAGE_EVENTS.forEach((type) => document.removeEventListener(type, listener, true)) };
}

afterEach(unmountAll);

for (const mode of modes) {
  describe(`a quiet connection (${mode.name} mode)`, () => {
    const quiet = mode.attribute('quiet');

    it('applies a burst of messages in order and fires none of their events', async () => {
      const ch = new Channel();
      const { box } = await openRoom(mode, { url: ch.path(), attrs: quiet, inner: '<ol id="log"></ol>' });
      const { counts, stop } = countMessageEvents();
      try {
        await ch.flood(500, ITEM);
        await waitUntil(() => logged(box).length === 500, 'all 500 swapped', { timeout: 15_000 });
      } finally {
        stop();
      }
      expect(logged(box)).to.deep.equal(upTo(500));
      expect(counts).to.deep.equal(Object.fromEntries(MESSAGE_EVENTS.map((t) => [t, 0])));
    });

    it('still reports a fragment without a target, a bad hx-swap-oob and a binary message', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), attrs: quiet, inner: '<p id="ok">old</p>' });
      const problems: string[] = [];
      room.addEventListener('hx-ws-oob-error-no-target', (e) => problems.push(`no target ${e.selector}`));
      room.addEventListener('hx-ws-error', (e) => problems.push(`${e.reason}: ${e.message}`));
      const logError = console.error;
      const logged: unknown[][] = [];
      console.error = (...args: unknown[]) => void logged.push(args);
      try {
        await ch.send('<p id="nowhere">x</p>', '<p id="ok" hx-swap-oob="sideways">x</p>', { base64: 'AQID' }, { base64: 'BAUG' }, '<p id="ok">new</p>');
        await waitUntil(() => box.querySelector('#ok')?.textContent === 'new', 'the last message swapped');
      } finally {
        console.error = logError;
      }
      expect(problems).to.have.length(3);
      expect(problems[0]).to.equal('no target #nowhere');
      expect(problems[1]).to.match(/^swap: hx-swap-oob="sideways" names no known swap style/);
      // Two binary messages, said once: nothing on a quiet connection can take them.
      expect(problems[2]).to.match(/^swap: a binary message arrived on a quiet connection/);
      expect(logged.filter(([line]) => String(line).includes('binary message'))).to.have.length(1);
    });

    it('is read at each open: taken off, the next socket fires the events again', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), attrs: quiet, inner: '<ol id="log"></ol>' });
      const { counts, stop } = countMessageEvents();
      try {
        await ch.send(ITEM.replace('{i}', '0'));
        await waitUntil(() => logged(box).length === 1, 'message 0');
        room.removeAttribute(quiet);
        connection(room).reconnect();
        await whenOpen(room);
        await ch.send(ITEM.replace('{i}', '1'));
        await waitUntil(() => logged(box).length === 2 && counts['hx-ws-after-message'] === 1, 'message 1 and its after event');
      } finally {
        stop();
      }
      expect(logged(box)).to.deep.equal([0, 1]);
      expect(counts).to.deep.equal(Object.fromEntries(MESSAGE_EVENTS.map((t) => [t, 1])));
    });
  });
}
