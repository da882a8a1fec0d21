import { expect, html } from '@open-wc/testing';
import sinon from 'sinon';
import { acceptsFile, bytesToBase64, findFiles, parseByteSize, parseEncoding } from '../../../src/send/files.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import { bytesFile, expectNothingSent, next, page, setFiles, sha256, slowBase64, textFile, withoutHeaders } from '../../support/send.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

afterEach(() => {
  sinon.restore();
});

const OOB = 'multipart/json-files-oob';
const INLINE = 'multipart/json-files-inline';
const T = 1_700_000_000_000;

const photo = () => bytesFile('photo.png', new Uint8Array([137, 80, 78, 71, 0, 255, 1, 2]), 'image/png', T);
const bio = () => textFile('bio.md', '*Lorem ipsum* — ünïcödé', 'text/markdown', T + 1);
const notes = () => textFile('notes.txt', 'line1\nline2\n', 'text/plain', T + 2);
const blob = () => bytesFile('data.bin', new Uint8Array([0, 1, 2, 3, 250]), '', T + 3);

/** A sender with two single file inputs and one `multiple`, in that document order. */
const uploadForm = (encoding: string | null) => html`
  <hx-ws-send encoding=${encoding ?? ''}>
    <form>
      <input name="title" value="t">
      <input type="file" name="photo">
      <input type="file" name="bio">
      <input type="file" name="attachments" multiple>
    </form>
  </hx-ws-send>`;

function inputs(sender: HxWsSendElement) {
  const [photoIn, bioIn, attIn] = Array.from(sender.querySelectorAll<HTMLInputElement>('input[type=file]'));
  return { photoIn, bioIn, attIn };
}

/** Picks a photo and a bio in the single inputs and two files in the `multiple` one. */
function pickFour(sender: HxWsSendElement): File[] {
  const { photoIn, bioIn, attIn } = inputs(sender);
  const files = [photo(), bio(), notes(), blob()];
  setFiles(photoIn, files[0]);
  setFiles(bioIn, files[1]);
  setFiles(attIn, files[2], files[3]);
  return files;
}

const meta = (f: File) => ({ name: f.name, lastModified: f.lastModified, size: f.size, type: f.type });

describe('files: oob encoding (the default)', () => {
  it('no file: an empty single input is null, an empty multiple is [], one frame only', async () => {
    const { ch, sender } = await page(uploadForm(null));
    await sender.send();
    const frames = await ch.waitFrames(1);
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.frames()).length).to.equal(1);
    expect(withoutHeaders(JSON.parse(frames[0].text!))).to.deep.equal({ title: 't', photo: null, bio: null, attachments: [] });
  });

  it('one file: a file/oob descriptor with offset 0, then the file as one binary frame', async () => {
    const { ch, sender } = await page(uploadForm(OOB));
    const f = photo();
    setFiles(inputs(sender).photoIn, f);
    const request = await sender.send();
    const frames = await ch.waitFrames(2);
    expect(withoutHeaders(JSON.parse(frames[0].text!))).to.deep.equal({
      title: 't',
      photo: { serialization: 'file/oob', offset: 0, ...meta(f) },
      bio: null,
      attachments: [],
    });
    expect(frames[1]).to.include({ binary: true, size: 8, base64: slowBase64(new Uint8Array(await f.arrayBuffer())) });
    expect(request!.frames[1]).to.equal(f); // the File itself, not a copy
    expect(request!.bytes).to.equal(new TextEncoder().encode(frames[0].text!).length + f.size);
  });

  it('several files and a multiple input: offsets in document order then file order, frames in offset order', async () => {
    const { ch, sender } = await page(uploadForm(null));
    const [p, b, n, d] = pickFour(sender);
    await sender.send();
    const frames = await ch.waitFrames(5);
    expect(withoutHeaders(JSON.parse(frames[0].text!))).to.deep.equal({
      title: 't',
      photo: { serialization: 'file/oob', offset: 0, ...meta(p) },
      bio: { serialization: 'file/oob', offset: 1, ...meta(b) },
      attachments: [
        { serialization: 'file/oob', offset: 2, ...meta(n) },
        { serialization: 'file/oob', offset: 3, ...meta(d) },
      ],
    });
    const want = await Promise.all([p, b, n, d].map((f) => sha256(f)));
    expect(frames.slice(1).map((f) => f.sha256)).to.deep.equal(want);
    expect(frames.slice(1).every((f) => f.binary)).to.equal(true);
  });

  it('repeated names across file inputs still count offsets in document order', async () => {
    const { ch, sender } = await page(html`
      <hx-ws-send><form><input type="file" name="doc"><input type="file" name="other"><input type="file" name="doc"></form></hx-ws-send>`);
    const [a, b, c] = Array.from(sender.querySelectorAll<HTMLInputElement>('input'));
    const [fa, fb, fc] = [textFile('a.txt', 'A'), textFile('b.txt', 'BB'), textFile('c.txt', 'CCC')];
    setFiles(a, fa);
    setFiles(b, fb);
    setFiles(c, fc);
    await sender.send();
    const frames = await ch.waitFrames(4);
    const json = JSON.parse(frames[0].text!);
    expect(json.doc.map((d: { name: string; offset: number }) => [d.name, d.offset])).to.deep.equal([['a.txt', 0], ['c.txt', 2]]);
    expect(json.other.offset).to.equal(1);
    expect(frames.slice(1).map((f) => f.size)).to.deep.equal([1, 2, 3]);
  });
});

