// Sending in every pairing of the two modes (the mixed pairs are the "mixed use" of the issue):
// values, HEADERS and both file encodings, from one table.
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/upgrade.js';
import { Channel } from '../../../support/server.js';
import { modes, mount, openRoom, unmountAll, whenOpen, type Mode, keepPageOnSubmit } from '../../../support/modes.js';
import { bytesFile, setFiles, sha256, textFile } from '../../../support/send.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

keepPageOnSubmit();

afterEach(() => {
  unmountAll();
  sinon.restore();
});

const T = 1_700_000_000_000;

const controls = `
  <input name="msg" value="hi">
  <input type="checkbox" name="box" checked>
  <select name="tops" multiple><option selected>ham</option><option>egg</option><option selected>olive</option></select>
  <input name="tag" value="a"><input name="tag" value="b">
  <input name="off" value="x" disabled>
  <button name="go" value="save">Save</button>`;

/** A connecting element (`connectMode`) around a form (`sendMode`); resolves once open. */
async function room(connectMode: Mode, sendMode: Mode, formAttrs = '', inner = controls) {
  const ch = new Channel();
  const { box } = await openRoom(connectMode, { url: ch.path(), inner: sendMode.send({ id: 'chat-form', name: 'chat', attrs: formAttrs, inner }) });
  return { ch, box, form: box.querySelector('form')! };
}

for (const connectMode of modes) {
  for (const sendMode of modes) {
    const pair = `${connectMode.name} connect, ${sendMode.name} send`;
    describe(`send (${pair})`, () => {
      it('a submit sends the form values, hx-vals and HEADERS with HX-Target = the connecting element id', async () => {
        const { ch, form } = await room(connectMode, sendMode, `hx-vals='{"extra": 1}' hx-headers='{"X-Token": "abc"}'`);
        form.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        expect(frame!.binary).to.equal(false);
        expect(JSON.parse(frame!.text!)).to.deep.equal({
          msg: 'hi',
          box: 'on',
          tops: ['ham', 'olive'],
          tag: ['a', 'b'],
          go: 'save',
          extra: 1,
          HEADERS: {
            'HX-Request': 'true',
            'HX-Trigger': 'chat-form',
            'HX-Trigger-Name': 'chat',
            'HX-Target': 'room',
            'HX-Current-URL': location.href,
            'X-Token': 'abc',
          },
        });
      });

      it('hx-params and an hx-vals on an ancestor of the form apply', async () => {
        const ch = new Channel();
        const { box } = await openRoom(connectMode, {
          url: ch.path(),
          attrs: `hx-vals='{"from": "ancestor"}'`,
          inner: sendMode.send({ id: 'f', attrs: 'hx-params="not secret"', inner: '<input name="secret" value="s"><input name="open" value="o"><button>go</button>' }),
        });
        box.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        const { HEADERS, ...values } = JSON.parse(frame!.text!);
        expect(values).to.deep.equal({ open: 'o', from: 'ancestor' });
        expect(HEADERS['HX-Target']).to.equal('room');
      });

      it('files, oob (default): descriptors with offsets, then one binary frame per file', async () => {
        const { ch, form } = await room(connectMode, sendMode, '', '<input name="t" value="x"><input type="file" name="one"><input type="file" name="many" multiple><button>go</button>');
        const [one, many] = Array.from(form.querySelectorAll<HTMLInputElement>('input[type=file]'));
        const a = bytesFile('a.bin', new Uint8Array([0, 1, 2, 255]), 'application/octet-stream', T);
        const b = textFile('b.txt', 'bee', 'text/plain', T + 1);
        const c = textFile('c.txt', 'sea', 'text/plain', T + 2);
        setFiles(one!, a);
        setFiles(many!, b, c);
        form.querySelector('button')!.click();
        const frames = await ch.waitFrames(4);
        const { HEADERS, ...values } = JSON.parse(frames[0]!.text!);
        const meta = (f: File, offset: number) => ({ serialization: 'file/oob', offset, name: f.name, lastModified: f.lastModified, size: f.size, type: f.type });
        expect(values).to.deep.equal({ t: 'x', one: meta(a, 0), many: [meta(b, 1), meta(c, 2)] });
        expect(HEADERS['HX-Target']).to.equal('room');
        expect(frames.slice(1).map((f) => f.binary)).to.deep.equal([true, true, true]);
        expect(frames.slice(1).map((f) => f.sha256)).to.deep.equal(await Promise.all([a, b, c].map((f) => sha256(f))));
      });

      it('files, inline (hx-encoding): text and base64 bodies in one frame', async () => {
        const { ch, form } = await room(
          connectMode,
          sendMode,
          'hx-encoding="multipart/json-files-inline"',
          '<input type="file" name="doc"><input type="file" name="pic"><button>go</button>',
        );
        const [doc, pic] = Array.from(form.querySelectorAll<HTMLInputElement>('input[type=file]'));
        const d = textFile('notes.md', '*hi* ünï', 'text/markdown', T);
        const p = bytesFile('p.png', new Uint8Array([137, 80, 78, 71, 0, 255]), 'image/png', T + 1);
        setFiles(doc!, d);
        setFiles(pic!, p);
        form.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        await new Promise((r) => setTimeout(r, 50));
        expect((await ch.frames()).length).to.equal(1);
        const { HEADERS, ...values } = JSON.parse(frame!.text!);
        expect(values).to.deep.equal({
          doc: { serialization: 'file/inline-text', name: 'notes.md', lastModified: T, size: d.size, type: 'text/markdown', body: '*hi* ünï' },
          pic: { serialization: 'file/inline-base64', name: 'p.png', lastModified: T + 1, size: 6, type: 'image/png', body: 'iVBORwD/' },
        });
        expect(HEADERS['HX-Target']).to.equal('room');
      });

      it('an invalid form sends nothing; once valid it sends', async () => {
        const { ch, form } = await room(connectMode, sendMode, '', '<input name="q" required><button>go</button>');
        form.querySelector('button')!.click();
        await new Promise((r) => setTimeout(r, 50));
        expect((await ch.state()).frameCount).to.equal(0);
        form.querySelector('input')!.value = 'ok';
        form.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        expect(JSON.parse(frame!.text!).q).to.equal('ok');
      });
    });
  }
}

