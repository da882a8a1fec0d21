// SocketConnection through its seams (socket factory, random source, timers): backoff, status
// and queueing driven without a server, without patching Math.random or the page's timers.
import { expect } from '@open-wc/testing';
import { SocketConnection, type ConnectionSettings } from '../../../src/connection/socket-connection.js';
import type { Timers } from '../../../src/connection/retry.js';
import type { HxWsCloseEvent } from '../../../src/events.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

class FakeSocket extends EventTarget {
  readyState: number = WebSocket.CONNECTING;
  binaryType = 'blob';
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  constructor(readonly url: string) {
    super();
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = WebSocket.CLOSED;
  }
  accept(): void {
    this.readyState = WebSocket.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  drop(code = 1006): void {
    this.readyState = WebSocket.CLOSED;
    this.dispatchEvent(new CloseEvent('close', { code, wasClean: false }));
  }
}

class FakeTimers implements Timers {
  private due: { fn: () => void; ms: number }[] = [];
  readonly delays: number[] = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { fn, ms };
    this.due.push(t);
    this.delays.push(ms);
    return t;
  }
  clearTimeout(handle: unknown): void {
    this.due = this.due.filter((t) => t !== handle);
  }
  /** Runs every pending timer once. */
  flush(): void {
    const now = this.due;
    this.due = [];
    for (const t of now) t.fn();
  }
  get pending(): number {
    return this.due.length;
  }
}

const tick = () => new Promise<void>((r) => queueMicrotask(r));

function rig(settings: Partial<ConnectionSettings> = {}) {
  const host = document.createElement('div');
  document.body.append(host);
  const sockets: FakeSocket[] = [];
  const timers = new FakeTimers();
  const connection = new SocketConnection(host, () => ({ url: 'ws://127.0.0.1:9/seams', ...settings }), {
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s as unknown as WebSocket;
    },
    random: () => 0.5,
    timers,
  });
  const closes: HxWsCloseEvent[] = [];
  host.addEventListener('hx-ws-close', (e) => closes.push(e));
  return { host, sockets, timers, connection, closes };
}

describe('SocketConnection seams', () => {
  afterEach(() => document.querySelectorAll('body > div').forEach((d) => d.remove()));

  it('backs off 500, 1000, 2000 ms (random 0.5) with the given timers, and resets after an open', async () => {
    const { sockets, timers, connection, closes } = rig();
    expect(connection.status).to.equal('stopped');
    connection.hostConnected();
    expect(connection.status).to.equal('pending');
    await tick();
    expect(connection.status).to.equal('connecting');
    sockets[0]!.accept();
    expect(connection.status).to.equal('open');
    for (let i = 0; i < 3; i++) {
      sockets.at(-1)!.drop();
      expect(connection.status).to.equal('retrying');
      expect(connection.retryCount).to.equal(i);
      timers.flush();
    }
    expect(closes.map((e) => e.reconnectDelay)).to.deep.equal([500, 1000, 2000]);
    expect(sockets).to.have.length(4);
    sockets[3]!.accept();
    expect(connection.retryCount).to.equal(0);
    sockets[3]!.drop();
    expect(closes.at(-1)!.reconnectDelay).to.equal(500);
    connection.stop();
    expect(connection.status).to.equal('stopped');
    expect(timers.pending).to.equal(0);
  });

  it('queues while connecting and sends in order once open; close() stops the retries', async () => {
    const { sockets, timers, connection } = rig();
    connection.hostConnected();
    await tick();
    connection.send('a');
    connection.send('b');
    expect(connection.queued).to.have.length(2);
    sockets[0]!.accept();
    expect(sockets[0]!.sent).to.deep.equal(['a', 'b']);
    connection.close();
    expect(connection.status).to.equal('closed');
    expect(timers.pending).to.equal(0);
    connection.reconnect();
    expect(connection.status).to.equal('connecting');
    expect(sockets).to.have.length(2);
    connection.stop();
  });

  it('a max-retries that is not a number is reported once and retries go on', async () => {
    const { host, sockets, timers, connection } = rig({ maxRetries: 'x' });
    const reasons: string[] = [];
    host.addEventListener('hx-ws-error', (e) => reasons.push(e.reason));
    const error = console.error;
    console.error = () => {};
    try {
      connection.hostConnected();
      await tick();
      for (let i = 0; i < 3; i++) {
        sockets.at(-1)!.drop();
        timers.flush();
      }
    } finally {
      console.error = error;
    }
    expect(sockets).to.have.length(4);
    expect(reasons).to.deep.equal(['bad-limit']);
    connection.stop();
  });
});
