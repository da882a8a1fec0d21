/// <reference types="node" />
/**
 * `npm start`: serves the demo with @web/dev-server and runs its socket server on the same
 * HTTP server (same origin, so the default origin check passes).
 *
 * The room's last messages and files are kept in `.data/demo/` (git-ignored; `HX_WS_DEMO_DATA`
 * names another directory), so a restart gives every tab its history back.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chatRoom } from './chat.js';
import { chatHistory } from './history.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8000);
const room = chatRoom(chatHistory({ dir: process.env.HX_WS_DEMO_DATA ?? join(root, '.data', 'demo') }));

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
    hostname: process.env.HOST ?? 'localhost',
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
        },
      },
    ],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});
ready();

const where = `http://${process.env.HOST ?? 'localhost'}:${port}`;
console.log(`hx-ws-elements demo: ${where}/demo/ (elements) and ${where}/demo/attributes.html (hx-ws attributes)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
