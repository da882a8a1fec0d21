// The settings table, in both modes from one table of cases: a value that does not parse is one
// error naming its attribute, and the default applies; `hx-trigger` changes re-wire; a raw send
// keeps its place behind a send still reading files; settled markup has no empty `class`.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/upgrade.js';
import { config } from '../../../src/config.js';
import type { HxWsErrorEvent } from '../../../src/events.js';
import { CONNECT_SETTINGS, SEND_SETTINGS } from '../../../src/settings.js';
import { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import { HxWsSendElement } from '../../../src/elements/send-element.js';
import { Channel } from '../../support/server.js';
import { connection, modes, mount, openRoom, unmountAll, whenOpen, keepPageOnSubmit } from '../../support/modes.js';
import { setFiles, textFile } from '../../support/send.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

keepPageOnSubmit();

afterEach(() => {
  unmountAll();
  sinon.restore();
  config.wsReconnectDelay = undefined;
});

describe('the settings table', () => {
  it('names every element property with its attribute, as the elements declare them', () => {
    const check = (cls: typeof HxWsConnectElement | typeof HxWsSendElement, rows: readonly { property: string; attribute: string | null }[]) => {
      const props = cls.elementProperties;
      for (const row of rows) {
        const declared = props.get(row.property as never);
        expect(declared, row.property).to.not.equal(undefined);
        const attribute = declared!.attribute === false ? null : typeof declared!.attribute === 'string' ? declared!.attribute : row.property.toLowerCase();
        expect(attribute, row.property).to.equal(row.attribute);
      }
    };
    check(HxWsConnectElement, CONNECT_SETTINGS);
    check(HxWsSendElement, SEND_SETTINGS);
  });
});

for (const mode of modes) {
  describe(`settings (${mode.name} mode)`, () => {
    for (const name of ['maxRetries', 'queueLimit'] as const) {
      it(`${name} given garbage is one bad-limit error naming it; reconnects and queueing keep their defaults`, async () => {
        const errors = sinon.stub(console, 'error');
        config.wsReconnectDelay = () => 0;
        const ch = new Channel();
        const seen: HxWsErrorEvent[] = [];
        const attribute = mode.attribute(name);
        const box = mount(mode.connect({ id: 'room', url: ch.path(), attrs: `${attribute}="x"` }), (b) =>
          b.addEventListener('hx-ws-error', (e) => seen.push(e)),
        );
        const room = box.querySelector('#room')!;
        await whenOpen(room);
        // The socket drops: a reconnect follows (a NaN limit used to switch them off).
        const reopened = new Promise((r) => room.addEventListener('hx-ws-open', r, { once: true }));
        await ch.drop();
        await reopened;
        await ch.waitOpen(1, 2);
        // Requests queue while not open with the default limit (100), none is dropped.
        connection(room).reconnect();
        expect(connection(room).readyState).to.equal(WebSocket.CONNECTING);
        for (let i = 0; i < 3; i++) connection(room).send(`m${i}`);
        expect(connection(room).queued).to.have.length(3);
        const limits = seen.filter((e) => e.reason === 'bad-limit');
        expect(limits).to.have.length(1);
        expect(limits[0]!.message).to.contain(attribute).and.contain("'x'");
        expect(limits[0]!.part).to.equal('x');
        expect(errors.args.filter((a) => String(a[0]).includes(attribute))).to.have.length(1);
      });
    }

    for (const [name, value] of [['maxFiles', 'many'], ['maxFileSize', 'lots']] as const) {
      it(`${name} given garbage is a bad-limit error naming it at each send; nothing is sent`, async () => {
        sinon.stub(console, 'error');
        const ch = new Channel();
        const attribute = mode.attribute(name);
        const { box } = await openRoom(mode, {
          url: ch.path(),
          inner: mode.sendWith({ inner: '<input name="a" value="1"><button>go</button>' }, `${attribute}="${value}"`),
        });
        const seen: HxWsErrorEvent[] = [];
        box.addEventListener('hx-ws-error', (e) => seen.push(e));
        box.querySelector('button')!.click();
        await waitUntil(() => seen.length === 1, 'reported');
        expect(seen[0]!.reason).to.equal('bad-limit');
        expect(seen[0]!.message).to.contain(attribute).and.contain(value);
        await new Promise((r) => setTimeout(r, 100));
        expect((await ch.state()).frameCount).to.equal(0);
      });
    }

    it('changing hx-trigger at run time re-wires the sender', async () => {
      const ch = new Channel();
      const { box } = await openRoom(mode, { url: ch.path(), inner: mode.sendWith({ inner: '<input name="a" value="1">' }, 'hx-trigger="ping"') });
      const sender = box.querySelector(mode.name === 'element' ? 'hx-ws-send' : 'form')!;
      const form = box.querySelector('form')!;
      form.dispatchEvent(new Event('ping', { bubbles: true }));
      await ch.waitFrames(1);
      sender.setAttribute('hx-trigger', 'pong');
      await new Promise((r) => setTimeout(r, 0));
      form.dispatchEvent(new Event('ping', { bubbles: true })); // no longer a trigger
      form.dispatchEvent(new Event('pong', { bubbles: true }));
      const frames = await ch.waitFrames(2);
      await new Promise((r) => setTimeout(r, 100));
      expect((await ch.state()).frameCount).to.equal(2);
      expect(frames.map((f) => JSON.parse(f.text!).a)).to.deep.equal(['1', '1']);
    });

    it('a raw send made while an inline-file send is reading goes out after it', async () => {
      const ch = new Channel();
      const { box, room } = await openRoom(mode, {
        url: ch.path(),
        inner: mode.sendWith({ inner: '<input name="n" value="form"><input type="file" name="f"><button>go</button>' }, 'hx-encoding="multipart/json-files-inline"'),
      });
      const real = File.prototype.text;
      sinon.stub(File.prototype, 'text').callsFake(function (this: File) {
        return new Promise<string>((r) => setTimeout(() => r(real.call(this)), 100));
      });
      setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, textFile('a.txt', 'slow'));
      box.querySelector('button')!.click();
      connection(room).send('raw');
      const frames = await ch.waitFrames(2);
      expect(frames.map((f) => (f.text === 'raw' ? 'raw' : JSON.parse(f.text!).n))).to.deep.equal(['form', 'raw']);
    });

    it('swapped elements carry no empty class attribute after settling', async () => {
      const ch = new Channel();
      const { box } = await openRoom(mode, { url: ch.path(), inner: '<div id="t">old</div><ul id="list"></ul>' });
      await ch.send('<div id="t"><p>new <b>x</b></p></div><ul id="list" hx-swap-oob="beforeend"><li>one</li></ul>');
      await waitUntil(() => box.querySelector('#t p') !== null && box.querySelector('#list li') !== null, 'swapped');
      await waitUntil(() => box.querySelector('.htmx-added') === null, 'settled');
      expect(box.querySelector('#t')!.outerHTML).to.equal('<div id="t"><p>new <b>x</b></p></div>');
      expect(box.querySelector('#list')!.innerHTML).to.equal('<li>one</li>');
      expect(box.querySelectorAll('[class=""]')).to.have.length(0);
    });
  });
}
