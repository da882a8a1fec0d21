// A complete app on node:http alone: the page, the client script, the socket.
//   node examples/plain-node.mjs        then open http://localhost:3000
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { chatPage } from './chat-page.mjs';
import { chatRoom, listening } from './chat-room.mjs';

// The one-file build ships in the package: node_modules/hx-ws-elements/dist/hx-ws.js.
const clientScript = fileURLToPath(import.meta.resolve('hx-ws-elements/hx-ws.js'));

export function start(port = 3000) {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/hx-ws.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(clientScript));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(chatPage);
    }
  });
  const room = chatRoom(server);
  return listening(server, room, port);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await start(Number(process.env.PORT ?? 3000));
  console.log(`chat on http://localhost:${port}`);
}
