// A refusal keeps the socket: the demo's chat room (attached at /chat on the test server, files
// up to 16 MiB) refuses a 30 MB file from a tab in recover mode (so its requests carry an
// HX-Request-Id) with `<hx-ws-refused>`; the tab says why, keeps the message and the file, stays
// connected and keeps receiving the other tab's messages. And the same on a bare page against the
// test server's /hx/ helper, with a chunked upload, whose remaining chunks are not resumed.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/full.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import type { HxWsCloseEvent, HxWsErrorEvent } from '../../../src/events.js';
import { Channel } from '../../support/server.js';
import { say, tab, tag } from '../../support/demo.support.js';



const texts = (frame: HTMLIFrameElement) => [...frame.contentDocument!.querySelectorAll('#messages .msg')].map((li) => li.textContent ?? '');

describe('a refusal keeps the socket', () => {
  it('the demo refuses a 30 MB file: the tab says why, stays connected and keeps receiving the other tab', async () => {
    const a = await tab('/demo/index.html');
    const b = await tab('/demo/index.html');
    const doc = a.contentDocument!;
    const win = a.contentWindow as unknown as typeof window;
    doc.querySelector('hx-ws-send')!.removeAttribute('max-file-size'); // only the server's limit is left
    const room = doc.getElementById('room') as HxWsConnectElement;
    const closes: HxWsCloseEvent[] = [];
    const errors: HxWsErrorEvent[] = [];
    room.addEventListener('hx-ws-close', (e) => closes.push(e));
    room.addEventListener('hx-ws-error', (e) => errors.push(e));
    const socket = room.connection.socket;
    const text = `with 30 MB ${tag()}`;
    const form = say(a, 'Ada', text, [new win.File([new Uint8Array(30 * 1024 * 1024)], 'thirty.bin')]);
    const notice = doc.getElementById('notice')!;
    await waitUntil(() => notice.textContent!.includes('refused'), 'the reason is shown', { timeout: 20_000 });
    expect(notice.textContent).to.match(/^Not sent: the server refused request \d+: field "files": declared size 31457280 exceeds maxFileBytes 16777216\.$/);
    expect(errors.map((e) => e.reason)).to.deep.equal(['request-refused']);
    expect(errors[0]!.info.part).to.equal('field "files": declared size 31457280 exceeds maxFileBytes 16777216');
    expect(errors[0]!.info.request?.values.message).to.equal(text);
    expect((form.elements.namedItem('message') as HTMLInputElement).value, 'the message is back').to.equal(text);
    expect(form.querySelector<HTMLInputElement>('input[type=file]')!.files![0]!.name, 'the file is back').to.equal('thirty.bin');
    // Still the same socket, open, while the file's frames drain and after.
    const other = `from the other tab ${tag()}`;
    say(b, 'Bob', other);
    await waitUntil(() => texts(a).some((t) => t.includes(other)), "the other tab's message arrived", { timeout: 20_000 });
    expect(room.connection.socket).to.equal(socket);
    expect(room.connection.status).to.equal('open');
    expect(doc.getElementById('state')!.dataset.state).to.equal('open');
    // And its own next message, without the file, goes on the same socket.
    form.querySelector<HTMLInputElement>('input[type=file]')!.files = new win.DataTransfer().files;
    form.querySelector('button')!.click();
    await waitUntil(() => texts(b).some((t) => t.includes(text)), 'sent without the file', { timeout: 20_000 });
    expect(room.connection.socket).to.equal(socket);
    expect(closes).to.deep.equal([]);
    expect(texts(b).some((t) => t.includes('thirty.bin')), 'the refused file never reached the room').to.equal(false);
  });
});

describe('a refusal keeps the socket: chunked uploads (ack mode, the /hx/ helper)', () => {
  afterEach(() => sinon.restore());

  it('a chunk over maxChunkBytes is refused: request-refused with the reason, the socket kept, nothing resumed after a drop', async () => {
    sinon.stub(console, 'error');
    const ch = new Channel();
    // 32 MiB chunks: over the helper's maxChunkBytes (16 MiB) whatever the file's size.
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect ack url=${ch.hxPath()} .reconnectDelay=${() => 0}>
      <hx-ws-send chunk-size="32MB"><form><input name="note" value="big"><input type="file" name="f"></form></hx-ws-send>
      <hx-ws-send id="plain"><form><input name="rid" value="after"></form></hx-ws-send>
    </hx-ws-connect>`);
    const errors: HxWsErrorEvent[] = [];
    conn.addEventListener('hx-ws-error', (e) => e.reason !== 'socket' && errors.push(e));
    await waitUntil(() => conn.connection.status === 'open', 'open', { timeout: 5000 });
    const socket = conn.connection.socket;
    const sender = conn.querySelector<HxWsSendElement>('hx-ws-send')!;
    const input = sender.querySelector<HTMLInputElement>('input[type=file]')!;
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(300 * 1024)], 'c.bin'));
    input.files = dt.files;
    const request = (await sender.send())!;
    await waitUntil(() => errors.length > 0, 'refused', { timeout: 10_000 });
    expect(errors.map((e) => e.reason)).to.deep.equal(['request-refused']);
    expect(errors[0]!.info.request).to.equal(request);
    expect(errors[0]!.message).to.equal(`the server refused request ${request.id}: field "f": chunkSize 33554432 exceeds maxChunkBytes 16777216`);
    expect(conn.connection.socket).to.equal(socket);
    // The same socket takes the next request.
    await conn.querySelector<HxWsSendElement>('#plain')!.send();
    await waitUntil(async () => (await ch.deliveries()).length === 1, 'the next request', { timeout: 10_000 });
    expect((await ch.deliveries())[0]!.rid).to.equal('after');
    expect(conn.connection.socket).to.equal(socket);
    // A drop now: the refused upload is not resumed, nor reported as cut off.
    await ch.drop();
    await waitUntil(() => conn.connection.status === 'open' && conn.connection.socket !== socket, 'reopened', { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await ch.deliveries()).to.have.length(1);
    // A continuation would have been refused again (the server never had the upload).
    expect(errors.map((e) => e.reason), 'no second refusal, no upload-restarted').to.deep.equal(['request-refused']);
  });
});
