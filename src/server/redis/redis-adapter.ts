/// <reference types="node" />
/**
 * The Redis (or Valkey) {@link HxWsAdapter}, on `ioredis` ({@link redisAdapter}, the entry
 * `hx-ws-elements/server/redis`): its options, the adapter, and its presence.
 *
 * - Messages go through one Redis stream (`<prefix>:log`, `XADD ... MAXLEN ~ maxLen`). Every
 *   process reads it with a blocking `XREAD` from the last id it saw, so each entry reaches each
 *   process once and in the order it was added; a process skips its own entries (it delivered
 *   them when it published). The entry id is the message's log position.
 * - Presence: each process keeps a hash `<prefix>:node:<serverId>` of its counts (room ->
 *   connections) and a heartbeat in the sorted set `<prefix>:nodes` (score: when it expires).
 *   A count sums the hashes of the live processes, so a process that died without a goodbye
 *   drops out after at most `presenceTtl` ms.
 * - Redis down: publishes fail at once (no offline queue, no resend that could duplicate), the
 *   server reports each one with its message; ioredis reconnects, the reader reads on from its
 *   last id, presence is written again, and the host is told `down` then `up`.
 * - Exactly once across a Redis restart: every entry carries its publisher's sequence number;
 *   each process's heartbeat says how far it has read; a publisher keeps what not every live
 *   process has read yet and, after a reconnect, adds it again (Redis may have lost it), and
 *   readers drop any sequence number they already had.
 * - Recovery (`attachHxWs({ recovery })`): the adapter provides the server's recovery store
 *   (`RedisRecoveryStore`, redis-store.ts). The stream is then the log: the reader
 *   (stream-reader.ts) also reads this process's own entries and feeds every entry, in stream
 *   order, to the server's recovering connections; direct sends to a recovering page are entries
 *   too (`n`: its session). Entries and their fields: stream-entry.ts.
 *
 * @module
 */
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { errorOf } from '../errors.js';
import { PublishError, type AdapterHost, type AdapterMessage, type AdapterState, type HxWsAdapter, type LogPosition } from '../hub/adapter.js';
import type { LogEntry, RecoveryOptions, RecoveryStore } from '../recovery/recovery-store.js';
import { redisRecoveryStore, type RedisRecoveryStore } from './redis-store.js';
import { idAfter, messageFields, type StreamMessage } from './stream-entry.js';
import { streamReader } from './stream-reader.js';

/** Options of {@link redisAdapter}. */
export interface RedisAdapterOptions {
  /**
   * Where Redis is: a `redis://` (or `rediss://`) URL. Default `redis://127.0.0.1:6379`. Not
   * used with {@link cluster}, nor with Sentinel (`redis: { sentinels, name }`, where ioredis asks
   * the sentinels for the master and follows a failover).
   */
  url?: string;
  /**
   * More ioredis options (TLS, password, ...). The adapter sets its own `protocol: 2` (the
   * reply shapes it parses), `lazyConnect`,
   * `enableOfflineQueue: false`, `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands:
   * false`, so that a message is either published once or reported, never queued or sent twice.
   */
  redis?: RedisOptions;
  /**
   * A Redis Cluster instead of one server: its seed nodes and, optionally, more ioredis Cluster
   * options (`natMap`, `scaleReads` stays `master`, ...; {@link redis} goes to every node's
   * connection). Every key of the adapter and of its recovery store must then live in one slot:
   * the {@link prefix} must hold a hash tag, e.g. `"{hxws}"` (an error otherwise). The adapter's
   * traffic then goes to the one master of that slot (a Redis stream is one key), so a cluster
   * buys failover, not throughput.
   */
  cluster?: { nodes: ClusterNode[]; options?: Omit<ClusterOptions, 'lazyConnect' | 'enableOfflineQueue' | 'clusterRetryStrategy'> };
  /**
   * Prefix of every key the adapter uses. Default `"hxws"`. Apps sharing one Redis use their own.
   * With {@link cluster}, a hash tag: `"{hxws}"`.
   */
  prefix?: string;
  /** How many entries the stream keeps (approximately, `MAXLEN ~`). Default 10,000. */
  maxLen?: number;
  /**
   * How long a process counts in presence after its last heartbeat, in ms (heartbeats are sent
   * every third of it). Default 10,000.
   */
  presenceTtl?: number;
  /** Delay before reconnect attempt `n` (1, 2, ...), in ms. Default `min(50 * n, 1000)`. */
  retryDelay?: (attempt: number) => number;
  /** How long one blocking `XREAD` waits before it is sent again, in ms. Default 5,000. */
  blockMs?: number;
  /**
   * At most how many published messages a process keeps until every live process has said (in
   * its heartbeat) that it read them, to add them again after a reconnect in case Redis lost
   * them (a restart without persistence). Readers skip what they had already. Default 10,000.
   */
  resendLast?: number;
}

