// A page written for htmx 4's hx-ws with an <input type=file>, against the real server helper
// (/hx/<channel> records each delivered request with its files' sha256): with
// hx-ws-elements/htmx4 the bytes arrive sha256-equal in both encodings. htmx 4's extension sends
// the file as `{}`: the deliberate difference, tested too. And a queue that is full is reported.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import { defineHxWsExtension } from '../../../../src/htmx4.js';
import { Channel } from '../../../support/server.js';
import { mount, unmountAll } from '../../../support/modes.js';
import { htmx, loadScript, unloadHtmx } from '../../../support/scripts.js';
import { binaryFile, setFiles, sha256 } from '../../../support/send.support.js';

let scripts: HTMLScriptElement[] = [];
afterEach(async () => {
  unmountAll();
  await new Promise((r) => setTimeout(r, 20));
  for (const s of scripts.reverse()) unloadHtmx(s);
  scripts = [];
  sinon.restore();
});

async function page(ch: Channel, path: string, attrs = ''): Promise<HTMLElement> {
  const box = mount(`<div hx-ws:connect="${path}"><form hx-ws:send ${attrs}><input name="note" value="hi"><input type="file" name="photo"><button id="go">send</button></form></div>`);
  (htmx() as unknown as { process(el: Element): void }).process(box);
  await waitUntil(async () => (await ch.state()).open === 1, 'open', { timeout: 3000 });
  return box;
}

describe('a page written for htmx 4 hx-ws sends a file input', () => {
  for (const encoding of [null, 'multipart/json-files-inline']) {
    it(`with hx-ws-elements/htmx4 the server helper gets the bytes, sha256-equal (${encoding ?? 'default: oob'})`, async () => {
      scripts = [await loadScript('/node_modules/htmx4/dist/htmx.js')];
      expect(defineHxWsExtension()).to.equal(true);
      const ch = new Channel();
      const box = await page(ch, ch.hxPath(), encoding ? `hx-encoding="${encoding}"` : '');
      const file = binaryFile(150_000);
      setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, file);
      box.querySelector<HTMLButtonElement>('#go')!.click();
      await waitUntil(async () => (await ch.deliveries()).length === 1, 'delivered', { timeout: 5000 });
      const [d] = await ch.deliveries();
      expect(d!.values.note).to.equal('hi');
      const [f] = d!.files;
      expect([f!.field, f!.name, f!.length]).to.deep.equal(['photo', 'photo.bin', 150_000]);
      expect(f!.sha256).to.equal(await sha256(file));
    });
  }

  it("with htmx 4's extension the file becomes {} (the difference docs/migrating.md names)", async () => {
    scripts = [await loadScript('/node_modules/htmx4/dist/htmx.js'), await loadScript('/node_modules/htmx4/dist/ext/hx-ws.js')];
    const ch = new Channel();
    const box = await page(ch, ch.path());
    setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, binaryFile(1000));
    box.querySelector<HTMLButtonElement>('#go')!.click();
    await waitUntil(async () => (await ch.frames()).length === 1, 'one frame', { timeout: 3000 });
    const frames = await ch.frames();
    expect(frames.every((f) => !f.binary)).to.equal(true);
    const sent = JSON.parse(frames[0]!.text!) as Record<string, unknown>;
    expect(sent.note).to.equal('hi');
    expect(sent.photo).to.deep.equal({});
  });

  it('hx-ws-elements/htmx4: a send held by waitUntil() goes as JSON only, its file left out and reported', async () => {
    scripts = [await loadScript('/node_modules/htmx4/dist/htmx.js')];
    expect(defineHxWsExtension()).to.equal(true);
    sinon.stub(console, 'error');
    const ch = new Channel();
    const box = await page(ch, ch.path());
    const errors: string[] = [];
    box.addEventListener('hx-ws-error', (e) => errors.push((e as unknown as { reason: string }).reason));
    const hold = (e: Event) => (e as CustomEvent).detail.waitUntil(Promise.resolve());
    document.addEventListener('htmx:ws:before:message:outgoing', hold);
    try {
      setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, binaryFile(1000));
      box.querySelector<HTMLButtonElement>('#go')!.click();
      await waitUntil(async () => (await ch.frames()).length === 1, 'one frame', { timeout: 3000 });
      await new Promise((r) => setTimeout(r, 100));
      const frames = await ch.frames();
      expect(frames).to.have.length(1);
      expect(JSON.parse(frames[0]!.text!).note).to.equal('hi');
      expect(errors).to.deep.equal(['file-rejected']);
    } finally {
      document.removeEventListener('htmx:ws:before:message:outgoing', hold);
    }
  });

  it('hx-ws-elements/htmx4: a full queue (hx-ws:queue-limit) is one htmx:ws:error; the rest goes once open', async () => {
    scripts = [await loadScript('/node_modules/htmx4/dist/htmx.js')];
    expect(defineHxWsExtension()).to.equal(true);
    sinon.stub(console, 'error');
    const ch = new Channel();
    await ch.hold(true);
    const errors: CustomEvent[] = [];
    const onError = (e: Event) => errors.push(e as CustomEvent);
    document.addEventListener('htmx:ws:error', onError);
    try {
      const box = mount(`<div hx-ws:connect="${ch.path()}" hx-ws:queue-limit="2"><button id="b" hx-ws:send>go</button></div>`);
      (htmx() as unknown as { process(el: Element): void }).process(box);
      await waitUntil(async () => (await ch.state()).upgrades.length === 1, 'upgrade held');
      for (let i = 0; i < 3; i++) box.querySelector<HTMLButtonElement>('#b')!.click();
      await waitUntil(() => errors.length === 1, 'overflow reported');
      expect(errors[0]!.detail.reason).to.equal('queue-overflow');
      expect((errors[0]!.detail.connection as { queue: unknown[] }).queue).to.have.length(2);
      await ch.hold(false);
      await waitUntil(async () => (await ch.frames()).length === 2, 'two queued sends');
    } finally {
      document.removeEventListener('htmx:ws:error', onError);
    }
  });
});
