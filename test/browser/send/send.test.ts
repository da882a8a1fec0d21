import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsErrorEvent, OutgoingRequest } from '../../../src/events.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import { Sender } from '../../../src/send/sender.js';
import { bytesFile, Channel, expectNothingSent, next, page, sentJson, setFiles, sha256, textFile, withoutHeaders } from '../../support/send.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

afterEach(() => {
  sinon.restore();
  delete (window as { htmx?: unknown }).htmx;
});

const simple = html`<hx-ws-send id="s"><form><input name="msg" value="hi"></form></hx-ws-send>`;

describe('<hx-ws-send> events', () => {
  it('config-send carries values and headers; changing them in place changes what is sent', async () => {
    const { ch, sender } = await page(simple);
    sender.addEventListener('hx-ws-config-send', (e) => {
      e.values.added = [1, 2];
      delete e.values.msg;
      e.headers['X-Signed'] = 'yes';
      delete e.headers['HX-Current-URL'];
    });
    await sender.send();
    const [json] = await sentJson(ch);
    expect(json).to.deep.equal({
      added: [1, 2],
      HEADERS: { 'HX-Request': 'true', 'HX-Trigger': 's', 'HX-Target': 'conn', 'X-Signed': 'yes' },
    });
  });

  it('cancelling config-send sends nothing and resolves null', async () => {
    const { ch, conn, sender } = await page(simple);
    let seen = 0;
    sender.addEventListener('hx-ws-config-send', (e) => (seen++, e.preventDefault()));
    expect(await sender.send()).to.equal(null);
    expect(seen).to.equal(1);
    await expectNothingSent(ch, conn);
  });

  it('before-send (cancelable) and after-send fire on the sender with the request', async () => {
    const { ch, conn, sender } = await page(simple);
    const order: string[] = [];
    sender.addEventListener('hx-ws-config-send', () => order.push('config'));
    sender.addEventListener('hx-ws-before-send', (e) => (order.push('before'), e.preventDefault()));
    sender.addEventListener('hx-ws-after-send', () => order.push('after'));
    await sender.send();
    expect(order).to.deep.equal(['config', 'before']);
    await expectNothingSent(ch, conn);
  });

  it('after-send carries the request that went out; upload progress reaches total', async () => {
    const { ch, sender } = await page(simple);
    const after = next(sender, 'hx-ws-after-send');
    const progress: number[] = [];
    let total = -1;
    sender.addEventListener('hx-ws-upload-progress', (e) => (progress.push(e.loaded), (total = e.total)));
    const request = await sender.send();
    expect((await after).request).to.equal(request);
    await waitUntil(() => progress.at(-1) === total, 'progress reaches total');
    const [frame] = await ch.waitFrames(1);
    expect(request!.frames[0]).to.equal(frame.text);
    expect(total).to.equal(frame.size);
  });

  it('with htmx on the page the htmx twins are heard too, and htmx listeners can change the values', async () => {
    (window as { htmx?: unknown }).htmx = { config: {} };
    const { ch, sender } = await page(simple);
    const heard: string[] = [];
    for (const name of ['htmx:wsConfigSend', 'htmx:wsBeforeSend', 'htmx:wsAfterSend']) {
      document.addEventListener(name, () => heard.push(name), { once: true });
    }
    document.addEventListener('htmx:wsConfigSend', (e) => ((e as CustomEvent).detail.parameters.viaHtmx = 1), { once: true });
    await sender.send();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ msg: 'hi', viaHtmx: 1 });
    expect(heard).to.deep.equal(['htmx:wsConfigSend', 'htmx:wsBeforeSend', 'htmx:wsAfterSend']);
  });

  it('cancelling the htmx twin htmx:wsBeforeSend cancels the send', async () => {
    (window as { htmx?: unknown }).htmx = { config: {} };
    const { ch, conn, sender } = await page(simple);
    document.addEventListener('htmx:wsBeforeSend', (e) => e.preventDefault(), { once: true });
    await sender.send();
    await expectNothingSent(ch, conn);
  });
});

describe('<hx-ws-send> validation', () => {
  it('an invalid form sends nothing, fires validation-halted with the errors and shows the browser message', async () => {
    const { ch, conn, sender } = await page(html`
      <hx-ws-send><form><input name="email" type="email" required><input name="age" type="number" min="18" value="3"></form></hx-ws-send>`);
    const [email, age] = Array.from(sender.querySelectorAll('input'));
    let invalidEvents = 0;
    email.addEventListener('invalid', () => invalidEvents++);
    const halted = next(sender, 'hx-ws-validation-halted');
    expect(await sender.send()).to.equal(null);
    const e = await halted;
    expect(e.errors.map((x) => x.elt)).to.deep.equal([email, age]);
    expect(e.errors[0].message).to.equal(email.validationMessage);
    expect(email.validationMessage).to.not.equal('');
    expect(e.errors[0].validity.valueMissing).to.equal(true);
    expect(invalidEvents, 'reportValidity ran (the browser shows the message)').to.equal(1);
    await expectNothingSent(ch, conn);
  });

  it('novalidate on the form skips validation', async () => {
    const { ch, sender } = await page(html`<hx-ws-send><form novalidate><input name="q" required></form></hx-ws-send>`);
    await sender.send();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ q: '' });
  });

  it('without a form, the controls inside are validated before a click sends', async () => {
    const { ch, conn, sender } = await page(html`<hx-ws-send><input name="q" required><button>Go</button></hx-ws-send>`);
    const halted = next(sender, 'hx-ws-validation-halted');
    sender.querySelector('button')!.click();
    expect((await halted).errors).to.have.length(1);
    await expectNothingSent(ch, conn);
  });
});