/** The Redis adapter, with what an app may want to await or show. */
export interface RedisAdapter extends HxWsAdapter {
  /** Resolves once the adapter is up for the first time (both connections ready). */
  ready(): Promise<void>;
  /** Whether the adapter can publish and receive now. */
  readonly state: AdapterState;
}

// Presence, in Lua on the command connection: each process's hash of counts
// (`<prefix>:node:<serverId>`) and its heartbeat in the sorted set `<prefix>:nodes`.

/** Keys: nodes zset, node hash. Args: ttl ms, server id, reset flag, then field/count pairs. */
const PRESENCE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '0' then redis.call('HDEL', KEYS[2], ARGV[i])
  else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1`;

/** Keys: nodes zset. Args: node hash prefix. The read positions (`l`) of the live nodes. */
const READ_POSITIONS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  out[#out + 1] = redis.call('HGET', ARGV[1] .. id, 'l') or '0-0'
end
return out`;

/** Keys: nodes zset. Args: node hash prefix, field. Sums the field over live nodes. */
const COUNT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local total = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HGET', ARGV[1] .. id, ARGV[2])
  if v then total = total + tonumber(v) end
end
return total`;

/** The command connection, with the scripts defined on it. */
interface ScriptedRedis extends Redis {
  hxwsPresence(nodes: string, hash: string, ...args: (string | number)[]): Promise<number>;
  hxwsCount(nodes: string, hashPrefix: string, field: string): Promise<number>;
  hxwsReadPositions(nodes: string, hashPrefix: string): Promise<string[]>;
}

/** The presence hash field for a room (`r:<room>`), or `a` for every connection. */
function fieldOf(room: string | undefined): string {
  return room === undefined ? 'a' : `r:${room}`;
}

/**
 * Creates the Redis adapter for `attachHxWs(server, { adapter: redisAdapter({ url }) })`.
 * One adapter serves one `attachHxWs`.
 */
export function redisAdapter(options: RedisAdapterOptions = {}): RedisAdapter {
  const prefix = options.prefix ?? 'hxws';
  const streamKey = `${prefix}:log`;
  const nodesKey = `${prefix}:nodes`;
  const hashPrefix = `${prefix}:node:`;
  const maxLen = String(options.maxLen ?? 10_000);
  const ttl = options.presenceTtl ?? 10_000;
  const blockMs = String(options.blockMs ?? 5_000);
  const retryDelay = options.retryDelay ?? ((n: number) => Math.min(50 * n, 1000));
  const clientOptions: RedisOptions = {
    ...options.redis,
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: retryDelay,
  };
  const url = options.url ?? 'redis://127.0.0.1:6379';
  if (options.cluster && !/\{[^}]+\}/.test(prefix)) {
    throw new TypeError(`hx-ws redis adapter: with a cluster, the prefix must hold a hash tag (e.g. "{${prefix}}") so that all its keys share one slot`);
  }
  const connect = (extra: { enableAutoPipelining?: boolean; connectionName?: string }): Redis => {
    if (!options.cluster) return new Redis(url, { ...clientOptions, ...extra });
    const { retryStrategy: _r, enableOfflineQueue: _e, lazyConnect: _l, ...nodeOptions } = clientOptions;
    const { redisOptions, ...clusterOptions } = options.cluster.options ?? {};
    // A Cluster answers the commands and emits the events the adapter uses (call, defineCommand,
    // multi, status, ready and close), so it is handled as one connection.
    return new Cluster(options.cluster.nodes, {
      ...clusterOptions,
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelay,
      ...(extra.enableAutoPipelining ? { enableAutoPipelining: true } : {}),
      redisOptions: { ...redisOptions, ...nodeOptions, ...(extra.connectionName ? { connectionName: extra.connectionName } : {}) },
    }) as unknown as Redis;
  };
  const pub = connect({ enableAutoPipelining: true }) as ScriptedRedis;
  const sub = connect({ connectionName: 'hxws-reader' });
  pub.defineCommand('hxwsPresence', { numberOfKeys: 2, lua: PRESENCE_SCRIPT });
  pub.defineCommand('hxwsCount', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  pub.defineCommand('hxwsReadPositions', { numberOfKeys: 1, lua: READ_POSITIONS_SCRIPT });

  let host: AdapterHost | undefined;
  let hash = '';
  /** Undefined until the first connect succeeds or fails, so that the first state is reported. */
  let state: AdapterState | undefined;
  let closed = false;
  let lastError: Error | undefined;
  let readyWaiters: (() => void)[] = [];
  const dirty = new Map<string, number>();
  const resendLast = options.resendLast ?? 10_000;
  /** This publisher's sequence number, one per message, in entries as `s`. */
  let seq = 0;
  /** Entries Redis accepted from this process that not every live process has read yet. */
  const recent: { id: string; args: string[]; message: StreamMessage }[] = [];
  /** How many of this process's publishes failed (reported), in entries as `f`. */
  let failed = 0;
  /** Whether `pub` has been ready before (a later ready is a reconnect). */
  let pubWasReady = false;
  /**
   * Whether publishes may go out: from our `ready` listener (ioredis emits `ready` a tick after
   * it accepts commands, and what was lost must be added again first) until the next `close`.
   */
  let pubOpen = false;
  let flushScheduled = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Recovery: where every entry goes, in stream order, once a store was asked for. */
  let feed: ((entry: LogEntry) => void) | undefined;
  let store: RedisRecoveryStore | undefined;
  const reader = streamReader({
    sub,
    streamKey,
    blockMs,
    host: () => host!,
    closed: () => closed,
    feed: () => feed,
    started: () => maybeUp(),
    failed: (error) => {
      lastError = error;
    },
  });

  /** Adds a message to the stream (with this publisher's sequence number). */
  const add = (message: StreamMessage): Promise<LogPosition> => {
    if (!pubOpen) return Promise.reject(new Error(`Redis connection is ${pub.status === 'ready' ? 'being set up again' : pub.status}`));
    seq += 1;
    const args: string[] = [streamKey, 'MAXLEN', '~', maxLen, '*', 'o', host!.serverId, 's', String(seq), 'f', String(failed), 'h', message.html, ...messageFields(message)];
    return (pub.call('XADD', ...args) as Promise<string>).then(
      (id) => {
        if (resendLast > 0) {
          recent.push({ id, args, message });
          if (recent.length > resendLast) recent.shift();
        }
        return id;
      },
      (error: unknown) => {
        failed += 1;
        throw error;
      },
    );
  };

  const setState = (next: AdapterState, error?: Error): void => {
    if (next === state) return;
    state = next;
    host?.status(next, error);
    if (next === 'up') {
      for (const resolve of readyWaiters) resolve();
      readyWaiters = [];
    }
  };

  /** Writes this process's whole presence again (after a (re)connect: Redis may have lost it). */
  const resync = async (): Promise<void> => {
    const args: (string | number)[] = [ttl, host!.serverId, '1', 'a', host!.localCount(), 'l', reader.lastId ?? '0-0'];
    for (const [room, count] of host!.localRooms()) args.push(fieldOf(room), count);
    dirty.clear();
    await pub.hxwsPresence(nodesKey, hash, ...args);
  };

  const maybeUp = (): void => {
    if (closed || state === 'up' || pub.status !== 'ready' || sub.status !== 'ready' || reader.lastId === undefined) return;
    resync().then(
      () => {
        if (!closed && pub.status === 'ready' && sub.status === 'ready') setState('up');
      },
      (error: unknown) => {
        lastError = errorOf(error);
      },
    );
  };

  const flush = (): void => {
    flushScheduled = false;
    if (closed || dirty.size === 0 || state !== 'up') return;
    const args: (string | number)[] = [ttl, host!.serverId, '0'];
    for (const [field, count] of dirty) args.push(field, count);
    dirty.clear();
    // A failure means the link dropped; the resync on the way back up rewrites everything.
    pub.hxwsPresence(nodesKey, hash, ...args).catch(() => {});
  };

  /** Heartbeat: presence kept alive with this reader's position; drop what everyone has read. */
  const beat = (): void => {
    if (closed || state !== 'up') return;
    pub.hxwsPresence(nodesKey, hash, ttl, host!.serverId, '0', 'l', reader.lastId ?? '0-0').catch(() => {});
    if (recent.length === 0) return;
    pub.hxwsReadPositions(nodesKey, hashPrefix).then((positions) => {
      const min = positions.reduce((a, b) => (idAfter(a, b) ? b : a), recent[recent.length - 1]!.id);
      let drop = 0;
      while (drop < recent.length && !idAfter(recent[drop]!.id, min)) drop += 1;
      recent.splice(0, drop);
    }, () => {});
  };

  for (const client of [pub, sub]) {
    client.on('error', (error: Error) => {
      lastError = error;
    });
    client.on('close', () => {
      if (!closed) setState('down', lastError ?? new Error('connection to Redis closed'));
    });
    client.on('ready', () => maybeUp());
  }
  pub.on('ready', () => {
    // Before any new publish can go out: add again what Redis may have lost.
    if (pubWasReady) {
      for (const { id, args, message } of recent) {
        pub.call('XADD', ...args, 'p', id).catch((error: unknown) => host!.error(new PublishError(message, error)));
      }
    }
    pubWasReady = true;
    pubOpen = true;
  });
  pub.on('close', () => {
    pubOpen = false;
  });

  return {
    start(h) {
      if (host) throw new Error('hx-ws redis adapter: one adapter serves one attachHxWs (create another for the second)');
      host = h;
      hash = `${hashPrefix}${h.serverId}`;
      pub.connect().catch(() => {});
      sub.connect().catch(() => {});
      void reader.run();
      heartbeat = setInterval(beat, Math.max(50, Math.floor(ttl / 3)));
      heartbeat.unref();
    },

    publish(message: AdapterMessage): Promise<LogPosition | undefined> {
      return add(message);
    },

    recovery(options: RecoveryOptions, onEntry: (entry: LogEntry) => void): RecoveryStore {
      if (!host) throw new Error('hx-ws redis adapter: recovery() before start()');
      if (store) throw new Error('hx-ws redis adapter: one recovery store per adapter');
      store = redisRecoveryStore({ redis: pub, prefix, streamKey, serverId: host.serverId, position: () => reader.lastId, add, error: (e) => host!.error(e) }, options);
      feed = onEntry;
      return store;
    },

    presence(room, count) {
      dirty.set(fieldOf(room), count);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },

    async count(room) {
      if (state !== 'up') throw new Error(`hx-ws redis adapter is down${lastError ? `: ${lastError.message}` : ''}`);
      flush();
      return Number(await pub.hxwsCount(nodesKey, hashPrefix, fieldOf(room)));
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      await store?.close();
      reader.wake();
      if (pub.status === 'ready' && host) {
        await pub.multi().zrem(nodesKey, host.serverId).del(hash).exec().catch(() => {});
      }
      sub.disconnect();
      await pub.quit().catch(() => pub.disconnect());
    },

    ready() {
      return state === 'up' ? Promise.resolve() : new Promise((resolve) => readyWaiters.push(resolve));
    },

    get state() {
      return state ?? 'down';
    },
  };
}
