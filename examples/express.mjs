// Express 5: the page and the client script as routes, the socket on the server Express listens with.
//   node examples/express.mjs        then open http://localhost:3000
import express from 'express';
import { fileURLToPath } from 'node:url';
import { chatPage } from './chat-page.mjs';
import { chatRoom, listening } from './chat-room.mjs';

const clientScript = fileURLToPath(import.meta.resolve('hx-ws-elements/hx-ws.js'));

export function start(port = 3000) {
  const app = express();
  app.get('/hx-ws.js', (_req, res) => res.sendFile(clientScript));
  app.get('/', (_req, res) => res.type('html').send(chatPage));
  const server = app.listen(port); // the http.Server that takes the upgrades
  return listening(server, chatRoom(server));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await start(Number(process.env.PORT ?? 3000));
  console.log(`chat on http://localhost:${port}`);
}
