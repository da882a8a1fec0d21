// A page written for htmx-ext-ws with an <input type=file>, against the real server helper
// (/hx/<channel> records each delivered request with its files' sha256). With
// hx-ws-elements/htmx2 the file arrives byte for byte in both encodings; htmx-ext-ws sends a
// file input as `{}` (htmx-extensions#17): the deliberate difference, tested here too.
import { expect, waitUntil } from '@open-wc/testing';
import { defineWsExtension } from '../../../../src/htmx2.js';
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
});

/** The page as written for htmx-ext-ws, with `encoding` on the form (or none). */
async function page(ch: Channel, path: string, encoding: string | null): Promise<HTMLElement> {
  const box = mount(
    `<div hx-ext="ws" ws-connect="${path}"><form ws-send${encoding ? ` hx-encoding="${encoding}"` : ''}><input name="note" value="hi"><input type="file" name="photo"><button id="go">send</button></form></div>`,
  );
  (htmx() as unknown as { process(el: Element): void }).process(box);
  await waitUntil(async () => (await ch.state()).open === 1, 'open', { timeout: 3000 });
  return box;
}

describe('a page written for htmx-ext-ws sends a file input', () => {
  for (const encoding of [null, 'multipart/json-files-inline']) {
    it(`with hx-ws-elements/htmx2 the server helper gets the bytes, sha256-equal (${encoding ?? 'default: oob'})`, async () => {
      scripts = [await loadScript('/node_modules/htmx2/dist/htmx.min.js')];
      expect(defineWsExtension()).to.equal(true);
      const ch = new Channel();
      const box = await page(ch, ch.hxPath(), encoding);
      const file = binaryFile(200_000);
      setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, file);
      box.querySelector<HTMLButtonElement>('#go')!.click();
      await waitUntil(async () => (await ch.deliveries()).length === 1, 'delivered', { timeout: 5000 });
      const [d] = await ch.deliveries();
      expect(d!.values.note).to.equal('hi');
      expect(d!.files).to.have.length(1);
      const [f] = d!.files;
      expect([f!.field, f!.name, f!.length]).to.deep.equal(['photo', 'photo.bin', 200_000]);
      expect(f!.serialization).to.equal(encoding ? 'file/inline-base64' : 'file/oob');
      expect(f!.sha256).to.equal(await sha256(file));
    });
  }

  it('with htmx-ext-ws the file becomes {} (the difference docs/migrating.md names)', async () => {
    scripts = [await loadScript('/node_modules/htmx2/dist/htmx.min.js'), await loadScript('/node_modules/htmx-ext-ws/dist/ws.js')];
    const ch = new Channel();
    const box = await page(ch, ch.path(), null);
    setFiles(box.querySelector<HTMLInputElement>('input[type=file]')!, binaryFile(1000));
    box.querySelector<HTMLButtonElement>('#go')!.click();
    await waitUntil(async () => (await ch.frames()).length === 1, 'one frame', { timeout: 3000 });
    const frames = await ch.frames();
    expect(frames.every((f) => !f.binary)).to.equal(true);
    const sent = JSON.parse(frames[0]!.text!) as Record<string, unknown>;
    expect(sent.note).to.equal('hi');
    expect(sent.photo).to.deep.equal({});
  });
});
