// Design-system components put `<hx-ws-send>` (and even `<hx-ws-connect>`) inside their own
// shadow roots. A sender finds the nearest `<hx-ws-connect>` across shadow boundaries (or the
// one its `for` names), its events are composed so the page hears them, and a connection that
// lives in a shadow root swaps into that shadow root. Real Chromium, real ws server.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { LitElement, html as litHtml, type TemplateResult } from 'lit';
import '../../../src/index.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsAfterSendEvent } from '../../../src/events.js';
import { Channel, type RecordedFrame } from '../../support/server.js';
import { next } from '../../support/events.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

/** A composer of the "design system": a form with a send button, all in its shadow root. */
class DsComposer extends LitElement {
  static override properties = { text: {}, for: {} };
  text = 'hello from the shadow';
  for: string | null = null;
  protected override render(): TemplateResult {
    return litHtml`
      <hx-ws-send for=${this.for ?? ''}>
        <form>
          <input name="message" .value=${this.text}>
          <button part="send">Send</button>
        </form>
      </hx-ws-send>`;
  }
  /** What a user does: click the button inside the shadow root. */
  clickSend(): void {
    this.shadowRoot!.querySelector('button')!.click();
  }
}

/** A panel that holds a composer in its own shadow root: two shadow boundaries deep. */
class DsPanel extends LitElement {
  protected override render(): TemplateResult {
    return litHtml`<section><ds-composer text="two levels down"></ds-composer></section>`;
  }
  get composer(): DsComposer {
    return this.shadowRoot!.querySelector('ds-composer')!;
  }
}

/** A widget that owns its connection and its swap targets, all inside its shadow root. */
class DsLiveFeed extends LitElement {
  static override properties = { url: {} };
  url = '';
  protected override render(): TemplateResult {
    return litHtml`
      <hx-ws-connect url=${this.url}>
        <ul id="feed"></ul>
        <ds-composer text="from the feed"></ds-composer>
      </hx-ws-connect>`;
  }
}

customElements.define('ds-composer', DsComposer);
customElements.define('ds-panel', DsPanel);
customElements.define('ds-live-feed', DsLiveFeed);

const json = (frame: RecordedFrame): Record<string, unknown> => JSON.parse(frame.text!) as Record<string, unknown>;
const header = (frame: RecordedFrame, name: string): string | undefined =>
  (json(frame).HEADERS as Record<string, string>)[name];

async function connected(ch: Channel, inner: TemplateResult): Promise<HxWsConnectElement> {
  const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect id="ds-conn" url=${ch.path()}>${inner}</hx-ws-connect>`);
  if (conn.readyState !== WebSocket.OPEN) await next(conn, 'hx-ws-open');
  return conn;
}

describe('design-system components (shadow DOM)', () => {
  it('a <hx-ws-send> form in a component’s shadow root sends through the <hx-ws-connect> around the component', async () => {
    const ch = new Channel();
    const conn = await connected(ch, html`<ds-composer></ds-composer>`);
    const composer = conn.querySelector('ds-composer') as DsComposer;
    await composer.updateComplete;

    // Where the event started, seen by a light-DOM listener while it is dispatched.
    let origin: EventTarget | undefined;
    conn.addEventListener('hx-ws-after-send', (e) => (origin = e.composedPath()[0]), { once: true });
    const heardByConnect = next(conn, 'hx-ws-after-send');
    const heardByDocument = next(document, 'hx-ws-after-send');
    composer.clickSend();

    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('hello from the shadow');
    expect(header(frame, 'HX-Request')).to.equal('true');
    expect(header(frame, 'HX-Target'), 'the connection found across the shadow boundary').to.equal('ds-conn');
    // The event is composed: light DOM listeners hear it, and it comes from inside the component.
    const e: HxWsAfterSendEvent = await heardByConnect;
    await heardByDocument;
    const sender = composer.shadowRoot!.querySelector('hx-ws-send');
    expect(origin === sender, 'the event started at the sender inside the shadow root').to.equal(true);
    expect(e.request.source === sender, 'the request names that sender').to.equal(true);
  });

  it('works two shadow roots deep', async () => {
    const ch = new Channel();
    const conn = await connected(ch, html`<ds-panel></ds-panel>`);
    const panel = conn.querySelector('ds-panel') as DsPanel;
    await panel.updateComplete;
    await panel.composer.updateComplete;
    panel.composer.clickSend();
    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('two levels down');
    expect(header(frame, 'HX-Target')).to.equal('ds-conn');
  });

  it('a sender in a shadow root uses the connection its `for` names, elsewhere on the page', async () => {
    const ch = new Channel();
    const wrapper = await fixture(html`
      <div>
        <hx-ws-connect id="ds-far" url=${ch.path()}></hx-ws-connect>
        <aside><ds-composer for="ds-far" text="sent from a dialog"></ds-composer></aside>
      </div>`);
    const conn = wrapper.querySelector('hx-ws-connect')!;
    if (conn.readyState !== WebSocket.OPEN) await next(conn, 'hx-ws-open');
    const composer = wrapper.querySelector('ds-composer') as DsComposer;
    await composer.updateComplete;
    composer.clickSend();
    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('sent from a dialog');
    expect(header(frame, 'HX-Target')).to.equal('ds-far');
  });

  it('a component that owns its <hx-ws-connect> sends from, and swaps into, its own shadow root', async () => {
    const ch = new Channel();
    // An element with the same id in the page must not be the target: the shadow root comes first.
    const page = await fixture(html`<div><ul id="feed"></ul><ds-live-feed url=${ch.path()}></ds-live-feed></div>`);
    const feed = page.querySelector('ds-live-feed') as DsLiveFeed;
    await feed.updateComplete;
    await ch.waitOpen(1);

    const composer = feed.shadowRoot!.querySelector('ds-composer') as DsComposer;
    await composer.updateComplete;
    composer.clickSend();
    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('from the feed');

    await ch.send('<ul id="feed" hx-swap-oob="beforeend"><li>inside the component</li></ul>');
    const inner = feed.shadowRoot!.querySelector('#feed')!;
    await waitUntil(() => inner.querySelector('li')?.textContent === 'inside the component', 'swapped into the shadow root');
    expect(page.querySelector('#feed')!.children, 'the page’s own #feed is untouched').to.have.length(0);
  });
});
