/// <reference types="node" />
/**
 * `npm start`: serves the demo with @web/dev-server and runs its socket server on the same
 * HTTP server (same origin, so the default origin check passes).
 *
 *   npm start                                     one instance: rooms in memory, history on disk
 *   npm start -- --redis redis://127.0.0.1:6379   this instance joins the others on that Redis:
 *   npm start -- --redis redis://127.0.0.1:6379 --port 8001   (a second one) same room, same
 *                                                 "N online", history and uploads
 *
 * `--port` (default 8000, or PORT) and `--host` (default localhost, or HOST) say where to listen.
 *
 * Without --redis, the room's last messages and files are kept in `.data/demo/` (git-ignored;
 * `HX_WS_DEMO_DATA` names another directory), so a restart gives every tab its history back.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chatRoom, type ChatOptions } from './chat.js';
import { chatHistory } from './history.js';

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
} else {
  cluster.store = chatHistory({ dir: process.env.HX_WS_DEMO_DATA ?? join(root, '.data', 'demo') });
}
const room = chatRoom(cluster);

// The server listens before its plugins have started (esbuild and node-resolve set themselves up
// in serverStart), and a request in that gap fails with a 500. Tabs left open reload at once
// after a restart, so every request waits here until the server is ready.
let ready!: () => void;
const started = new Promise<void>((resolve) => (ready = resolve));
const waitUntilStarted = async (_ctx: unknown, next: () => Promise<unknown>) => {
  await started;
  return next();
};

const server = await startDevServer({
  config: {
    rootDir: root,
    port,
    hostname: host,
    nodeResolve: { exportConditions: ['production'] },
    watch: false,
    middleware: [waitUntilStarted, room.middleware as never],
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
ready();

const where = `http://${host}:${port}`;
console.log(`hx-ws-elements demo: ${where}/demo/ (elements) and ${where}/demo/attributes.html (hx-ws attributes)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
