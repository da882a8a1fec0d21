/// <reference types="node" />
/**
 * `/ws/<channel>`: a bare `ws` server that records every frame (what the browser put on the
 * wire). Its channels can also hold upgrades unanswered and echo text frames.
 *
 * The URL's query can ask for a first message (`?greet=<text>`, sent on open) and for echo
 * (`?echo=1`, which stays on for the channel).
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import type { RecordedFrame } from './commands.js';
import { sha256, type Channel, type Channels, type Endpoint } from './channels.js';

const KEEP_BYTES = 1 << 20; // frames up to 1 MiB are kept whole for exact comparison

function describeFrame(data: RawData, isBinary: boolean, conn: number): RecordedFrame {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const frame: RecordedFrame = { conn, binary: isBinary, size: buf.length, sha256: sha256(buf) };
  if (buf.length <= KEEP_BYTES) {
    if (isBinary) frame.base64 = buf.toString('base64');
    else frame.text = buf.toString('utf8');
  }
  return frame;
}

/** The bare channels under `prefix` (`/ws/`). */
export function wsEndpoint(channels: Channels, prefix = '/ws/'): Endpoint<'frames' | 'hold' | 'echo'> {
  let wss: WebSocketServer | undefined;

  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, c: Channel) => {
    const url = new URL(req.url!, 'http://localhost');
    wss!.handleUpgrade(req, socket, head, (ws) => {
      const conn = channels.connNumber();
      channels.opened(c, ws, conn);
      ws.on('message', (data, isBinary) => {
        c.frames.push(describeFrame(data, isBinary, conn));
        if (c.echo && !isBinary) ws.send(data.toString());
      });
      const greet = url.searchParams.get('greet');
      if (greet) ws.send(greet);
      if (url.searchParams.get('echo') === '1') c.echo = true;
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const c = channels.of(req, prefix);
    if (!c) return; // not ours (the runner's own /wds socket, /hx/, /chat)
    if (!channels.admit(req, socket, c)) return;
    if (c.hold) c.held.push({ req, socket, head });
    else accept(req, socket, head, c);
  };

  return {
    start(server: HttpServer) {
      wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
      server.on('upgrade', onUpgrade);
    },
    stop() {
      return new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    },
    commands: {
      frames(c, { from = 0 }) {
        return c.frames.slice(from);
      },
      /**
       * `on`: leave the channel's next upgrades unanswered (keep it under 3 s: the server helpers
       * on this server answer an unclaimed upgrade with 404 after that). `on: false` answers the
       * held upgrades whose socket the browser has not given up on yet.
       * @returns how many held upgrades were answered
       */
      hold(c, { on = true }) {
        c.hold = on;
        if (on) return 0;
        const held = c.held.splice(0);
        const live = held.filter(({ socket }) => !socket.destroyed);
        for (const { req, socket, head } of live) accept(req, socket, head, c);
        return live.length;
      },
      /** Text frames are sent back (or no longer, `on: false`). */
      echo(c, { on = true }) {
        c.echo = on;
        return true;
      },
    },
  };
}
