// What every example attaches: a chat room on /chat that swaps each message into #messages.
import { attachHxWs, html, oob } from 'hx-ws-elements/server';

/** Attaches the chat room to `server` (an http.Server) and returns the hx-ws server. */
export function chatRoom(server, options = {}) {
  const room = attachHxWs(server, {
    path: '/chat',
    ...options,
    handler(request) {
      const message = String(request.values.message ?? '');
      room.broadcast(oob('messages', html`<li>${message}</li>`, { swap: 'beforeend', tag: 'ul' }));
    },
  });
  return room;
}

/**
 * Resolves once `server` listens (on `port`, when given): its port, and `close()`, which closes
 * the room's sockets (1001) and then the server.
 */
export function listening(server, room, port) {
  return new Promise((resolve, reject) => {
    const ready = () => resolve({ port: server.address().port, close: () => room.close(1001, 'server stopping').then(() => new Promise((r) => server.close(r))) });
    if (port === undefined && server.listening) return ready();
    server.once('error', reject);
    if (port === undefined) server.once('listening', ready);
    else server.listen(port, ready);
  });
}
