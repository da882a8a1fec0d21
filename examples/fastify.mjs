// Fastify 5: routes for the page and the client script; the socket on fastify.server, the
// http.Server Fastify owns (attach before listen).
//   node examples/fastify.mjs        then open http://localhost:3000
import Fastify from 'fastify';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chatPage } from './chat-page.mjs';
import { chatRoom } from './chat-room.mjs';

const clientScript = fileURLToPath(import.meta.resolve('hx-ws-elements/hx-ws.js'));

export async function start(port = 3000) {
  const app = Fastify();
  app.get('/hx-ws.js', async (_req, reply) => reply.type('text/javascript').send(await readFile(clientScript)));
  app.get('/', async (_req, reply) => reply.type('text/html').send(chatPage));
  const room = chatRoom(app.server);
  app.addHook('preClose', async () => room.close(1001, 'server stopping'));
  await app.listen({ port });
  return { port: app.server.address().port, close: () => app.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await start(Number(process.env.PORT ?? 3000));
  console.log(`chat on http://localhost:${port}`);
}