describe('<hx-ws-send> finding the socket', () => {
  it('a sender with no socket fires no-socket-source with the values and one console.error; nothing is sent', async () => {
    const errors = sinon.stub(console, 'error');
    const sender = await fixture<HxWsSendElement>(html`<hx-ws-send><form><input name="a" value="1"></form></hx-ws-send>`);
    const got = next(sender, 'hx-ws-no-socket-source');
    expect(await sender.send()).to.equal(null);
    const e = await got;
    expect(e.wanted).to.equal(null);
    expect(e.values).to.deep.equal({ a: '1' });
    expect(errors.callCount).to.equal(1);
  });

  it('for names a connecting element elsewhere; a for that names nothing is no-socket-source', async () => {
    const a = new Channel();
    const b = new Channel();
    const root = await fixture(html`<div>
      <hx-ws-connect id="conn-a" url=${a.path()}><hx-ws-send id="s" for="conn-b"><form><input name="x" value="1"></form></hx-ws-send></hx-ws-connect>
      <hx-ws-connect id="conn-b" url=${b.path()}></hx-ws-connect>
    </div>`);
    await a.waitOpen(1);
    await b.waitOpen(1);
    const sender = root.querySelector('hx-ws-send')!;
    await sender.send();
    const [json] = await sentJson(b);
    expect((json.HEADERS as Record<string, string>)['HX-Target']).to.equal('conn-b');
    expect((await a.frames()).length).to.equal(0);

    sinon.stub(console, 'error');
    sender.for = 'nowhere';
    const got = next(sender, 'hx-ws-no-socket-source');
    await sender.send();
    expect((await got).wanted).to.equal('nowhere');
  });

  it('a sender inside another component’s shadow root finds the <hx-ws-connect> outside it', async () => {
    class XPanel extends HTMLElement {
      constructor() {
        super();
        this.attachShadow({ mode: 'open' }).innerHTML = `
          <div><hx-ws-send vals='{"from": "shadow"}'><input name="note" value="n"><button>Send</button></hx-ws-send></div>`;
      }
    }
    if (!customElements.get('x-send-panel')) customElements.define('x-send-panel', XPanel);
    const { ch, conn } = await page(html`<section><x-send-panel></x-send-panel></section>`);
    const panel = conn.querySelector('x-send-panel')!;
    panel.shadowRoot!.querySelector('button')!.click();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ note: 'n', from: 'shadow' });
    expect((json.HEADERS as Record<string, string>)['HX-Target']).to.equal('conn');
  });

  it('the plain Sender class works on any element (as the attribute shim uses it)', async () => {
    const { ch, conn } = await page(html`<form id="plain" hx-vals='{"k": 1}'><input name="q" value="v"></form>`);
    const form = conn.querySelector('form')!;
    const sender = new Sender(form, () => ({}));
    sender.hostConnected();
    try {
      const submitted = new Promise<Event>((r) => document.addEventListener('submit', r, { once: true }));
      form.requestSubmit();
      expect((await submitted).defaultPrevented).to.equal(true);
      const [json] = await sentJson(ch);
      expect(withoutHeaders(json)).to.deep.equal({ q: 'v', k: 1 });
      expect((json.HEADERS as Record<string, string>)['HX-Trigger']).to.equal('plain');
    } finally {
      sender.hostDisconnected();
    }
  });
});

