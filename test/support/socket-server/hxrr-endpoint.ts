/// <reference types="node" />
/**
 * `/hxrr/<channel>`: recovery across two processes' worth of servers: two `attachHxWs`, A and B,
 * each with its own Redis adapter on a throwaway redis-server started here (a stream of about
 * 200 entries), and upgrades of a channel routed to A and B in turn, as a load balancer would.
 * As on `/hxr/`, each connection is in the room named after its channel, and one that was not
 * recovered gets a snapshot; requests are not recorded.
 *
 * Without redis-server these channels are absent (the `redis` command says why); under CI=true
 * the test server does not start then.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Redis } from 'ioredis';
import { attachHxWs } from '../../../src/server/index.js';
import { redisAdapter } from '../../../src/server/redis.js';
import { findRedisServer, INSTALL_HINT, startRedis, type TestRedis } from '../../node/support/redis.js';
import type { RedisServerName } from './commands.js';
import type { Channels, Endpoint } from './channels.js';
import type { HelperServer, HxEndpoint } from './hx-endpoint.js';

const PREFIX = '/hxrr/';
/** The stream both servers share (the adapter's prefix + `:log`). */
const STREAM_PREFIX = 'hxws-browser';

/** The `/hxrr/` channels, built on the parts `/hx/` shares. */
export function hxrrEndpoint(channels: Channels, hx: HxEndpoint): Endpoint<'redis' | 'landed' | 'redisRoomcast'> {
  const servers: Partial<Record<RedisServerName, HelperServer>> = {};
  let redis: TestRedis | undefined;
  /** A client to look at the stream. */
  let reader: Redis | undefined;
  /** Why the channels are absent. */
  let missing: string | undefined;

  /** The server each upgrade goes to, decided once per request. */
  const routes = new WeakMap<IncomingMessage, RedisServerName>();
  const routeOf = (req: IncomingMessage): RedisServerName => {
    let to = routes.get(req);
    if (!to) {
      const c = channels.of(req, PREFIX)!;
      to = c.landed.length % 2 === 0 ? 'a' : 'b';
      c.landed.push(to);
      routes.set(req, to);
    }
    return to;
  };

  /** How many entries the stream has had added. */
  const added = async (): Promise<number> => {
    const info = (await reader!.call('XINFO', 'STREAM', `${STREAM_PREFIX}:log`).catch(() => [])) as unknown[];
    return Number(info[info.indexOf('entries-added') + 1] ?? 0);
  };

  return {
    async start(http: HttpServer) {
      const ours = hx.path(PREFIX);
      if (!findRedisServer()) {
        missing = `redis-server not found: the browser tests of recovery through Redis are SKIPPED; ${INSTALL_HINT}`;
        if (process.env.CI === 'true') throw new Error(`CI=true but ${missing}`);
        return;
      }
      redis = await startRedis();
      reader = new Redis(redis.url);
      for (const name of ['a', 'b'] as const) {
        const adapter = redisAdapter({ url: redis.url, prefix: STREAM_PREFIX, maxLen: 200, retryDelay: () => 50 });
        servers[name] = attachHxWs(http, {
          path: (pathname, req) => ours(pathname, req) && routeOf(req) === name,
          adapter,
          recovery: true,
          onAdapterStatus() {},
          onConnection(ctx) {
            const c = hx.connect(ctx, PREFIX);
            delete ctx.data.channel; // ctx.data is saved in Redis as JSON
            c.recoveries.push(ctx.recovered ?? null);
            ctx.join(c.name); // a no-op for a restored session
            if (!ctx.recovered) ctx.send(`<div id="snapshot" hx-swap-oob="true">snapshot ${c.recoveries.length}</div>`);
          },
          handler() {},
          onError() {},
        });
        await adapter.ready();
      }
    },
    async stop() {
      await Promise.all(Object.values(servers).map((s) => s.close()));
      reader?.disconnect();
      await redis?.stop();
    },
    commands: {
      /** Whether the Redis channels are there, and if not why. */
      redis() {
        return { available: !missing, reason: missing ?? null };
      },
      /** Where each upgrade of the channel went. */
      landed(c) {
        return c.landed;
      },
      /**
       * `toRoom(channel)` on server `via` of `template` with `{i}` = start ...; resolves once
       * Redis has them all (the order of the stream is the order of delivery).
       */
      async redisRoomcast(c, { start = 0, count, template, via = 'a' }) {
        const before = await added();
        for (let i = start; i < start + count; i++) servers[via]!.toRoom(c.name, template.replaceAll('{i}', String(i)));
        const end = Date.now() + 5000;
        while ((await added()) < before + count) {
          if (Date.now() > end) throw new Error(`redisRoomcast: Redis did not get ${count} entries`);
          await new Promise((r) => setTimeout(r, 5));
        }
        return count;
      },
    },
  };
}
