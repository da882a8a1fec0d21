import { expect, html, waitUntil } from '@open-wc/testing';
import type { HxWsUploadProgressEvent } from '../../../src/events.js';
import { bytesFile, page, setFiles, sha256 } from '../../support/send.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

describe('<hx-ws-send> a 50 MB file', function () {
  this.timeout(90_000);

  it('arrives byte-identical in oob mode, and upload progress reaches loaded === total', async () => {
    const { ch, sender } = await page(html`<hx-ws-send><form><input name="title" value="big"><input type="file" name="f"></form></hx-ws-send>`);
    const size = 50 * 1024 * 1024;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const file = bytesFile('big.bin', bytes);
    const want = await sha256(bytes.buffer);
    setFiles(sender.querySelector<HTMLInputElement>('input[type=file]')!, file);

    const progress: HxWsUploadProgressEvent[] = [];
    sender.addEventListener('hx-ws-upload-progress', (e) => progress.push(e));
    const request = await sender.send();
    expect(request!.frames[1]).to.equal(file);

    const frames = await ch.waitFrames(2, 60_000);
    expect(JSON.parse(frames[0].text!).f).to.deep.equal({
      serialization: 'file/oob',
      offset: 0,
      name: 'big.bin',
      lastModified: file.lastModified,
      size,
      type: 'application/octet-stream',
    });
    expect(frames[1]).to.include({ binary: true, size, sha256: want });

    await waitUntil(() => progress.at(-1)?.loaded === progress.at(-1)?.total, 'progress reaches 100 %', { timeout: 30_000 });
    const total = request!.bytes;
    expect(total).to.equal(new TextEncoder().encode(frames[0].text!).length + size);
    expect(progress.every((e) => e.total === total && e.request === request)).to.equal(true);
    const loaded = progress.map((e) => e.loaded);
    expect(loaded.every((n, i) => i === 0 || n >= loaded[i - 1]), 'loaded never goes back').to.equal(true);
    expect(loaded.at(-1)).to.equal(total);
    expect(progress.at(-1)!.fraction).to.equal(1);
  });
});