describe('<hx-ws-send> the queue and ordering', () => {
  const numbered = html`<hx-ws-send><form><input name="n" value="0"></form></hx-ws-send>`;
  const sendNumber = (sender: HxWsSendElement, n: number) => {
    sender.querySelector('input')!.value = String(n);
    return sender.send();
  };

  it('sends while disconnected are queued and flushed in order after the reconnect', async () => {
    const { ch, conn, sender } = await page(numbered);
    conn.reconnectDelay = () => 200;
    await sendNumber(sender, 1);
    await ch.waitFrames(1);
    const closed = next(conn, 'hx-ws-close');
    await ch.drop();
    expect((await closed).willReconnect).to.equal(true);
    expect(conn.readyState).to.not.equal(WebSocket.OPEN);
    for (const n of [2, 3, 4]) await sendNumber(sender, n);
    expect(conn.connection.queued).to.have.length(3);
    await next(conn, 'hx-ws-open');
    const frames = await ch.waitFrames(4);
    expect(frames.map((f) => JSON.parse(f.text!).n)).to.deep.equal(['1', '2', '3', '4']);
    expect(frames[1].conn).to.not.equal(frames[0].conn);
    expect(new Set(frames.slice(1).map((f) => f.conn)).size).to.equal(1);
  });

  it('queue overflow (queue-limit="2", three sends while closed) is an error event carrying the dropped request', async () => {
    const errors = sinon.stub(console, 'error');
    const ch = new Channel();
    const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect queue-limit="2" url=${ch.path()}>${numbered}</hx-ws-connect>`);
    const sender = conn.querySelector('hx-ws-send')!;
    expect(conn.readyState).to.not.equal(WebSocket.OPEN);
    const dropped = next(sender, 'hx-ws-error');
    const requests: (OutgoingRequest | null)[] = [];
    for (const n of [1, 2, 3]) requests.push(await sendNumber(sender, n));
    const e: HxWsErrorEvent = await dropped;
    expect(e.reason).to.equal('queue-overflow');
    expect(e.request).to.equal(requests[2]);
    expect(e.request!.values).to.deep.equal({ n: '3' });
    expect(errors.callCount).to.equal(1);
    await next(conn, 'hx-ws-open');
    const frames = await ch.waitFrames(2);
    await new Promise((r) => setTimeout(r, 100));
    expect((await ch.frames()).map((f) => JSON.parse(f.text!).n)).to.deep.equal(['1', '2']);
    expect(frames).to.have.length(2);
  });

  it('two requests with files sent back to back never interleave: json, files, json, files', async () => {
    const { ch, sender } = await page(html`
      <hx-ws-send><form><input name="n" value="0"><input type="file" name="f" multiple></form></hx-ws-send>`);
    const input = sender.querySelector<HTMLInputElement>('input[type=file]')!;
    const files = [
      [bytesFile('a1', new Uint8Array(300_000).fill(1)), bytesFile('a2', new Uint8Array(10).fill(2))],
      [bytesFile('b1', new Uint8Array(200_000).fill(3)), bytesFile('b2', new Uint8Array(20).fill(4))],
    ];
    setFiles(input, ...files[0]);
    const first = sendNumber(sender, 1);
    setFiles(input, ...files[1]);
    const second = sendNumber(sender, 2);
    await Promise.all([first, second]);
    const frames = await ch.waitFrames(6);
    const want = await Promise.all(files.flat().map((f) => sha256(f)));
    expect(frames.map((f) => (f.binary ? f.sha256 : JSON.parse(f.text!).n))).to.deep.equal(['1', want[0], want[1], '2', want[2], want[3]]);
  });

  it('a file that cannot be read (inline) is a file-read error, nothing is sent, and later sends still go', async () => {
    const errors = sinon.stub(console, 'error');
    const { ch, conn, sender } = await page(html`
      <hx-ws-send encoding="multipart/json-files-inline"><form><input name="n" value="1"><input type="file" name="f"></form></hx-ws-send>`);
    const input = sender.querySelector<HTMLInputElement>('input[type=file]')!;
    setFiles(input, bytesFile('gone.bin', new Uint8Array([1, 2, 3])));
    const read = sinon.stub(File.prototype, 'arrayBuffer').rejects(new DOMException('the file changed', 'NotReadableError'));
    const got = next(sender, 'hx-ws-error');
    expect(await sender.send()).to.equal(null);
    const e = await got;
    expect(e.reason).to.equal('file-read');
    expect(e.message).to.contain('the file changed');
    expect(errors.callCount).to.equal(1);
    await expectNothingSent(ch, conn);
    read.restore();
    await sender.send();
    const frames = await ch.waitFrames(2);
    expect(JSON.parse(frames[1].text!).f.body).to.equal('AQID');
  });

  it('an inline request still reading its files keeps its place before a later oob request', async () => {
    const { ch, conn } = await page(html`
      <hx-ws-send id="slow" encoding="multipart/json-files-inline"><form><input name="n" value="1"><input type="file" name="f"></form></hx-ws-send>
      <hx-ws-send id="fast"><form><input name="n" value="2"><input type="file" name="f"></form></hx-ws-send>`);
    const [slow, fast] = Array.from(conn.querySelectorAll('hx-ws-send'));
    const big = new Uint8Array(3_000_000);
    for (let i = 0; i < big.length; i++) big[i] = i & 255;
    setFiles(slow.querySelector<HTMLInputElement>('input[type=file]')!, bytesFile('big.bin', big));
    setFiles(fast.querySelector<HTMLInputElement>('input[type=file]')!, textFile('small.txt', 'small'));
    const a = slow.send();
    const b = fast.send();
    await Promise.all([a, b]);
    const frames = await ch.waitFrames(3, 15_000);
    expect(frames.map((f) => (f.binary ? `file:${f.size}` : `json:${JSON.parse(f.text ?? '{"n":"big"}').n}`))).to.deep.equal([
      'json:big', // too large for the server to keep as text: it is the inline one
      'json:2',
      'file:5',
    ]);
    expect(frames[0].size).to.be.greaterThan(4_000_000);
  });
});
