/**
 * `/hxr/<channel>`: the server helper with recovery on (a log of 200 messages). It records
 * requests as `/hx/` does; each connection is in the room named after its channel, and one that
 * was not recovered gets a snapshot (`<div id="snapshot">snapshot <n></div>`, n counting the
 * channel's connections).
 *
 * @module
 */
import type { Server as HttpServer } from 'node:http';
import { attachHxWs } from '../../../src/server/index.js';
import type { Endpoint } from './channels.js';
import type { HelperServer, HxEndpoint } from './hx-endpoint.js';

const PREFIX = '/hxr/';

/** The `/hxr/` channels, built on the parts `/hx/` shares. */
export function hxrEndpoint(hx: HxEndpoint): Endpoint<'roomcast' | 'position' | 'recoveries'> {
  let server: HelperServer | undefined;
  return {
    start(http: HttpServer) {
      server = attachHxWs(http, {
        ...hx.recording(PREFIX),
        recovery: { maxLogMessages: 200 },
        onConnection(ctx) {
          const c = hx.connect(ctx, PREFIX);
          c.recoveries.push(ctx.recovered ?? null);
          ctx.join(c.name); // a no-op for a restored session
          if (!ctx.recovered) {
            ctx.send(`<div id="snapshot" hx-swap-oob="true">snapshot ${c.recoveries.length}</div>`);
          }
        },
      });
    },
    async stop() {
      await server?.close();
    },
    commands: {
      /** `toRoom(room ?? channel)` of `template` with `{i}` = start ... start+count-1. */
      roomcast(c, { start = 0, count, template, room }) {
        for (let i = start; i < start + count; i++) server!.toRoom(room ?? c.name, template.replaceAll('{i}', String(i)));
        return count;
      },
      /** The log position a page rendered now resumes from. */
      position() {
        const position = server!.position();
        if (position === undefined) throw new Error('position: /hxr/ has recovery on, yet its log has no position');
        return position;
      },
      /** `ctx.recovered` of each connection of the channel, in order. */
      recoveries(c) {
        return c.recoveries;
      },
    },
  };
}