describe('files: inline encoding', () => {
  it('no file: the same nulls and [] as oob', async () => {
    const { ch, sender } = await page(uploadForm(INLINE));
    await sender.send();
    const frames = await ch.waitFrames(1);
    expect(withoutHeaders(JSON.parse(frames[0].text!))).to.deep.equal({ title: 't', photo: null, bio: null, attachments: [] });
  });

  it('one text file: file/inline-text with the text as body', async () => {
    const { ch, sender } = await page(uploadForm(INLINE));
    const b = bio();
    setFiles(inputs(sender).bioIn, b);
    await sender.send();
    const frames = await ch.waitFrames(1);
    expect(JSON.parse(frames[0].text!).bio).to.deep.equal({ serialization: 'file/inline-text', ...meta(b), body: '*Lorem ipsum* — ünïcödé' });
  });

  it('several files and a multiple input: each its own body, text or base64, one frame', async () => {
    const { ch, sender } = await page(uploadForm(INLINE));
    const [p, b, n, d] = pickFour(sender);
    const request = await sender.send();
    const frames = await ch.waitFrames(1);
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.frames()).length).to.equal(1);
    expect(withoutHeaders(JSON.parse(frames[0].text!))).to.deep.equal({
      title: 't',
      photo: { serialization: 'file/inline-base64', ...meta(p), body: 'iVBORwD/AQI=' },
      bio: { serialization: 'file/inline-text', ...meta(b), body: '*Lorem ipsum* — ünïcödé' },
      attachments: [
        { serialization: 'file/inline-text', ...meta(n), body: 'line1\nline2\n' },
        { serialization: 'file/inline-base64', ...meta(d), body: 'AAECA/o=' },
      ],
    });
    expect(request!.frames).to.have.length(1);
    expect(request!.bytes).to.equal(new TextEncoder().encode(frames[0].text!).length);
  });

  it('a binary file with all 256 byte values round-trips through base64', async () => {
    const { ch, sender } = await page(html`<hx-ws-send encoding=${INLINE}><form><input type="file" name="bin"></form></hx-ws-send>`);
    const bytes = new Uint8Array(1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 255;
    for (let i = 0; i < 256; i++) bytes[i] = i;
    const f = bytesFile('all-bytes.bin', bytes, 'application/octet-stream');
    setFiles(sender.querySelector('input')!, f);
    await sender.send();
    const [frame] = await ch.waitFrames(1);
    const body: string = JSON.parse(frame.text!).bin.body;
    expect(body).to.equal(slowBase64(bytes));
    const back = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
    expect(await sha256(back.buffer)).to.equal(await sha256(f));
  });

  it('hx-encoding on an ancestor chooses the encoding when the property is unset', async () => {
    const { ch, sender } = await page(html`<div hx-encoding=${INLINE}><hx-ws-send><form><input type="file" name="f"></form></hx-ws-send></div>`);
    setFiles(sender.querySelector('input')!, notes());
    await sender.send();
    const [frame] = await ch.waitFrames(1);
    expect(JSON.parse(frame.text!).f.serialization).to.equal('file/inline-text');
  });
});

