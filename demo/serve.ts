/// <reference types="node" />
/**
 * `npm start`: serves the demo with @web/dev-server and runs its socket server on the same
 * HTTP server (same origin, so the default origin check passes).
 */
import { fileURLToPath } from 'node:url';
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chatRoom } from './chat.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8000);
const room = chatRoom();

const server = await startDevServer({
  config: {
    rootDir: root,
    port,
    hostname: process.env.HOST ?? 'localhost',
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
        },
      },
    ],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});

const where = `http://${process.env.HOST ?? 'localhost'}:${port}`;
console.log(`hx-ws-elements demo: ${where}/demo/ (elements) and ${where}/demo/attributes.html (hx-ws attributes)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
