// Security, seen from a real browser: the server helper refuses upgrades from another origin by
// default, and the demo page shows hostile chat input as text (the fragment helpers escape it).
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/index.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import { Channel } from '../../support/server.js';
import { next } from '../../support/events.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

/** The same server under another host name: another origin for the browser. */
function otherOrigin(): string {
  const other = location.hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
  return `${other}:${location.port}`;
}

describe('security: origin check on upgrade', () => {
  beforeEach(() => sinon.stub(console, 'error')); // the refused socket is logged; the test checks events
  afterEach(() => sinon.restore());

  it('the server helper refuses a socket from another origin (403) and never runs a hook', async () => {
    const ch = new Channel();
    const el = await fixture<HxWsConnectElement>(html`<hx-ws-connect max-retries="0" url=${`ws://${otherOrigin()}${ch.hxPath()}`}></hx-ws-connect>`);
    const close = await next(el, 'hx-ws-close');
    expect(close.code).to.equal(1006);
    expect(close.willReconnect).to.equal(false);
    const s = await ch.state();
    // The upgrade did reach the server (so the refusal is the origin check, not a dead address).
    expect(s.upgrades).to.have.length(1);
    expect(s.upgrades[0].origin).to.equal(location.origin);
    expect(s.upgrades[0].host).to.equal(otherOrigin());
    expect(s.total, 'no connection was opened').to.equal(0);

    // The same page, same server, its own origin: accepted.
    const ok = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${ch.hxPath()}></hx-ws-connect>`);
    await next(ok, 'hx-ws-open');
    expect((await ch.state()).total).to.equal(1);
  });
});

describe('security: the demo shows hostile chat input as text', () => {
  it('a message, a name and a file name of <img src=x onerror=...> arrive as text, and nothing runs', async () => {
    const w = window as unknown as { __xss?: number };
    delete w.__xss;
    const frame = await fixture<HTMLIFrameElement>(html`<iframe src="/demo/index.html" style="width: 800px; height: 600px"></iframe>`);
    await waitUntil(() => frame.contentDocument?.getElementById('state')?.dataset.state === 'open', 'the demo page connected', { timeout: 10_000 });
    const doc = frame.contentDocument!;
    const messages = doc.getElementById('messages')!;
    const before = messages.children.length;

    const hostile = '<img src=x onerror="parent.__xss = 1">';
    const fileName = '"><img src=x onerror=parent.__xss=2>.txt';
    const form = doc.querySelector('form')!;
    (form.elements.namedItem('author') as HTMLInputElement).value = '<b onclick=parent.__xss=3>mal</b>';
    (form.elements.namedItem('message') as HTMLInputElement).value = hostile;
    const files = form.querySelector<HTMLInputElement>('input[type=file]')!;
    const win = frame.contentWindow as unknown as typeof window; // the file input wants files of its own realm
    const dt = new win.DataTransfer();
    dt.items.add(new win.File(['hi'], fileName, { type: 'text/plain' }));
    files.files = dt.files;
    form.querySelector('button')!.click();

    await waitUntil(() => messages.children.length > before && messages.lastElementChild?.textContent?.includes(hostile), 'the message came back', { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 200)); // time for an injected onerror to fire
    const li = messages.lastElementChild!;
    expect(li.querySelector('p')!.textContent).to.equal(hostile);
    expect(li.querySelector('.who')!.textContent).to.equal('<b onclick=parent.__xss=3>mal</b>');
    expect(li.querySelector('a.file')!.textContent).to.contain(fileName);
    expect(li.querySelector('a.file')!.getAttribute('download')).to.equal(fileName);
    expect(li.querySelectorAll('img, b, [onerror], [onclick]')).to.have.length(0);
    expect(w.__xss, 'no injected handler ran').to.equal(undefined);
  });
});
