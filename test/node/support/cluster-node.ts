/// <reference types="node" />
/**
 * One server process of a test cluster: an HTTP server on a free loopback port with
 * `attachHxWs` on `/ws` and the Redis adapter (REDIS_URL), driven by its parent over IPC.
 *
 * Clients ask with a request whose values are `{ op: "join", room }`, `{ op: "leave", room }`
 * or `{ op: "say", room, text, exceptSelf }`; each connection is first told its id as
 * `<i id="me">ID</i>`. The parent sends `{ id, op, ... }` (toRoom, broadcast, count, close) and
 * gets `{ id, result }` back; adapter errors and status changes arrive as `{ event, ... }`.
 *
 * With RECOVERY (the JSON of `recovery` options), recovery is on and connections are recovering
 * clients: one that was not recovered joins `lobby` and is sent `<p>snapshot</p>`; requests
 * `{ op: "set", key, value }` set `ctx.data[key]`, `{ op: "get", key }` is answered with
 * `<p>key=value</p>`; the parent can ask for `recoveries`, `handled` (request ids the handler
 * got), `position`, and send `direct` to the last recovering connection (open or not).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachHxWs, PublishError, requestIdOf, type HxWsContext, type HxWsServerOptions } from '../../../src/server/index.js';
import { redisAdapter } from '../../../src/server/redis.js';

const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
  else console.error("after disconnect:", message);
};

const adapter = redisAdapter({
  url: process.env.REDIS_URL,
  prefix: process.env.REDIS_PREFIX ?? 'hxws-test',
  presenceTtl: Number(process.env.PRESENCE_TTL ?? 1000),
  retryDelay: () => 50,
  maxLen: process.env.MAX_LEN ? Number(process.env.MAX_LEN) : undefined,
});
const server = createServer();
const recovery = process.env.RECOVERY ? (JSON.parse(process.env.RECOVERY) as object) : undefined;
const recoveries: (boolean | undefined)[] = [];
const handled: (string | undefined)[] = [];
let last: HxWsContext | undefined;
const recovering: Partial<HxWsServerOptions> = {
  recovery,
  onConnection(ctx) {
    recoveries.push(ctx.recovered);
    last = ctx;
    if (ctx.recovered) return;
    ctx.join('lobby');
    ctx.send('<p>snapshot</p>');
  },
  handler(request, ctx) {
    handled.push(requestIdOf(request.headers));
    const { op, key, value } = request.values as Record<string, string>;
    if (op === 'set') ctx.data[key!] = value;
    else if (op === 'get') ctx.send(`<p>${key}=${String(ctx.data[key!])}</p>`);
  },
};
const hx = attachHxWs(server, {
  path: '/ws',
  adapter,
  onConnection: (ctx) => void ctx.send(`<i id="me">${ctx.id}</i>`),
  handler(request, ctx) {
    const { op, room, text, exceptSelf } = request.values as Record<string, string>;
    if (op === 'join') ctx.join(room!);
    else if (op === 'leave') ctx.leave(room!);
    else if (op === 'say') ctx.toRoom(room!, String(text), exceptSelf ? { except: ctx } : {});
    ctx.send(`<i id="done">${op}</i>`);
  },
  onError(error) {
    if (error instanceof PublishError) send({ event: 'publish-error', html: error.published.html, room: error.published.room });
    else send({ event: 'error', message: error.message });
  },
  onAdapterStatus: (state) => send({ event: 'status', state }),
  ...(recovery ? recovering : {}),
});

interface Command {
  id: number;
  op: 'toRoom' | 'broadcast' | 'count' | 'close' | 'burst' | 'direct' | 'recoveries' | 'handled' | 'position';
  room?: string;
  html?: string;
  except?: string;
  local?: boolean;
  /** burst: how many numbered messages `<prefix>-<n>` to send to the room in one go. */
  count?: number;
  prefix?: string;
}

process.on('message', (raw) => {
  const cmd = raw as Command;
  const reply = (result: unknown): void => send({ id: cmd.id, result });
  switch (cmd.op) {
    case 'toRoom':
      return reply(hx.toRoom(cmd.room!, cmd.html!, { except: cmd.except, local: cmd.local }));
    case 'broadcast':
      return reply(hx.broadcast(cmd.html!, cmd.except ? { except: cmd.except } : {}));
    case 'burst': {
      let sent = 0;
      for (let n = 0; n < cmd.count!; n++) sent += hx.toRoom(cmd.room!, `<p>${cmd.prefix}-${n}</p>`);
      return reply(sent);
    }
    case 'direct':
      return reply(last!.send(cmd.html!));
    case 'recoveries':
      return reply(recoveries);
    case 'handled':
      return reply(handled);
    case 'position':
      return reply(hx.position());
    case 'count':
      return void hx.count(cmd.room).then(reply, (error: Error) => reply({ error: error.message }));
    case 'close':
      return void hx.close().then(() => {
        server.close();
        reply(true);
        process.disconnect();
      });
  }
});

server.listen(0, '127.0.0.1', () => {
  void adapter.ready().then(() => send({ event: 'listening', port: (server.address() as AddressInfo).port, serverId: hx.serverId }));
});
