/// <reference types="node" />
/**
 * `hx-ws-elements/server/redis`: the Redis (or Valkey) {@link HxWsAdapter}, on `ioredis`. The
 * adapter, its stream reader and its recovery store are in redis/ (redis-adapter.ts describes
 * the whole design).
 *
 * @module
 */
export { redisAdapter, type RedisAdapter, type RedisAdapterOptions } from './redis/redis-adapter.js';
export { idAfter } from './redis/stream-entry.js';
