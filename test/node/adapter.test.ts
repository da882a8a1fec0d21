/// <reference types="node" />
/**
 * The adapter contract on one process: the in-memory default, connection ids, `except` by id,
 * `local`, and what the server does with a failing or status-changing adapter.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { attachHxWs, PublishError, type AdapterHost, type HxWsAdapter, type HxWsContext, type HxWsServerOptions } from '../../src/server/index.js';
import { json } from './helpers.js';

async function start(t: TestContext, options: Partial<HxWsServerOptions> = {}) {
  const errors: { error: Error; ctx: HxWsContext | undefined }[] = [];
  const contexts: HxWsContext[] = [];
  const server = createServer();
  const hx = attachHxWs(server, {
    handler: (request, ctx) => {
      if (request.values.join) ctx.join(String(request.values.join));
      ctx.send('<i>done</i>');
    },
    onConnection: (ctx) => void contexts.push(ctx),
    onError: (error, ctx) => void errors.push({ error, ctx }),
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await hx.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const clients: { ws: WebSocket; got: string[] }[] = [];
  const open = async (room?: string) => {
    const ws = new WebSocket(url);
    const got: string[] = [];
    ws.on('message', (data) => void got.push(String(data)));
    await new Promise((resolve) => ws.once('open', resolve));
    if (room) {
      ws.send(json({ join: room }));
      await until(() => got.includes('<i>done</i>'));
    }
    const client = { ws, got };
    clients.push(client);
    t.after(() => ws.close());
    return client;
  };
  return { hx, errors, contexts, open };
}

async function until(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('adapter: the in-memory default', () => {
  it('counts this process: every connection, a room, an unknown room', async (t) => {
    const { hx, open } = await start(t);
    await open('a');
    await open('a');
    await open('b');
    assert.equal(await hx.count(), 3);
    assert.equal(await hx.count('a'), 2);
    assert.equal(await hx.count('nowhere'), 0);
  });

  it('gives each connection an id that starts with the server id, and except takes that id', async (t) => {
    const { hx, contexts, open } = await start(t);
    const first = await open('r');
    const second = await open('r');
    const [a, b] = contexts;
    assert.ok(a!.id.startsWith(`${hx.serverId}.`) && b!.id.startsWith(`${hx.serverId}.`));
    assert.notEqual(a!.id, b!.id);
    assert.equal(hx.toRoom('r', '<p>x</p>', { except: b!.id }), 1);
    await until(() => first.got.includes('<p>x</p>'));
    assert.ok(!second.got.includes('<p>x</p>'));
  });
});

/** An adapter that records calls and fails every publish. */
function failingAdapter(): HxWsAdapter & { host?: AdapterHost; published: string[] } {
  const adapter: HxWsAdapter & { host?: AdapterHost; published: string[] } = {
    published: [],
    start(host) {
      adapter.host = host;
    },
    publish(message) {
      adapter.published.push(message.html);
      return Promise.reject(new Error('link is down'));
    },
    presence() {},
    count: () => Promise.reject(new Error('cannot tell')),
    close: () => Promise.resolve(),
  };
  return adapter;
}

describe('adapter: failures and status', () => {
  it('a failed publish still reaches local sockets and goes to onError as a PublishError with its message', async (t) => {
    const adapter = failingAdapter();
    const { hx, errors, open } = await start(t, { adapter });
    const client = await open('r');
    assert.equal(hx.toRoom('r', '<p>one</p>'), 1);
    assert.equal(hx.broadcast('<p>two</p>'), 1);
    await until(() => errors.length === 2);
    assert.ok(client.got.includes('<p>one</p>') && client.got.includes('<p>two</p>'));
    const [e1, e2] = errors.map((e) => e.error);
    assert.ok(e1 instanceof PublishError && e2 instanceof PublishError);
    assert.deepEqual(e1.published, { room: 'r', html: '<p>one</p>' });
    assert.deepEqual(e2.published, { html: '<p>two</p>' });
    assert.match(e1.message, /room "r".*link is down/);
    assert.equal(errors[0]!.ctx, undefined);
    await assert.rejects(hx.count('r'), /cannot tell/);
  });

  it('local: true is not handed to the adapter; a throwing publish is reported too', async (t) => {
    const adapter = failingAdapter();
    adapter.publish = (message) => {
      adapter.published.push(message.html);
      throw new Error('sync failure');
    };
    const { hx, errors, open } = await start(t, { adapter });
    await open('r');
    hx.toRoom('r', '<p>here only</p>', { local: true });
    hx.toRoom('r', '<p>everywhere</p>');
    assert.deepEqual(adapter.published, ['<p>everywhere</p>']);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.error.message, /sync failure/);
  });

  it('deliver() from the adapter reaches room members but not except; status changes reach onAdapterStatus once each', async (t) => {
    const adapter = failingAdapter();
    const states: string[] = [];
    const { contexts, open } = await start(t, { adapter, onAdapterStatus: (state, error) => void states.push(`${state}${error ? ` ${error.message}` : ''}`) });
    const a = await open('r');
    const b = await open('r');
    const outside = await open();
    assert.equal(adapter.host!.deliver({ room: 'r', html: '<p>remote</p>', except: contexts[1]!.id }, '1-0'), 1);
    assert.equal(adapter.host!.deliver({ html: '<p>all</p>' }), 3);
    await until(() => a.got.includes('<p>remote</p>') && outside.got.includes('<p>all</p>'));
    assert.ok(!b.got.includes('<p>remote</p>') && !outside.got.includes('<p>remote</p>'));
    assert.equal(adapter.host!.localCount('r'), 2);
    assert.deepEqual([...adapter.host!.localRooms()], [['r', 2]]);
    adapter.host!.status('down', new Error('gone'));
    adapter.host!.status('down', new Error('still gone'));
    adapter.host!.status('up');
    assert.deepEqual(states, ['down gone', 'up']);
  });
});
