// Hono on @hono/node-server: serve() returns the http.Server, which takes the socket.
//   node examples/hono.mjs        then open http://localhost:3000
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chatPage } from './chat-page.mjs';
import { chatRoom, listening } from './chat-room.mjs';

const clientScript = fileURLToPath(import.meta.resolve('hx-ws-elements/hx-ws.js'));

export function start(port = 3000) {
  const app = new Hono();
  app.get('/hx-ws.js', async (c) => c.body(await readFile(clientScript), 200, { 'content-type': 'text/javascript' }));
  app.get('/', (c) => c.html(chatPage));
  const server = serve({ fetch: app.fetch, port });
  return listening(server, chatRoom(server));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await start(Number(process.env.PORT ?? 3000));
  console.log(`chat on http://localhost:${port}`);
}
