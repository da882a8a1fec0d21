// permessage-deflate in a real browser: the page negotiates it with the server helper
// (`attachHxWs({ compression: true })`, endpoint `/hxz/`), and room messages framed and compressed
// once by the server, interleaved with short direct sends that stay uncompressed, are swapped in
// order; what the page sends (which the browser compresses), a file included, reaches the
// handler whole.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../../src/index.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import { Channel } from '../../support/server.js';
import { opened } from '../../support/events.js';
import { bytesFile, setFiles, sha256 } from '../../support/send.support.js';

const COUNT = 40;
const FILLER = 'a reading of sensor twelve, unchanged since the last update; '.repeat(8);
const ROOM = `<ul id="zlog" hx-swap-oob="beforeend"><li data-n="r{i}">${FILLER}{i}</li></ul>`;
const DIRECT = '<ul id="zlog" hx-swap-oob="beforeend"><li data-n="d{i}">direct {i}</li></ul>';

describe('compression (permessage-deflate)', () => {
  it('negotiates deflate and swaps compressed room messages and direct sends in order', async () => {
    const ch = new Channel();
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.hxzPath()}>
      <ul id="zlog"></ul>
      <hx-ws-send><form><input name="note" value=${FILLER}><input type="file" name="doc"></form></hx-ws-send>
    </hx-ws-connect>`);
    await opened(conn);
    await waitUntil(async () => (await ch.compressed()).extensions.length === 1, 'the server has the connection', { timeout: 5000 });
    const { extensions } = await ch.compressed();
    expect(extensions[0]).to.match(/^permessage-deflate/);
    expect(extensions[0]).to.contain('server_no_context_takeover');

    await ch.zcast(0, COUNT, ROOM, DIRECT);
    const log = conn.querySelector('#zlog')!;
    await waitUntil(() => log.children.length === 2 * COUNT, `every swap (${log.children.length})`, { timeout: 10_000 });
    const order = [...log.children].map((li) => li.getAttribute('data-n'));
    expect(order).to.deep.equal(Array.from({ length: COUNT }, (_, i) => [`r${i}`, `d${i}`]).flat());
    expect(log.children[2 * 7]!.textContent).to.equal(`${FILLER}7`);
    const { bytesOut, wireBytesOut } = await ch.compressed();
    expect(wireBytesOut).to.be.below(bytesOut / 3, `${wireBytesOut} bytes on the wire for ${bytesOut}`);

    // What the page sends is compressed by the browser, its JSON and its file frame (right
    // behind it: the server waits for the JSON to be inflated before judging the file).
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    const file = bytesFile('readings.bin', bytes);
    setFiles(conn.querySelector<HTMLInputElement>('input[type=file]')!, file);
    await conn.querySelector<HxWsSendElement>('hx-ws-send')!.send();
    await waitUntil(async () => (await ch.deliveries()).length === 1, 'the request reached the handler', { timeout: 5000 });
    const [delivery] = await ch.deliveries();
    expect(delivery!.values.note).to.equal(FILLER);
    expect(delivery!.files.map((f) => [f.name, f.length, f.sha256])).to.deep.equal([['readings.bin', 200_000, await sha256(file)]]);
  });
});
