/// <reference types="node" />
// A Node server on several processes, through the Redis entry point.
import { createServer } from 'node:http';
import { attachHxWs, PublishError, type AdapterState, type HxWsAdapter } from 'hx-ws-elements/server';
import { redisAdapter, type RedisAdapter } from 'hx-ws-elements/server/redis';

const adapter: RedisAdapter = redisAdapter({ url: 'redis://127.0.0.1:6379', prefix: 'chat', presenceTtl: 5000 });
const generic: HxWsAdapter = adapter;
void generic;
const hub = attachHxWs(createServer(), {
  adapter,
  handler(_request, ctx) {
    ctx.join('lobby');
    const local: number = ctx.toRoom('lobby', '<p>hi</p>', { except: ctx.id });
    void local;
  },
  onError(error, ctx) {
    if (error instanceof PublishError) void error.published.html;
    void ctx?.id;
  },
  onAdapterStatus(state: AdapterState, error?: Error) {
    void state;
    void error;
  },
});
void hub.count('lobby').then((n: number) => n);
void adapter.ready();

// High availability: Sentinel through ioredis's own options, Cluster with a hash-tagged prefix.
const sentinel: RedisAdapter = redisAdapter({ redis: { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster' } });
const cluster: RedisAdapter = redisAdapter({ cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }], options: { natMap: {} } }, prefix: '{chat}' });
void [sentinel, cluster];
