/// <reference types="node" />
/**
 * `npm start`: serves the demo with @web/dev-server and runs its socket server on the same
 * HTTP server (same origin, so the default origin check passes).
 *
 *   npm start                                     one instance, everything in memory
 *   npm start -- --redis redis://127.0.0.1:6379   this instance joins the others on that Redis:
 *   npm start -- --redis redis://127.0.0.1:6379 --port 8001   (a second one) same room, same
 *                                                 "N online", history and uploads
 *
 * `--port` (default 8000, or PORT) and `--host` (default localhost, or HOST) say where to listen.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chatRoom, type ChatOptions } from './chat.js';

const { values: flags } = parseArgs({
  options: { redis: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  strict: true,
});
const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(flags.port ?? process.env.PORT ?? 8000);
const host = flags.host ?? process.env.HOST ?? 'localhost';
const cluster: ChatOptions & { close?: () => Promise<void> } = {};
if (flags.redis) {
  // Loaded only with --redis, so a plain `npm start` never touches ioredis.
  const { redisAdapter } = await import('../src/server/redis.js');
  const { redisStore } = await import('./redis-store.js');
  const store = redisStore(flags.redis);
  Object.assign(cluster, { adapter: redisAdapter({ url: flags.redis, prefix: 'hxws-demo' }), store, close: store.close });
  console.log(`[chat] sharing rooms, presence and history through ${flags.redis}`);
}
const room = chatRoom(cluster);

const server = await startDevServer({
  config: {
    rootDir: root,
    port,
    hostname: host,
    nodeResolve: { exportConditions: ['production'] },
    watch: false,
    middleware: [room.middleware as never],
    plugins: [
      esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) }),
      {
        name: 'hx-ws-demo-chat',
        serverStart({ server: http }) {
          room.attach(http as import('node:http').Server);
        },
        async serverStop() {
          await room.close();
          await cluster.close?.();
        },
      },
    ],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});

const where = `http://${host}:${port}`;
console.log(`hx-ws-elements demo: ${where}/demo/ (elements) and ${where}/demo/attributes.html (hx-ws attributes)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