describe('files: checks before anything is sent', () => {
  const cases: [string, string, () => File, string][] = [
    ['accept=".png"', '<input type="file" name="f" accept=".png">', () => bytesFile('photo.exe', new Uint8Array([1]), 'application/x-msdownload'), 'photo.exe refused by accept=".png"'],
    ['accept="image/*"', '<input type="file" name="f" accept="image/*">', () => textFile('a.txt', 'x'), 'a.txt refused by accept="image/*"'],
    ['accept="application/pdf"', '<input type="file" name="f" accept="application/pdf, .doc">', () => textFile('a.txt', 'x'), 'a.txt refused by accept="application/pdf, .doc"'],
  ];
  for (const [rule, input, make, message] of cases) {
    it(`${rule}: a refused file is one error event naming file and rule; nothing of the request is sent`, async () => {
      const errors = sinon.stub(console, 'error');
      const { ch, conn, sender } = await page(html`<hx-ws-send><form><input type="file" name="ok">${unsafe(input)}</form></hx-ws-send>`);
      const [ok, bad] = Array.from(sender.querySelectorAll<HTMLInputElement>('input'));
      setFiles(ok, photo());
      const file = make();
      setFiles(bad, file);
      const got = next(sender, 'hx-ws-error');
      const result = sender.send();
      const e = await got;
      expect(e.reason).to.equal('file-rejected');
      expect(e.message).to.equal(message);
      expect(e.info.file).to.equal(file);
      expect(e.part).to.equal(message.split(' refused by ')[1]);
      expect(await result).to.equal(null);
      expect(errors.callCount).to.equal(1);
      await expectNothingSent(ch, conn);
    });
  }

  it('max-file-size (with a unit) and max-files refuse, naming the rule', async () => {
    sinon.stub(console, 'error');
    const { ch, conn, sender } = await page(html`<hx-ws-send max-file-size="1KB"><form><input type="file" name="f" multiple></form></hx-ws-send>`);
    const input = sender.querySelector('input')!;
    const big = bytesFile('big.bin', new Uint8Array(1025));
    setFiles(input, bytesFile('small.bin', new Uint8Array(1024)), big);
    let got = next(sender, 'hx-ws-error');
    void sender.send();
    let e = await got;
    expect(e.message).to.equal('big.bin (1025 bytes) refused by max-file-size="1KB"');
    expect(e.info.file).to.equal(big);

    sender.maxFileSize = null;
    sender.maxFiles = 1;
    await sender.updateComplete;
    got = next(sender, 'hx-ws-error');
    void sender.send();
    e = await got;
    expect(e.reason).to.equal('file-rejected');
    expect(e.part).to.equal('max-files="1"');
    expect(e.info.file).to.equal(big);
    await expectNothingSent(ch, conn);
  });

  it('a max-file-size that is not a size is a bad-limit error', async () => {
    sinon.stub(console, 'error');
    const { ch, conn, sender } = await page(html`<hx-ws-send max-file-size="lots"><form><input name="a" value="1"></form></hx-ws-send>`);
    const got = next(sender, 'hx-ws-error');
    void sender.send();
    const e = await got;
    expect([e.reason, e.part]).to.deep.equal(['bad-limit', 'lots']);
    await expectNothingSent(ch, conn);
  });

  it('an unknown encoding is a bad-encoding error naming it; nothing is sent', async () => {
    const errors = sinon.stub(console, 'error');
    const { ch, conn, sender } = await page(html`<hx-ws-send encoding="multipart/form-data"><form><input name="a" value="1"></form></hx-ws-send>`);
    const got = next(sender, 'hx-ws-error');
    const result = sender.send();
    const e = await got;
    expect(e.reason).to.equal('bad-encoding');
    expect(e.part).to.equal('multipart/form-data');
    expect(e.message).to.contain('multipart/form-data');
    expect(await result).to.equal(null);
    expect(errors.callCount).to.equal(1);
    await expectNothingSent(ch, conn);
  });
});

describe('files: helpers', () => {
  it('parseByteSize reads bytes and 1024-based units, refuses the rest', () => {
    expect(['0', '1024', '1K', '1kb', '1 KiB', '1.5MB', '2g', '.5k', 4096].map((v) => parseByteSize(v))).to.deep.equal([
      0, 1024, 1024, 1024, 1024, 1572864, 2147483648, 512, 4096,
    ]);
    for (const bad of ['', 'MB', '10 XB', '-1', '1e3', NaN, -5]) expect(parseByteSize(bad as string), String(bad)).to.equal(null);
  });

  it('parseEncoding knows the two encodings, empty is oob, anything else is null', () => {
    expect([null, '', OOB, INLINE, ' Multipart/JSON-files-inline '].map(parseEncoding)).to.deep.equal([OOB, OOB, OOB, INLINE, INLINE]);
    expect(parseEncoding('multipart/form-data')).to.equal(null);
  });

  it('acceptsFile matches extensions, wildcards and exact types', () => {
    const png = bytesFile('Photo.PNG', new Uint8Array(1), 'image/png');
    expect(acceptsFile('.png', png)).to.equal(true);
    expect(acceptsFile('image/*', png)).to.equal(true);
    expect(acceptsFile('image/png', png)).to.equal(true);
    expect(acceptsFile('.jpg, image/jpeg', png)).to.equal(false);
    expect(acceptsFile('', png)).to.equal(true);
    expect(acceptsFile('text/*', png)).to.equal(false);
  });

  it('bytesToBase64: native and chunked fallback agree with the slow way, for every length around a chunk edge', () => {
    const big = new Uint8Array(3 * 8192 * 2 + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
    for (const n of [0, 1, 2, 3, 255, 256, 24575, 24576, 24577, 49152, big.length]) {
      const part = big.subarray(0, n);
      const want = slowBase64(part);
      expect(bytesToBase64(part, false), `fallback ${n}`).to.equal(want);
      expect(bytesToBase64(part), `native ${n}`).to.equal(want);
    }
  });

  it('findFiles puts files from inputs first (visiting order), files added by code after', () => {
    const a = textFile('a', 'a');
    const b = textFile('b', 'b');
    const extra = textFile('x', 'x');
    const input = document.createElement('input');
    const values = { added: extra, list: [b, 'text', a] };
    const slots = findFiles(values, [{ file: a, input }, { file: b, input }]);
    expect(slots.map((s) => s.file.name)).to.deep.equal(['a', 'b', 'x']);
    expect(slots.map((s) => s.input)).to.deep.equal([input, input, null]);
  });
});

/** Static HTML into a template (test-only: the strings are literals above). */
function unsafe(markup: string) {
  const t = document.createElement('template');
  t.innerHTML = markup;
  return t.content.firstElementChild!;
}
