/**
 * `/hxz/<channel>`: the server helper with compression on (permessage-deflate, the defaults).
 * It records requests as `/hx/` does; each connection is in the room named after its channel,
 * and the extensions its upgrade was answered with are kept for `compressed`.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { WebSocket } from 'ws';
import { attachHxWs } from '../../../src/server/index.js';
import type { Endpoint } from './channels.js';
import type { HelperContext, HelperServer, HxEndpoint } from './hx-endpoint.js';

const PREFIX = '/hxz/';

/** The `/hxz/` channels, built on the parts `/hx/` shares. */
export function hxzEndpoint(hx: HxEndpoint): Endpoint<'zcast' | 'compressed'> {
  let server: HelperServer | undefined;
  /** The Sec-WebSocket-Extensions answered to each upgrade, then to its socket. */
  const answered = new WeakMap<IncomingMessage, string>();
  const negotiated = new WeakMap<WebSocket, string>();
  /** The connections of each channel, in order. */
  const members = new Map<string, HelperContext[]>();
  return {
    start(http: HttpServer) {
      server = attachHxWs(http, {
        ...hx.recording(PREFIX),
        compression: true,
        onConnection(ctx) {
          const c = hx.connect(ctx, PREFIX);
          ctx.join(c.name);
          members.set(c.name, [...(members.get(c.name) ?? []), ctx]);
        },
      });
      server.wss.on('headers', (headers: string[], req: IncomingMessage) => {
        const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
        answered.set(req, line ? line.slice(line.indexOf(':') + 1).trim() : '');
      });
      server.wss.on('connection', (socket: WebSocket, req: IncomingMessage) => negotiated.set(socket, answered.get(req) ?? ''));
    },
    async stop() {
      await server?.close();
    },
    commands: {
      /**
       * `toRoom(channel)` of `template` with `{i}` = start ... start+count-1; after each, when
       * `direct` is given, `ctx.send` of it (`{i}` replaced too) to every connection of the channel.
       */
      zcast(c, { start = 0, count, template, direct }) {
        for (let i = start; i < start + count; i++) {
          server!.toRoom(c.name, template.replaceAll('{i}', String(i)));
          if (direct !== undefined) for (const ctx of members.get(c.name) ?? []) ctx.send(direct.replaceAll('{i}', String(i)));
        }
        return count;
      },
      /** The extensions each connection of the channel negotiated, and the server's byte counters. */
      compressed(c) {
        const stats = server!.stats();
        return {
          extensions: (members.get(c.name) ?? []).map((ctx) => negotiated.get(ctx.socket) ?? ''),
          bytesOut: stats.bytesOut,
          wireBytesOut: stats.wireBytesOut,
        };
      },
    },
  };
}
