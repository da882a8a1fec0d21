// The demo page, driven like a person would: two tabs of the chat room (iframes on the test
// server, where the demo's real room is attached at /chat), a message and an image sent from
// one, both seen in the other, the image loaded from the server.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';

async function tab(src: string): Promise<HTMLIFrameElement> {
  const frame = await fixture<HTMLIFrameElement>(html`<iframe src=${src} style="width: 800px; height: 500px"></iframe>`);
  await waitUntil(() => frame.contentDocument?.getElementById('state')?.dataset.state === 'open', `${src} connected`, { timeout: 10_000 });
  return frame;
}

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
