/// <reference types="node" />
/**
 * attachHxWs in a process of its own, for tests that measure the server's memory: the parent
 * sends commands over IPC (start with options and an optional handler delay, mark the RSS and
 * heap baselines, broadcast, report) and gets the RSS and heap peaks since the mark (sampled
 * every 10 ms), the requests handled, the bytes read per socket, the close causes and the error
 * kinds.
 * Started by {@link startChild} in `hostile.test.ts`; loopback only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachHxWs, ProtocolError, type HxWsServerOptions } from '../../src/server/index.js';

type Command =
  | { type: 'start'; options: Partial<HxWsServerOptions>; handlerMs?: number }
  | { type: 'mark' }
  | { type: 'broadcast'; count: number; bytes: number }
  | { type: 'report' };

const send = (message: unknown) => process.send!(message);
const closes: Array<{ code: number; cause: string }> = [];
const errors: string[] = [];
let hub: ReturnType<typeof attachHxWs> | undefined;
let base = 0;
let peak = 0;
let heapBase = 0;
let heapPeak = 0;
/** Requests the handler was called with. */
let handled = 0;

const gc = (globalThis as { gc?: () => void }).gc;
const rss = () => process.memoryUsage.rss();
const heap = () => process.memoryUsage().heapUsed;
setInterval(() => {
  peak = Math.max(peak, rss());
  heapPeak = Math.max(heapPeak, heap());
}, 10).unref();

process.on('message', async (command: Command) => {
  if (command.type === 'start') {
    const server = createServer();
    hub = attachHxWs(server, {
      path: '/ws',
      handler: () => {
        handled += 1;
        // `handlerMs`: a handler that takes that long (a promise the queue waits for).
        if (command.handlerMs) return new Promise((resolve) => setTimeout(resolve, command.handlerMs));
      },
      onClose: (_ctx, code, _reason, info) => void closes.push({ code, cause: info.cause }),
      onError: (error) => void errors.push(error instanceof ProtocolError ? error.kind : error.message),
      ...command.options,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    send({ type: 'ready', port: (server.address() as AddressInfo).port });
  } else if (command.type === 'mark') {
    gc?.();
    base = peak = rss();
    heapBase = heapPeak = heap();
    send({ type: 'marked', rss: base });
  } else if (command.type === 'broadcast') {
    const text = 'x'.repeat(command.bytes);
    let sent = 0;
    for (let i = 0; i < command.count; i++) sent += hub!.broadcast(text);
    send({ type: 'broadcasted', sent, open: hub!.clients.size });
  } else if (command.type === 'report') {
    peak = Math.max(peak, rss());
    heapPeak = Math.max(heapPeak, heap());
    // Bytes node has read from each open socket (what reading paused, or not).
    const bytesRead = [...hub!.clients].map((ctx) => ctx.req.socket.bytesRead);
    send({ type: 'report', base, peak, growth: peak - base, heapGrowth: heapPeak - heapBase, handled, bytesRead, clients: hub!.clients.size, closes, errors });
  }
});
send({ type: 'alive' });
