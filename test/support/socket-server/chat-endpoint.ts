/**
 * `/chat`: the demo's chat room (demo/chat.ts), attached as `npm start` attaches it, with the
 * files uploaded to it served under `/files/`. Its one command ignores the channel it names.
 *
 * @module
 */
import type { Server as HttpServer } from 'node:http';
import { chatRoom, type ChatRoom } from '../../../demo/chat.js';
import type { Endpoint } from './channels.js';

/** A file of the room, as the runner's `serve` hook returns it. */
export interface ServedFile {
  body: Buffer;
  type: string | undefined;
  headers: Record<string, string>;
}

export interface ChatEndpoint extends Endpoint<'dropChat'> {
  /** The uploaded file `path` (`/files/<id>/<name>`) names; undefined when it names none. */
  file(path: string): Promise<ServedFile | undefined>;
}

export function chatEndpoint(): ChatEndpoint {
  let chat: ChatRoom | undefined;
  let server: ReturnType<ChatRoom['attach']> | undefined;
  return {
    start(http: HttpServer) {
      chat = chatRoom();
      server = chat.attach(http);
    },
    async stop() {
      await chat?.close();
    },
    async file(path) {
      if (!path.startsWith('/files/')) return undefined;
      const found = await chat?.file(path);
      if (!found) return undefined;
      return { body: found.bytes, type: found.headers['Content-Type'], headers: found.headers };
    },
    commands: {
      /** Cuts the TCP connection of every tab of the room. */
      dropChat() {
        let n = 0;
        for (const ctx of server?.clients ?? []) {
          ctx.socket.terminate();
          n += 1;
        }
        return n;
      },
    },
  };
}
