/**
 * The options of the Redis adapter ({@link redisAdapter}, in redis.ts) and what it returns.
 *
 * @module
 */
import type { RedisOptions } from 'ioredis';
import type { AdapterState, HxWsAdapter } from './hub/adapter.js';

/** Options of {@link redisAdapter}. */
export interface RedisAdapterOptions {
  /** Where Redis is: a `redis://` (or `rediss://`) URL. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * More ioredis options (TLS, password, ...). The adapter sets its own `protocol: 2` (the
   * reply shapes it parses), `lazyConnect`,
   * `enableOfflineQueue: false`, `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands:
   * false`, so that a message is either published once or reported, never queued or sent twice.
   */
  redis?: RedisOptions;
  /** Prefix of every key the adapter uses. Default `"hxws"`. Apps sharing one Redis use their own. */
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