describe('send (attribute mode, one element does both)', () => {
  it('hx-ws="connect:... send" on a form connects and sends through its own socket', async () => {
    const ch = new Channel();
    const box = mount(`<form id="both" hx-ws="connect:${ch.path()} send"><input name="q" value="v"><button>go</button></form>`);
    const form = box.querySelector('form')!;
    await whenOpen(form);
    form.querySelector('button')!.click();
    const [frame] = await ch.waitFrames(1);
    const json = JSON.parse(frame!.text!);
    expect(json.q).to.equal('v');
    expect([json.HEADERS['HX-Trigger'], json.HEADERS['HX-Target']]).to.deep.equal(['both', 'both']);
  });

  it('hx-trigger on an hx-ws="send" element sends on that event, and a changed hx-trigger rewires it', async () => {
    const ch = new Channel();
    const box = mount(`<div id="room" hx-ws="connect:${ch.path()}"><input id="q" name="q" value="1" hx-ws="send" hx-trigger="change"></div>`);
    await whenOpen(box.querySelector('#room')!);
    const input = box.querySelector<HTMLInputElement>('#q')!;
    input.dispatchEvent(new Event('change'));
    await ch.waitFrames(1);
    input.setAttribute('hx-trigger', 'keyup');
    await new Promise((r) => setTimeout(r, 0));
    input.value = '2';
    input.dispatchEvent(new Event('change')); // no longer a trigger
    input.dispatchEvent(new KeyboardEvent('keyup'));
    await ch.waitFrames(2);
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.frames()).map((f) => JSON.parse(f.text!).q)).to.deep.equal(['1', '2']);
  });

  it('an hx-ws="send" form with no socket around it fires no-socket-source and one console.error', async () => {
    const logged = sinon.stub(console, 'error');
    const box = mount(`<form hx-ws="send"><input name="a" value="1"><button>go</button></form>`);
    const got = new Promise<Event>((r) => box.addEventListener('hx-ws-no-socket-source', r, { once: true }));
    await new Promise((r) => setTimeout(r, 0));
    box.querySelector('button')!.click();
    const e = (await got) as Event & { values: unknown };
    expect(e.values).to.deep.equal({ a: '1' });
    expect(logged.callCount).to.equal(1);
  });
});
