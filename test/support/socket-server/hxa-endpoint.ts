/// <reference types="node" />
/**
 * `/hxa/<channel>`: the server helper with `authenticate` and recovery on. A token is the URL's
 * `token` query parameter, `<user>.<anything>`; the user is the part before the dot. No token,
 * or one that `expire` expired, is refused with 401. It records requests as `/hx/` does; each
 * connection is in the room named after its channel, and one that was not recovered gets a
 * snapshot, as on `/hxr/`.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { attachHxWs, refuseUpgrade } from '../../../src/server/index.js';
import type { Endpoint } from './channels.js';
import type { HelperContext, HelperServer, HxEndpoint } from './hx-endpoint.js';

const PREFIX = '/hxa/';

/** The `/hxa/` channels, built on the parts `/hx/` shares. */
export function hxaEndpoint(hx: HxEndpoint): Endpoint<'expire' | 'authState' | 'authRoomcast'> {
  let server: HelperServer | undefined;
  /** Tokens `expire` expired, as `<channel>/<token>`. */
  const expired = new Set<string>();
  /** Per channel: the token each upgrade was admitted or refused with, in order. */
  const tokens = new Map<string, { token: string | null; admitted: boolean }[]>();
  /** The open connections' contexts, with their tokens. */
  const open = new Map<HelperContext, string>();
  const channelOf = (req: IncomingMessage): string => new URL(req.url ?? '/', 'http://x').pathname.slice(PREFIX.length).split('/')[0]!;
  return {
    start(http: HttpServer) {
      const recording = hx.recording(PREFIX);
      server = attachHxWs(http, {
        ...recording,
        recovery: { maxLogMessages: 200 },
        authenticate(req) {
          const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
          const seen = tokens.get(channelOf(req)) ?? [];
          tokens.set(channelOf(req), seen);
          const admitted = token !== null && !expired.has(`${channelOf(req)}/${token}`) && token.includes('.');
          seen.push({ token, admitted });
          if (!admitted) throw refuseUpgrade(401, token === null ? 'no token' : `token ${token} expired or malformed`);
          return { id: token.slice(0, token.indexOf('.')), token };
        },
        onConnection(ctx) {
          const c = hx.connect(ctx, PREFIX);
          open.set(ctx, (ctx.user as { token: string }).token);
          c.recoveries.push(ctx.recovered ?? null);
          ctx.join(c.name);
          if (!ctx.recovered) ctx.send(`<div id="snapshot" hx-swap-oob="true">snapshot ${c.recoveries.length}</div>`);
        },
        onClose(ctx) {
          open.delete(ctx);
        },
      });
    },
    async stop() {
      await server?.close();
    },
    commands: {
      /** Expires the token of every open socket of the channel (`ctx.expire()`); resolves once they closed. */
      async expire(c) {
        const closing: Promise<unknown>[] = [];
        for (const [ctx, token] of open) {
          if (!c.sockets.has(ctx.socket)) continue;
          expired.add(`${c.name}/${token}`);
          closing.push(new Promise((resolve) => ctx.socket.once('close', resolve)));
          ctx.expire();
        }
        await Promise.all(closing);
        return closing.length;
      },
      /** `toRoom(channel)` of `template` with `{i}` = start ... start+count-1. */
      authRoomcast(c, { start = 0, count, template }) {
        for (let i = start; i < start + count; i++) server!.toRoom(c.name, template.replaceAll('{i}', String(i)));
        return count;
      },
      /** The tokens the channel's upgrades carried, and whether each was admitted. */
      authState(c) {
        return tokens.get(c.name) ?? [];
      },
    },
  };
}
