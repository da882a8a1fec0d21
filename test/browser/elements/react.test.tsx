// React 19 renders the elements like any other tag: props the element has as properties
// (`url` as a function, `vals` as an object) are set as properties, `on<event-name>` props add
// listeners, and HTML swapped in by the socket lives beside React's own DOM without disturbing
// React's state. Real Chromium, real ws server.
import { expect, waitUntil } from '@open-wc/testing';
import { useState, type JSX } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import '../../../src/index.js';
import type {} from '../../../src/react.js';
import type { HxWsConnectElement } from '../../../src/elements/connect-element.js';
import type { HxWsAfterSendEvent, HxWsOpenEvent } from '../../../src/events.js';
import type { HxWsSendElement } from '../../../src/elements/send-element.js';
import { Channel, type RecordedFrame } from '../../support/server.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

let root: Root | undefined;
let container: HTMLElement | undefined;

function render(ui: JSX.Element): HTMLElement {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  flushSync(() => root!.render(ui));
  return container;
}

afterEach(() => {
  root?.unmount();
  container?.remove();
  root = undefined;
  container = undefined;
});

const json = (frame: RecordedFrame): Record<string, unknown> => JSON.parse(frame.text!) as Record<string, unknown>;

interface ChatProps {
  url: string | (() => string);
  log: string[];
}

/** A component with state of its own (a counter) around the elements. */
function Chat({ url, log }: ChatProps): JSX.Element {
  const [count, setCount] = useState(0);
  return (
    <section>
      <p id="react-count">{count}</p>
      <button id="react-inc" type="button" onClick={() => setCount((c) => c + 1)}>
        +
      </button>
      <hx-ws-connect
        id="react-conn"
        url={url}
        reconnectDelay={() => 0}
        onhx-ws-open={(e: HxWsOpenEvent) => log.push(`open ${e.socket.readyState}`)}
        onhx-ws-after-message={(e) => log.push(`message swapped=${e.swapped}`)}
      >
        <ul id="react-messages" />
        <div id="react-status" />
        <hx-ws-send vals={{ room: 'lobby', count }} onhx-ws-after-send={(e: HxWsAfterSendEvent) => log.push(`sent ${e.request.id > 0}`)}>
          <form>
            <input name="message" defaultValue="hello from React" />
            <button id="react-send">Send</button>
          </form>
        </hx-ws-send>
      </hx-ws-connect>
    </section>
  );
}

describe('React 19', () => {
  it('renders the elements, hears events through on<event> props, sends a form, and a swap lands beside React state', async () => {
    const ch = new Channel();
    const log: string[] = [];
    const view = render(<Chat url={ch.path()} log={log} />);
    const conn = view.querySelector('hx-ws-connect')!;
    expect(conn.url, 'a string url prop is the url').to.equal(ch.path());
    await waitUntil(() => log.includes('open 1'), 'the onhx-ws-open prop heard the open event');

    // React state changes, re-renders: same socket, nothing sent.
    const inc = view.querySelector<HTMLButtonElement>('#react-inc')!;
    inc.click();
    inc.click();
    await waitUntil(() => view.querySelector('#react-count')!.textContent === '2');

    // Submitting the React-rendered form sends over the socket; the page does not navigate.
    view.querySelector<HTMLButtonElement>('#react-send')!.click();
    const [frame] = await ch.waitFrames(1);
    const sent = json(frame);
    expect(sent.message).to.equal('hello from React');
    expect(sent.room, 'an object prop (vals) is set as a property').to.equal('lobby');
    expect(sent.count, 'a re-render updated the vals property').to.equal(2);
    expect((sent.HEADERS as Record<string, string>)['HX-Target']).to.equal('react-conn');
    await waitUntil(() => log.includes('sent true'), 'the onhx-ws-after-send prop fired');

    // The server's HTML lands inside markup React rendered (containers React keeps empty).
    await ch.send(
      '<ul id="react-messages" hx-swap-oob="beforeend"><li class="msg">hi, React</li></ul>' +
        '<div id="react-status" hx-swap-oob="innerHTML"><b>online</b></div>',
    );
    await waitUntil(() => view.querySelector('#react-messages .msg')?.textContent === 'hi, React', 'the swap landed');
    expect(view.querySelector('#react-status > b')!.textContent).to.equal('online');
    expect(log).to.include('message swapped=true');

    // React kept its state and keeps rendering; the swapped content survives a re-render.
    expect(view.querySelector('#react-count')!.textContent).to.equal('2');
    inc.click();
    await waitUntil(() => view.querySelector('#react-count')!.textContent === '3');
    expect(view.querySelectorAll('#react-messages .msg')).to.have.length(1);
    expect(view.querySelector('hx-ws-connect') === conn, 'React kept the same element').to.equal(true);
    const state = await ch.state();
    expect(state.total, 'one socket all along').to.equal(1);
  });

  it('sets a function url as a property and calls it on every connect', async () => {
    const ch = new Channel();
    let calls = 0;
    const url = () => ch.path(`?token=t${++calls}`);
    render(<Chat url={url} log={[]} />);
    const conn = container!.querySelector('hx-ws-connect') as HxWsConnectElement;
    expect(conn.url).to.equal(url);
    expect(conn.hasAttribute('url'), 'a function is never written as an attribute').to.equal(false);
    await ch.waitOpen(1);
    await ch.drop(); // abnormal close: reconnect, with a fresh token
    await waitUntil(async () => (await ch.state()).total === 2, 'reconnected');
    const { upgrades } = await ch.state();
    expect(upgrades.map((u) => new URL(u.url, location.href).searchParams.get('token'))).to.deep.equal(['t1', 't2']);
  });

  it('a new url prop reconnects, and unmounting closes the socket with 1000', async () => {
    const a = new Channel();
    const b = new Channel();
    const log: string[] = [];
    render(<Chat url={a.path()} log={log} />);
    await a.waitOpen(1);
    flushSync(() => root!.render(<Chat url={b.path()} log={log} />));
    await b.waitOpen(1);
    await a.waitOpen(0);
    root!.unmount();
    root = undefined;
    await waitUntil(async () => (await b.state()).closes.length === 1, 'the socket closed');
    expect((await b.state()).closes[0].code).to.equal(1000);
  });

  it('send() through a ref, with a form React controls', async () => {
    const ch = new Channel();
    let sender: HxWsSendElement | null = null;
    function Controlled(): JSX.Element {
      const [text, setText] = useState('typed');
      return (
        <hx-ws-connect url={ch.path()}>
          <hx-ws-send ref={(el) => void (sender = el)}>
            <input name="message" value={text} onChange={(e) => setText(e.target.value)} />
          </hx-ws-send>
        </hx-ws-connect>
      );
    }
    render(<Controlled />);
    await ch.waitOpen(1);
    expect(sender).to.be.instanceOf(HTMLElement);
    const request = await sender!.send();
    expect(request).to.not.equal(null);
    const [frame] = await ch.waitFrames(1);
    expect(json(frame).message).to.equal('typed');
  });
});
