/// <reference types="node" />
/** Shared helpers of the attachHxWs tests: a server on loopback, clients, and waiting on them. */
import type { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { attachHxWs, type HxWsContext, type HxWsRequest, type HxWsServerOptions } from '../../src/server/index.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export type Options = Partial<HxWsServerOptions>;

/** An HTTP server on 127.0.0.1:0 with hx-ws on /ws; stopped when the test ends. */
export async function start(t: TestContext, options: Options = {}) {
  const errors: Error[] = [];
  const requests: HxWsRequest[] = [];
  const connections: HxWsContext[] = [];
  const server = createServer((_req, res) => res.end('plain http'));
  const hub = attachHxWs(server, {
    path: '/ws',
    handler: (request) => void requests.push(request),
    onConnection: (ctx) => void connections.push(ctx),
    onError: (error) => void errors.push(error),
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, hub, port, errors, requests, connections, url: `ws://127.0.0.1:${port}/ws`, origin: `http://127.0.0.1:${port}` };
}

/** Opens a client; rejects with the handshake error (e.g. a 403). */
export function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const inboxes = new WeakMap<WebSocket, { queue: string[]; waiting: Array<(text: string) => void> }>();

/**
 * The next text message a client receives. Messages are buffered from the first call on, since
 * `ws` may emit several in one tick, before an awaiting test could add a listener again.
 */
export function nextMessage(ws: WebSocket): Promise<string> {
  let inbox = inboxes.get(ws);
  if (!inbox) {
    const box = { queue: [] as string[], waiting: [] as Array<(text: string) => void> };
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const waiter = box.waiting.shift();
      if (waiter) waiter(text);
      else box.queue.push(text);
    });
    inboxes.set(ws, (inbox = box));
  }
  const queued = inbox.queue.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  const box = inbox;
  return new Promise((resolve) => box.waiting.push(resolve));
}

/** The close code and reason a client sees. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}
