import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../../src/index.js';
import '../../../../src/upgrade.js';
import type { HxWsConnectElement } from '../../../../src/elements/connect-element.js';
import type { HxWsErrorEvent, HxWsUploadProgressEvent, OutgoingRequest } from '../../../../src/events.js';
import type { HxWsSendElement } from '../../../../src/elements/send-element.js';
import { Channel, type Delivery } from '../../../support/server.js';
import { engine } from '../../../support/engine.js';
import { next } from '../../../support/events.js';
import { bytesFile, setFiles, sha256 } from '../../../support/send.support.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

const MiB = 1024 * 1024;
/** The big file of the upload tests. */
const BIG = 64 * MiB;

/** Random bytes, `size` of them (getRandomValues takes 64 KiB at a time). */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  return bytes;
}

interface UploadPage {
  ch: Channel;
  conn: HxWsConnectElement;
  sender: HxWsSendElement;
  errors: HxWsErrorEvent[];
  progress: HxWsUploadProgressEvent[];
}

/** A page on the real server helper (`/hx/`, disk sink) with one chunked sender. */
async function uploadPage(chunkSize: string, forgetful = false): Promise<UploadPage> {
  const ch = new Channel();
  const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${forgetful ? ch.hxForgetfulPath() : ch.hxPath()}>
    <hx-ws-send chunk-size=${chunkSize}><form><input name="note" value="big"><input type="file" name="f"></form></hx-ws-send>
  </hx-ws-connect>`);
  conn.reconnectDelay = () => 0;
  const errors: HxWsErrorEvent[] = [];
  // Firefox and WebKit also report a dropped socket as a 'socket' error; Chromium does not.
  conn.addEventListener('hx-ws-error', (e) => e.reason !== 'socket' && errors.push(e));
  const sender = conn.querySelector<HxWsSendElement>('hx-ws-send')!;
  const progress: HxWsUploadProgressEvent[] = [];
  sender.addEventListener('hx-ws-upload-progress', (e) => progress.push(e));
  await next(conn, 'hx-ws-open');
  return { ch, conn, sender, errors, progress };
}

async function oneDelivery(ch: Channel, timeout: number): Promise<Delivery> {
  let got: Delivery[] = [];
  await waitUntil(async () => (got = await ch.deliveries()).length > 0, 'the request reached the handler', { timeout, interval: 100 });
  return got[0]!;
}

/** Counts the bytes the page hands to WebSocket.send until `stop()`. */
function countSent(): { bytes: () => number; stop: () => void } {
  const original = WebSocket.prototype.send;
  let bytes = 0;
  WebSocket.prototype.send = function (this: WebSocket, data: string | Blob | ArrayBufferLike | ArrayBufferView) {
    bytes += typeof data === 'string' ? new TextEncoder().encode(data).length : data instanceof Blob ? data.size : data.byteLength;
    return original.call(this, data);
  };
  return { bytes: () => bytes, stop: () => (WebSocket.prototype.send = original) };
}

describe('chunk-size: chunked uploads (file/oob-chunked)', function () {
  this.timeout(180_000);
  afterEach(() => sinon.restore());

  it(`a ${BIG / MiB} MiB file arrives byte-identical in the disk sink; progress reaches the total`, async () => {
    const { ch, sender, errors, progress } = await uploadPage('1MB');
    const size = BIG;
    const bytes = randomBytes(size);
    const want = await sha256(bytes.buffer as ArrayBuffer);
    const file = bytesFile('big.bin', bytes);
    setFiles(sender.querySelector<HTMLInputElement>('input[type=file]')!, file);
    const request = (await sender.send())!;
    const json = JSON.parse(request.frames[0] as string) as Record<string, Record<string, unknown>>;
    expect(json.f).to.include({ serialization: 'file/oob-chunked', offset: 0, size, chunkSize: MiB });
    expect(json.f!.uploadId).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(request.frames.length).to.equal(1 + size / MiB);
    expect((request.frames.slice(1) as Blob[]).every((b) => b.size === MiB)).to.equal(true);

    const delivery = await oneDelivery(ch, 120_000);
    expect(delivery.files).to.have.length(1);
    expect(delivery.files[0]).to.include({ serialization: 'file/oob-chunked', size, length: size, sha256: want, path: true });
    expect(delivery.values.note).to.equal('big');
    await waitUntil(() => progress.at(-1)?.loaded === request.bytes, 'progress reaches the total', { timeout: 30_000 });
    const loaded = progress.map((e) => e.loaded);
    expect(loaded.every((n, i) => i === 0 || n >= loaded[i - 1]!), 'loaded never goes back').to.equal(true);
    expect(errors.map((e) => e.reason)).to.deep.equal([]);
  });

  it('a drop at half way is resumed: the file arrives whole, once, and the page sends under 1.6x the file', async () => {
    const { ch, conn, sender, errors, progress } = await uploadPage('1MB');
    const size = BIG;
    const bytes = randomBytes(size);
    const want = await sha256(bytes.buffer as ArrayBuffer);
    setFiles(sender.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('big.bin', bytes));
    await ch.upload({ killAt: size / 2 });
    const sent = countSent();
    let request: OutgoingRequest;
    let reopenedAt = -1;
    conn.addEventListener('hx-ws-close', () => conn.addEventListener('hx-ws-open', () => (reopenedAt = progress.length), { once: true }), { once: true });
    try {
      request = (await sender.send())!;
      const delivery = await oneDelivery(ch, 150_000);
      expect(delivery.files[0]).to.include({ size, length: size, sha256: want, path: true });
      await waitUntil(() => progress.at(-1)?.loaded === request.bytes, 'progress reaches the total', { timeout: 30_000 });
    } finally {
      sent.stop();
    }
    const state = await ch.uploadState();
    expect(state.kills, 'the socket was dropped once').to.equal(1);
    expect(state.files, 'one sink: the continuation wrote to the same file').to.equal(1);
    expect(state.received, 'every byte reached the sink once').to.equal(size);
    expect((await ch.state()).total, 'two sockets').to.equal(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ch.deliveries(), 'delivered once').to.have.length(1);
    expect(sent.bytes() / size, 'bytes handed to the socket, as a share of the file').to.be.below(1.6);
    // After the reconnect, progress goes on from what the server had, not from zero.
    expect(reopenedAt).to.be.greaterThan(-1);
    const after = progress.slice(reopenedAt).map((e) => e.loaded);
    expect(after[0]).to.be.at.least(size / 2 - 1 - MiB);
    expect(after.every((n, i) => i === 0 || n >= after[i - 1]!)).to.equal(true);
    expect(errors.map((e) => e.reason)).to.deep.equal([]);
  });

  it('a server that no longer has the upload: the page is told (upload-restarted) and sends it again from zero, once', async () => {
    const logged = sinon.stub(console, 'error');
    const { ch, sender, errors, progress } = await uploadPage('256KB', true);
    const size = 8 * MiB;
    const bytes = randomBytes(size);
    const want = await sha256(bytes.buffer as ArrayBuffer);
    setFiles(sender.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('again.bin', bytes));
    await ch.upload({ killAt: size / 2 });
    const request = (await sender.send())!;
    const delivery = await oneDelivery(ch, 120_000);
    expect(delivery.files[0]).to.include({ size, length: size, sha256: want, path: true });
    await waitUntil(() => progress.at(-1)?.loaded === request.bytes, 'progress reaches the total', { timeout: 30_000 });
    expect(errors.map((e) => e.reason)).to.deep.equal(['upload-restarted']);
    expect(errors[0]!.request).to.equal(request);
    expect(logged.args.filter((a) => String(a[0]).includes('upload-restarted') || String(a[0]).includes('no longer had'))).to.have.length(1);
    const state = await ch.uploadState();
    expect(state.kills).to.equal(1);
    expect(state.files, 'a second sink: the first was removed').to.equal(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ch.deliveries()).to.have.length(1);
  });

  it('a slow sink throttles the page (the server stops reading) without losing a byte', async () => {
    const { ch, sender, errors, progress } = await uploadPage('256KB');
    const size = 32 * MiB;
    const bytes = randomBytes(size);
    const want = await sha256(bytes.buffer as ArrayBuffer);
    setFiles(sender.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('slow.bin', bytes));
    await ch.upload({ msPerMiB: 60 });
    const started = performance.now();
    const request = (await sender.send())!;
    const delivery = await oneDelivery(ch, 120_000);
    expect(delivery.files[0]).to.include({ size, length: size, sha256: want });
    await waitUntil(() => progress.at(-1)?.loaded === request.bytes, 'progress reaches the total', { timeout: 30_000 });
    const state = await ch.uploadState();
    expect(state.pausedWrites, 'the server paused reading while the sink was full').to.be.greaterThan(0);
    // 32 MiB at 60 ms a MiB (about 2 s): the socket's buffers hold a few MiB, so half of the
    // file can only have left the page once the sink had taken several MiB. (WebKit's
    // bufferedAmount drops faster than the network takes the bytes, so its progress runs ahead.)
    const half = progress.find((e) => e.loaded >= request.bytes / 2)!;
    if (engine !== 'webkit') expect(half.timeStamp - started, 'progress followed the slow sink').to.be.greaterThan(300);
    expect(errors).to.have.length(0);
  });

  it('attribute mode: hx-ws-chunk-size sends frames of at most that size, in order', async () => {
    const ch = new Channel();
    const root = await fixture<HTMLElement>(html`<div hx-ws=${`connect:${ch.path()}`}>
      <form hx-ws="send" hx-ws-chunk-size="1KB"><input type="file" name="f"><button>go</button></form>
    </div>`);
    await ch.waitOpen();
    const bytes = randomBytes(2500);
    setFiles(root.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('a.bin', bytes));
    root.querySelector('button')!.click();
    const frames = await ch.waitFrames(4);
    const json = JSON.parse(frames[0]!.text!) as Record<string, Record<string, unknown>>;
    expect(json.f).to.include({ serialization: 'file/oob-chunked', offset: 0, name: 'a.bin', size: 2500, chunkSize: 1024 });
    expect(Object.keys(json.f!)).to.deep.equal(['serialization', 'offset', 'name', 'lastModified', 'size', 'type', 'chunkSize', 'uploadId']);
    expect(frames.slice(1).map((f) => [f.binary, f.size])).to.deep.equal([
      [true, 1024],
      [true, 1024],
      [true, 452],
    ]);
    const joined = frames.slice(1).map((f) => atob(f.base64!)).join('');
    expect(joined).to.equal(String.fromCharCode(...bytes));
    // The server confirms the file: the page forgets the upload (nothing to resume or report).
    await ch.send(`<hx-ws-upload id="${String(json.f!.uploadId)}" received="2500" state="done"></hx-ws-upload>`);
    await new Promise((r) => setTimeout(r, 50));
  });

  it('with chunk-size, max-file-size still refuses before anything is sent, and the inline encoding ignores it', async () => {
    const logged = sinon.stub(console, 'error');
    const ch = new Channel();
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}>
      <hx-ws-send id="limited" chunk-size="1KB" max-file-size="1KB"><form><input type="file" name="f"></form></hx-ws-send>
      <hx-ws-send id="inline" chunk-size="1KB" encoding="multipart/json-files-inline"><form><input type="file" name="f"></form></hx-ws-send>
    </hx-ws-connect>`);
    await next(conn, 'hx-ws-open');
    const limited = conn.querySelector<HxWsSendElement>('#limited')!;
    setFiles(limited.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('big.bin', randomBytes(2048)));
    const refused = next(limited, 'hx-ws-error');
    expect(await limited.send()).to.equal(null);
    expect((await refused).reason).to.equal('file-rejected');
    const inline = conn.querySelector<HxWsSendElement>('#inline')!;
    setFiles(inline.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('small.bin', new Uint8Array([1, 2, 3])));
    await inline.send();
    const frames = await ch.waitFrames(1);
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.frames()).length, 'one frame: the inline request').to.equal(1);
    const json = JSON.parse(frames[0]!.text!) as Record<string, Record<string, unknown>>;
    expect(json.f).to.deep.equal({ serialization: 'file/inline-base64', name: 'small.bin', lastModified: 1_700_000_000_000, size: 3, type: 'application/octet-stream', body: 'AQID' });
    expect(logged.callCount).to.equal(1);
  });

  it('a chunk-size that is not a size is an error naming it and one console.error; nothing is sent', async () => {
    const logged = sinon.stub(console, 'error');
    const ch = new Channel();
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.path()}>
      <hx-ws-send chunk-size="lots"><form><input name="a" value="1"></form></hx-ws-send>
    </hx-ws-connect>`);
    await next(conn, 'hx-ws-open');
    const sender = conn.querySelector<HxWsSendElement>('hx-ws-send')!;
    const error = next(sender, 'hx-ws-error');
    expect(await sender.send()).to.equal(null);
    const e = await error;
    expect(e.reason).to.equal('bad-limit');
    expect(e.message).to.contain("chunk-size 'lots'");
    expect(logged.callCount).to.equal(1);
  });
});
