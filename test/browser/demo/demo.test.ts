// The demo page, driven like a person would: two tabs of the chat room (iframes on the test
// server, where the demo's real room is attached at /chat), a message and an image sent from
// one, both seen in the other, the image loaded from the server.
import { expect, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { engine } from '../../support/engine.js';
import '../../../src/full.js'; // every feature, as before the core/feature split
import { say, tab, tag } from '../../support/demo.support.js';


/** A 3×2 PNG, made in the page that sends it (the file input wants a File of its own realm). */
async function png(win: typeof window): Promise<File> {
  const c = win.document.createElement('canvas');
  c.width = 3;
  c.height = 2;
  c.getContext('2d')!.fillRect(0, 0, 3, 2);
  const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/png'));
  return new win.File([blob], 'dot.png', { type: 'image/png' });
}

for (const [mode, page] of [['element', '/demo/index.html'], ['attribute', '/demo/attributes.html']] as const) {
  it(`demo (${mode} mode): a message and an image sent from one tab appear in another`, async () => {
    const a = await tab(page);
    const b = await tab('/demo/index.html');
    const text = `hello from ${mode} mode ${Math.random().toString(36).slice(2)}`;
    const doc = a.contentDocument!;
    const win = a.contentWindow as unknown as typeof window;
    const form = doc.querySelector('form')!;
    (form.elements.namedItem('author') as HTMLInputElement).value = 'Ada';
    (form.elements.namedItem('message') as HTMLInputElement).value = text;
    const dt = new win.DataTransfer();
    dt.items.add(await png(win));
    form.querySelector<HTMLInputElement>('input[type=file]')!.files = dt.files;
    form.querySelector('button')!.click();

    const seen = () => [...b.contentDocument!.querySelectorAll('#messages .msg')].find((li) => li.textContent!.includes(text));
    await waitUntil(() => seen(), 'the message reached the other tab', { timeout: 10_000 });
    const img = seen()!.querySelector('img')!;
    expect(img, 'the image is shown inline').to.not.equal(null);
    await waitUntil(() => img.complete && img.naturalWidth > 0, 'the image loaded from the server', { timeout: 10_000 });
    expect([img.naturalWidth, img.naturalHeight]).to.deep.equal([3, 2]);
    expect(seen()!.querySelector('.who')!.textContent).to.equal('Ada');
    // The sender's own form was cleared for the next message; the name stays.
    expect((form.elements.namedItem('message') as HTMLInputElement).value).to.equal('');
    expect((form.elements.namedItem('author') as HTMLInputElement).value).to.equal('Ada');
  });
}


const messagesOf = (frame: HTMLIFrameElement) => frame.contentDocument!.getElementById('messages')!;
const lastText = (frame: HTMLIFrameElement) => messagesOf(frame).lastElementChild?.textContent ?? '';
const atBottom = (list: HTMLElement) => list.scrollHeight - list.scrollTop - list.clientHeight <= 2;

describe('demo page', () => {
  it('keeps the newest message in view, unless the reader has scrolled up', async () => {
    const a = await tab('/demo/index.html');
    const b = await tab('/demo/index.html');
    const run = tag();
    for (let i = 0; i < 12; i++) {
      say(a, 'Ada', `scroll ${run} ${i}`);
      await waitUntil(() => lastText(b).includes(`scroll ${run} ${i}`), `message ${i} arrived`);
    }
    const list = messagesOf(b);
    expect(list.scrollHeight, 'the list overflows').to.be.greaterThan(list.clientHeight);
    await waitUntil(() => atBottom(list), 'the other tab shows the newest message');
    expect(atBottom(messagesOf(a)), 'so does the sender').to.equal(true);

    list.scrollTop = 0;
    list.dispatchEvent(new Event('scroll'));
    say(a, 'Ada', `while reading ${run}`);
    await waitUntil(() => lastText(b).includes(`while reading ${run}`), 'the next message arrived');
    expect(list.scrollTop, 'a reader who scrolled up stays where they are').to.equal(0);
  });

  for (const [mode, page] of [['element', '/demo/index.html'], ['attribute', '/demo/attributes.html']] as const) {
    it(`(${mode} mode) a file over the limit is not sent: the page says why and keeps the message and the file`, async () => {
      const a = await tab(page);
      const b = await tab('/demo/index.html');
      const win = a.contentWindow as unknown as typeof window;
      const big = new win.File([new Uint8Array(16 * 1024 * 1024 + 1)], 'big.bin', { type: 'application/octet-stream' });
      const text = `with a big file ${tag()}`;
      const form = say(a, 'Ada', text, [big]);
      const notice = a.contentDocument!.getElementById('notice')!;
      await waitUntil(() => !notice.hidden, 'a notice is shown');
      expect(notice.textContent).to.equal('Not sent: big.bin (16777217 bytes) refused by max-file-size="16MB".');
      expect((form.elements.namedItem('message') as HTMLInputElement).value, 'the message is kept').to.equal(text);
      expect(form.querySelector<HTMLInputElement>('input[type=file]')!.files![0]!.name, 'the file is kept').to.equal('big.bin');
      // A message that can go clears the notice and goes.
      form.querySelector<HTMLInputElement>('input[type=file]')!.files = new win.DataTransfer().files;
      form.querySelector('button')!.click();
      await waitUntil(() => lastText(b).includes(text), 'sent without the file');
      expect(notice.hidden).to.equal(true);
    });
  }

  it('a file the server refuses: the page gives its reason, keeps the message and the file, and the next send goes', async () => {
    const a = await tab('/demo/index.html');
    const b = await tab('/demo/index.html');
    const doc = a.contentDocument!;
    const win = a.contentWindow as unknown as typeof window;
    doc.querySelector('hx-ws-send')!.removeAttribute('max-file-size'); // only the server's limit is left
    // Without recovery: its acks turn the report below into send-unconfirmed (see the next test).
    doc.getElementById('room')!.removeAttribute('recover');
    await waitUntil(() => doc.getElementById('state')!.dataset.state === 'open', 'open again without recovery');
    const text = `refused by the server ${tag()}`;
    const form = say(a, 'Ada', text, [new win.File([new Uint8Array(16 * 1024 * 1024 + 1)], 'big.bin')]);
    const notice = doc.getElementById('notice')!;
    await waitUntil(() => notice.textContent!.includes('the server closed'), 'the reason is shown', { timeout: 10_000 });
    if (engine === 'firefox') {
      // Firefox's bufferedAmount drops to 0 once the whole frame is handed to the network, so the
      // request counts as sent, and the close that answers it is server-closed.
      expect(notice.textContent).to.match(/^Not sent: the server closed the socket with 1009 /);
    } else {
      expect(notice.textContent).to.match(/^Not sent: the socket closed before request \d+ had left the browser \(\d+ of \d+ bytes\): /);
    }
    expect(notice.textContent).to.contain(' with 1009 (message too big): field "files": declared size 16777217 exceeds maxFileBytes 16777216.');
    expect((form.elements.namedItem('message') as HTMLInputElement).value, 'the message is back').to.equal(text);
    expect(form.querySelector<HTMLInputElement>('input[type=file]')!.files![0]!.name, 'the file is back').to.equal('big.bin');
    expect(doc.getElementById('state')!.textContent).to.equal('closed (1009)');
    // Without the file, the next send opens a new socket and goes through.
    form.querySelector<HTMLInputElement>('input[type=file]')!.files = new win.DataTransfer().files;
    form.querySelector('button')!.click();
    await waitUntil(() => lastText(b).includes(text), 'the message went on a new socket', { timeout: 10_000 });
    expect(doc.getElementById('state')!.dataset.state).to.equal('open');
  });

  it('shows upload progress as a bar with percent and bytes', async () => {
    const a = await tab('/demo/index.html');
    const win = a.contentWindow as unknown as typeof window;
    const labels: string[] = [];
    const doc = a.contentDocument!;
    const upload = doc.getElementById('upload')!;
    doc.getElementById('room')!.addEventListener('hx-ws-upload-progress', () =>
      queueMicrotask(() => labels.push(`${upload.hidden ? 'hidden' : 'shown'} ${upload.textContent}`)),
    );
    say(a, 'Ada', `a 3 MB file ${tag()}`, [new win.File([new Uint8Array(3 * 1024 * 1024)], 'three.bin')]);
    await waitUntil(() => labels.some((l) => l.includes('100 %')), 'the upload finished');
    expect(labels.at(-1)).to.equal('shown three.bin: 100 % · 3.0 MB of 3.0 MB');
    expect(labels.every((l) => /^shown three\.bin: \d+ % · [\d.]+ (B|KB|MB) of 3\.0 MB$/.test(l)), labels.join('\n')).to.equal(true);
    expect(doc.querySelector<HTMLProgressElement>('#upload progress')!.value).to.equal(1);
  });

  it('keeps the header on one line, and forgets the online count while offline', async () => {
    const a = await tab('/demo/index.html');
    const doc = a.contentDocument!;
    await waitUntil(() => /^\d+ online$/.test(doc.getElementById('online')!.textContent!), 'the count arrived');
    const online = doc.getElementById('online')!;
    expect(online.tagName, 'the server swaps in a span').to.equal('SPAN');
    const [count, state] = [online, doc.getElementById('state')!].map((el) => el.getBoundingClientRect());
    expect(count!.top < state!.bottom && state!.top < count!.bottom, 'the count and the state share a line').to.equal(true);
    (doc.getElementById('room') as HTMLElement & { close(): void }).close();
    await waitUntil(() => doc.getElementById('state')!.dataset.state === 'closed', 'closed');
    expect(doc.getElementById('online')!.textContent).to.equal('…');
  });

  for (const [mode, page] of [['element', '/demo/index.html'], ['attribute', '/demo/attributes.html']] as const) {
    it(`(${mode} mode) a tab cut off for a while gets the messages it missed, in order, and not the history again`, async () => {
      const a = await tab('/demo/index.html');
      const b = await tab(page);
      const run = tag();
      say(a, 'Ada', `before ${run}`);
      await waitUntil(() => lastText(b).includes(`before ${run}`), 'the first message arrived');
      // A mark on a message b has: a history sent again (innerHTML of the list) would remove it.
      messagesOf(b).lastElementChild!.setAttribute('data-seen', run);
      const opens: boolean[] = [];
      const room = b.contentDocument!.getElementById('room')!;
      room.addEventListener('hx-ws-open', (e) => opens.push((e as Event & { recovered: boolean }).recovered));
      // a is back at once and sends meanwhile; b would wait a minute before it reconnects (the
      // element's property; htmx's setting in attribute mode), until the test tells it the
      // network is back ('online' runs a pending reconnect at once).
      Object.assign(a.contentDocument!.getElementById('room')!, { reconnectDelay: () => 0 });
      const wait = () => 60_000;
      if (mode === 'element') Object.assign(room, { reconnectDelay: wait });
      else Object.assign(b.contentWindow!, { htmx: { config: { wsReconnectDelay: wait } } });
      const dropped = (await executeServerCommand('ws', { channel: 'chat', action: 'dropChat' })) as number;
      expect(dropped, 'both tabs were cut off').to.be.at.least(2);
      await waitUntil(() => b.contentDocument!.getElementById('state')!.dataset.state !== 'open', 'b saw the drop');
      await waitUntil(() => a.contentDocument!.getElementById('state')!.dataset.state === 'open', 'a is back', { timeout: 5000 });
      for (let i = 0; i < 3; i++) say(a, 'Ada', `missed ${run} ${i}`);
      await waitUntil(() => lastText(a).includes(`missed ${run} 2`), 'a sent all three');
      expect(b.contentDocument!.getElementById('state')!.dataset.state, 'b was still down').to.not.equal('open');
      b.contentWindow!.dispatchEvent(new Event('online'));
      await waitUntil(() => lastText(b).includes(`missed ${run} 2`), 'b caught up', { timeout: 10_000 });
      expect(opens, 'b reopened once, recovered').to.deep.equal([true]);
      const texts = [...messagesOf(b).querySelectorAll('.msg p')].map((p) => p.textContent);
      const mine = texts.filter((t) => t!.includes(run));
      expect(mine).to.deep.equal([`before ${run}`, `missed ${run} 0`, `missed ${run} 1`, `missed ${run} 2`]);
      expect(messagesOf(b).querySelector(`[data-seen="${run}"]`), 'the list was not replaced by the history').to.not.equal(null);
    });
  }

  it('has a favicon', async () => {
    const a = await tab('/demo/index.html');
    const href = a.contentDocument!.querySelector<HTMLLinkElement>('link[rel=icon]')!.href;
    expect((await fetch(href)).status).to.equal(200);
  });
});
