// Every swap style, through a real socket message, in both modes from one table.
import { expect, waitUntil } from '@open-wc/testing';
import '../../../../src/upgrade.js';
import type { HxWsOobErrorNoTargetEvent } from '../../../../src/events.js';
import { next } from '../../../support/events.js';
import { Channel } from '../../../support/server.js';
import { modes, openRoom, settledHtml, unmountAll } from '../../../support/modes.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

afterEach(() => {
  unmountAll();
});

// [label, markup of #area before, the message, #area after (settle class left out)]
const cases: [string, string, string, string][] = [
  ['outerHTML by id (no hx-swap-oob)', '<p id="t">old</p><p>x</p>', '<p id="t" class="n">new</p>', '<p id="t" class="n">new</p><p>x</p>'],
  ['hx-swap-oob="true"', '<p id="t">old</p>', '<p id="t" hx-swap-oob="true">new</p>', '<p id="t">new</p>'],
  ['outerHTML with a selector', '<i class="m">1</i><b>x</b><i class="m">2</i>', '<em hx-swap-oob="outerHTML:#area .m">n</em>', '<em>n</em><b>x</b><em>n</em>'],
  ['innerHTML', '<div id="t"><i>old</i></div>', '<section id="t" hx-swap-oob="innerHTML"><b>1</b>two</section>', '<div id="t"><b>1</b>two</div>'],
  ['beforebegin', '<div id="t"><i>a</i></div>', '<div id="t" hx-swap-oob="beforebegin"><b>N</b></div>', '<b>N</b><div id="t"><i>a</i></div>'],
  ['afterbegin', '<div id="t"><i>a</i></div>', '<div id="t" hx-swap-oob="afterbegin"><b>N</b></div>', '<div id="t"><b>N</b><i>a</i></div>'],
  ['beforeend', '<div id="t"><i>a</i></div>', '<div id="t" hx-swap-oob="beforeend"><b>N</b></div>', '<div id="t"><i>a</i><b>N</b></div>'],
  ['afterend', '<div id="t"><i>a</i></div>', '<div id="t" hx-swap-oob="afterend"><b>N</b></div>', '<div id="t"><i>a</i></div><b>N</b>'],
  ['beforeend with a selector (every match)', '<ul class="m"></ul><ul class="m"></ul>', '<div hx-swap-oob="beforeend:#area .m"><li>N</li></div>', '<ul class="m"><li>N</li></ul><ul class="m"><li>N</li></ul>'],
  ['delete', '<p id="t">x</p><p id="k">keep</p>', '<p id="t" hx-swap-oob="delete"></p>', '<p id="k">keep</p>'],
  ['delete with a selector', '<i class="m">1</i><b>k</b><i class="m">2</i>', '<div hx-swap-oob="delete:#area .m"></div>', '<b>k</b>'],
  ['none', '<p id="t">x</p>', '<p id="t" hx-swap-oob="none">y</p>', '<p id="t">x</p>'],
  ['textContent', '<p id="t"><u>old</u></p>', '<p id="t" hx-swap-oob="textContent"><b>bold</b> &lt;i&gt;</p>', '<p id="t">bold &lt;i&gt;</p>'],
  ['data-hx-swap-oob', '<ul id="t"><li>a</li></ul>', '<ul id="t" data-hx-swap-oob="beforeend"><li>b</li></ul>', '<ul id="t"><li>a</li><li>b</li></ul>'],
  ['several fragments, text between them ignored', '<p id="a">1</p><p id="b">2</p>', 'x <p id="a">A</p> y <p id="b">B</p> z', '<p id="a">A</p><p id="b">B</p>'],
  ['a table row', '<table><tbody><tr id="t"><td>1</td></tr></tbody></table>', '<tr id="t"><td>uno</td></tr>', '<table><tbody><tr id="t"><td>uno</td></tr></tbody></table>'],
  ['a full document', '<p id="t">old</p>', '<!doctype html><html><head><title>x</title></head><body><p id="t">new</p></body></html>', '<p id="t">new</p>'],
];

for (const mode of modes) {
  describe(`swap through the socket (${mode.name} mode)`, () => {
    for (const [label, before, message, after] of cases) {
      it(label, async () => {
        const ch = new Channel();
        const { box, room } = await openRoom(mode, { url: ch.path(), inner: `<div id="area">${before}</div>` });
        const done = next(room, 'hx-ws-after-message');
        await ch.send(message);
        expect((await done).swapped).to.equal(true);
        expect(settledHtml(box.querySelector('#area')!)).to.equal(after);
      });
    }

    it('new content carries htmx-added until it settles', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<p id="t">old</p>' });
      const done = next(room, 'hx-ws-oob-after-swap');
      await ch.send('<p id="t">new</p>');
      await done;
      const fresh = box.querySelector('#t')!;
      expect(fresh.classList.contains('htmx-added')).to.equal(true);
      await waitUntil(() => !fresh.classList.contains('htmx-added'), 'settled', { timeout: 1000 });
    });

    it('a fragment with no target is oob-error-no-target on the connecting element; the rest swaps', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, { url: ch.path(), inner: '<p id="here">old</p>' });
      const missing: HxWsOobErrorNoTargetEvent[] = [];
      room.addEventListener('hx-ws-oob-error-no-target', (e) => missing.push(e));
      const done = next(room, 'hx-ws-after-message');
      await ch.send('<p id="gone">x</p><p id="here">new</p>');
      await done;
      expect(missing.map((e) => e.selector)).to.deep.equal(['#gone']);
      expect(box.querySelector('#here')!.textContent).to.equal('new');
    });

    it('a swapped script runs once', async () => {
      const win = window as unknown as { __shimRuns?: number };
      win.__shimRuns = 0;
      try {
        const ch = new Channel();
        const { room } = await openRoom(mode, { url: ch.path(), inner: '<div id="s"></div>' });
        const done = next(room, 'hx-ws-after-message');
        await ch.send('<div id="s"><script>window.__shimRuns++</script></div>');
        await done;
        expect(win.__shimRuns).to.equal(1);
      } finally {
        delete win.__shimRuns;
      }
    });
  });
}
