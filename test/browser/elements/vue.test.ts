// Vue 3 renders the elements from a template once `isCustomElement` says the tags are custom
// elements: a bound value is set as a property when the element has a property of exactly that
// name (`:url` as a function, `:vals` as an object, `:reconnectDelay` in camelCase: Vue does not
// camelize names for elements it did not build), `@hx-ws-open` listens to the `hx-ws-open` event, and HTML swapped in
// by the socket lives beside Vue's own DOM without disturbing Vue's state. Vue's ES build with
// the template compiler is served for `vue` (test/support/framework-modules.mjs).
import { expect, waitUntil } from '@open-wc/testing';
import { createApp, nextTick, ref, type App } from 'vue';
import '../../../src/index.js';
import type {} from '../../../src/vue.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsAfterMessageEvent, HxWsAfterSendEvent, HxWsOpenEvent } from '../../../src/events.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import { Channel, type RecordedFrame } from '../../support/server.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

let app: App | undefined;
let container: HTMLElement | undefined;

afterEach(() => {
  app?.unmount();
  container?.remove();
  app = undefined;
  container = undefined;
});

const json = (frame: RecordedFrame): Record<string, unknown> => JSON.parse(frame.text!) as Record<string, unknown>;

const template = `
  <section>
    <p id="vue-count">{{ count }}</p>
    <button id="vue-inc" type="button" @click="count++">+</button>
    <hx-ws-connect id="vue-conn" :url="url" :reconnectDelay="instant" @hx-ws-open="onOpen" @hx-ws-after-message="onMessage">
      <ul id="vue-messages"></ul>
      <hx-ws-send :vals="{ room: 'lobby', count }" @hx-ws-after-send="onSent">
        <form>
          <input name="message" value="hello from Vue">
          <button id="vue-send">Send</button>
        </form>
      </hx-ws-send>
    </hx-ws-connect>
  </section>`;

/** Mounts the chat template; `url` is reactive, `log` records what the listeners heard. */
function mount(initialUrl: string | (() => string)) {
  const url = ref<string | (() => string)>(initialUrl);
  const count = ref(0);
  const log: string[] = [];
  container = document.createElement('div');
  document.body.append(container);
  app = createApp({
    template,
    setup: () => ({
      url,
      count,
      instant: () => 0,
      onOpen: (e: HxWsOpenEvent) => log.push(`open ${e.socket.readyState}`),
      onMessage: (e: HxWsAfterMessageEvent) => log.push(`message swapped=${e.swapped}`),
      onSent: (e: HxWsAfterSendEvent) => log.push(`sent ${e.request.id > 0}`),
    }),
  });
  app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('hx-ws-');
  app.mount(container);
  return { view: container, url, count, log };
}

describe('Vue 3', () => {
  it('renders the elements from a template, hears events through @ listeners, sends a form, and a swap lands beside Vue state', async () => {
    const ch = new Channel();
    const { view, count, log } = mount(ch.path());
    const conn = view.querySelector('hx-ws-connect') as HxWsConnectElement;
    expect(conn.url).to.equal(ch.path());
    expect(conn.reconnectDelay, 'a camelCase binding is set as the property').to.be.a('function');
    await waitUntil(() => log.includes('open 1'), '@hx-ws-open heard the open event');

    view.querySelector<HTMLButtonElement>('#vue-inc')!.click();
    await nextTick();
    expect(view.querySelector('#vue-count')!.textContent).to.equal('1');

    view.querySelector<HTMLButtonElement>('#vue-send')!.click();
    const [frame] = await ch.waitFrames(1);
    const sent = json(frame);
    expect(sent.message).to.equal('hello from Vue');
    expect(sent.room, 'an object binding (vals) is set as a property').to.equal('lobby');
    expect(sent.count).to.equal(1);
    expect((sent.HEADERS as Record<string, string>)['HX-Target']).to.equal('vue-conn');
    await waitUntil(() => log.includes('sent true'), '@hx-ws-after-send fired');

    await ch.send('<ul id="vue-messages" hx-swap-oob="beforeend"><li class="msg">hi, Vue</li></ul>');
    await waitUntil(() => view.querySelector('#vue-messages .msg')?.textContent === 'hi, Vue', 'the swap landed');
    expect(log).to.include('message swapped=true');

    // Vue kept its state and keeps rendering; the swapped content survives a re-render.
    count.value = 5;
    await nextTick();
    expect(view.querySelector('#vue-count')!.textContent).to.equal('5');
    expect(view.querySelectorAll('#vue-messages .msg')).to.have.length(1);
    expect(view.querySelector('hx-ws-connect') === conn, 'Vue kept the same element').to.equal(true);
    expect((await ch.state()).total, 'one socket all along').to.equal(1);
  });

  it('binds a function url as a property; a new url reconnects; unmounting closes with 1000', async () => {
    const a = new Channel();
    const b = new Channel();
    let calls = 0;
    const fn = () => a.path(`?token=t${++calls}`);
    const { view, url } = mount(fn);
    const conn = view.querySelector('hx-ws-connect') as HxWsConnectElement;
    expect(conn.url).to.equal(fn);
    expect(conn.hasAttribute('url')).to.equal(false);
    await a.waitOpen(1);
    expect(new URL((await a.state()).upgrades[0].url, location.href).searchParams.get('token')).to.equal('t1');

    url.value = b.path();
    await b.waitOpen(1);
    await a.waitOpen(0);
    app!.unmount();
    app = undefined;
    await waitUntil(async () => (await b.state()).closes.length === 1, 'the socket closed');
    expect((await b.state()).closes[0].code).to.equal(1000);
  });

  it('a template ref reaches send()', async () => {
    const ch = new Channel();
    container = document.createElement('div');
    document.body.append(container);
    const sender = ref<HxWsSendElement | null>(null);
    app = createApp({
      template: `<hx-ws-connect :url="url"><hx-ws-send ref="sender"><input name="message" value="by ref"></hx-ws-send></hx-ws-connect>`,
      setup: () => ({ url: ch.path(), sender }),
    });
    app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('hx-ws-');
    app.mount(container);
    await ch.waitOpen(1);
    expect(await sender.value!.send()).to.not.equal(null);
    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('by ref');
  });
});
