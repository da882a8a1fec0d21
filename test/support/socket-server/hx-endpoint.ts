/// <reference types="node" />
/**
 * `/hx/<channel>`: the project's real server helper (`attachHxWs` from src/server), which
 * records every request its handler got (what a server author would see) and acks requests that
 * carry HX-Request-Id. Chunked files go to the real disk sink, behind a writer that counts them
 * per channel and can drop the socket or be slow (`upload`).
 * `/hxu/<channel>`: the same helper, but a chunked upload cut off by a drop is forgotten at once
 * (`resumeWindowMs: 1`, so the page sees `upload-restarted`).
 *
 * The other helper endpoints (`/hxr/`, `/hxrr/`) are built from what this one shares: the gate
 * that lets `refuse` answer an upgrade before any helper does, and the record of a connection on
 * its channel; `/hxr/` also records requests as `/hx/` does.
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Duplex } from 'node:stream';
import { attachHxWs, diskSink } from '../../../src/server/index.js';
import type { Delivery } from './commands.js';
import { sha256, type Channel, type Channels, type Endpoint } from './channels.js';

// The helper's types, taken from `attachHxWs` itself: the rig depends on no other name in src.
export type HelperOptions = Parameters<typeof attachHxWs>[1];
export type HelperServer = ReturnType<typeof attachHxWs>;
export type HelperContext = Parameters<HelperOptions['handler']>[1];
type HelperRequest = Parameters<HelperOptions['handler']>[0];
type FileSink = NonNullable<HelperOptions['fileSink']>;

/** What a recorded connection keeps in `ctx.data`. */
interface Recorded {
  channel?: Channel;
  conn: number;
}
const recorded = (ctx: HelperContext) => ctx.data as unknown as Recorded;

/** What the handler records of one request: enough to check it arrived whole. */
function describeRequest(request: HelperRequest, conn: number): Delivery {
  return {
    conn,
    rid: (request.values.rid as string | undefined) ?? null,
    requestId: request.headers['HX-Request-Id'] ?? null,
    values: Object.fromEntries(Object.entries(request.values).filter(([, v]) => typeof v === 'string' || Array.isArray(v) && v.every((x) => typeof x === 'string'))) as Delivery['values'],
    files: request.files.map((f) => {
      // A chunked file in the disk sink: read back, then removed (the handler owns it).
      const bytes = f.path ? readFileSync(f.path) : f.bytes;
      if (f.path) rmSync(f.path, { force: true });
      return { field: f.field, name: f.name, serialization: f.serialization, size: f.size, length: bytes.length, sha256: sha256(bytes), path: Boolean(f.path) };
    }),
  };
}

const MiB = 1024 * 1024;

/**
 * The sink for chunked files: the real disk sink, behind a writer that counts the bytes per
 * channel, can drop the socket once `killAt` bytes arrived, and can be slow. A slow sink is slow
 * per byte (`msPerMiB`), not per write: the server hands it a write per socket read, and per
 * frame within one, so a delay per write would make the sink as slow as the writes are many.
 */
function channelSink(disk: FileSink, c: Channel, ...[file, ctx]: Parameters<FileSink>): Writable {
  const inner = disk(file, ctx) as Writable; // the disk sink answers at once
  const up = c.upload;
  up.files += 1;
  const raw = (ctx.socket as unknown as { _socket?: Socket })._socket;
  /** When the slow sink will have written every byte handed to it so far. */
  let busyUntil = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      up.received += chunk.length;
      if (up.killAt !== null && up.received >= up.killAt) {
        up.killAt = null;
        up.kills += 1;
        ctx.socket.terminate();
      }
      const go = () => {
        if (raw?.isPaused?.()) up.pausedWrites += 1;
        if (inner.write(chunk)) done();
        else inner.once('drain', () => done());
      };
      if (up.msPerMiB > 0) {
        const now = performance.now();
        busyUntil = Math.max(busyUntil, now) + (chunk.length / MiB) * up.msPerMiB;
        // Under a millisecond behind: taken now (a timer would wait a whole one).
        if (busyUntil - now >= 1) setTimeout(go, busyUntil - now);
        else go();
      } else go();
    },
    final(done) {
      inner.end(() => done());
    },
    destroy(error, done) {
      // Without an error: the disk sink's stream then closes unfinished and removes its file.
      inner.destroy();
      done(error);
    },
  });
  // A write still on its way when the upload is dropped fails on the destroyed stream: that
  // error belongs to the wrapper (which the server listens to), not to the process.
  inner.on('error', (error) => sink.destroy(error));
  return sink;
}

type HxCommand = 'deliveries' | 'push' | 'pushed' | 'reply' | 'dropAfterDelivery' | 'upload' | 'uploadState';

export interface HxEndpoint extends Endpoint<HxCommand> {
  /** The `path` option of a helper at `prefix`: its upgrades, but not those `refuse` answered. */
  path(prefix: string): (pathname: string, req: IncomingMessage) => boolean;
  /** Records a new connection of a helper on its channel under `prefix`. */
  connect(ctx: HelperContext, prefix: string): Channel;
  /** The options of a recording helper at `prefix`, as `/hx/` has them (path, sink, handler, hooks). */
  recording(prefix: string): HelperOptions;
}

/** The `/hx/` and `/hxu/` channels, and the parts every helper endpoint shares. */
export function hxEndpoint(channels: Channels): HxEndpoint {
  /** The helper prefixes whose upgrades `refuse` can answer. */
  const gated = new Set<string>();
  /** Upgrades refused by `refuse`; the helpers' path predicate skips them. */
  const refused = new WeakSet<IncomingMessage>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex) => {
    for (const prefix of gated) {
      const c = channels.of(req, prefix);
      if (c) {
        if (!channels.admit(req, socket, c)) refused.add(req);
        return;
      }
    }
  };
  let uploadDir: string | undefined;
  let disk: FileSink | undefined;
  const servers: HelperServer[] = [];

  const self: HxEndpoint = {
    path(prefix) {
      gated.add(prefix);
      return (pathname, req) => pathname.startsWith(prefix) && !refused.has(req);
    },
    connect(ctx, prefix) {
      const c = channels.of(ctx.req, prefix)!;
      const data = recorded(ctx);
      data.channel = c;
      data.conn = channels.connNumber();
      channels.opened(c, ctx.socket, data.conn);
      return c;
    },
    recording(prefix) {
      return {
        fileSink: (file, ctx) => channelSink(disk!, recorded(ctx).channel!, file, ctx),
        path: self.path(prefix),
        onConnection: (ctx) => void self.connect(ctx, prefix),
        handler(request, ctx) {
          const { channel, conn } = recorded(ctx);
          const c = channel!; // set by `connect` (only /hxrr/ takes it out, and it records no request)
          const record = describeRequest(request, conn);
          c.deliveries.push(record);
          if (c.reply) ctx.send(c.reply.replaceAll('{rid}', String(record.rid)));
          if (c.dropEvery && c.deliveries.length % c.dropEvery === 0) ctx.socket.terminate();
        },
        onError() {
          // Protocol errors close the socket with their code; the tests look at the code.
        },
      };
    },
    start(server: HttpServer) {
      server.on('upgrade', onUpgrade); // before any helper's own listener, so a refusal wins
      uploadDir = mkdtempSync(join(tmpdir(), 'hx-ws-test-uploads-'));
      disk = diskSink({ dir: uploadDir });
      servers.push(attachHxWs(server, self.recording('/hx/')));
      servers.push(attachHxWs(server, { ...self.recording('/hxu/'), resumeWindowMs: 1 }));
    },
    async stop() {
      await Promise.all(servers.map((s) => s.close()));
      if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
    },
    commands: {
      /** Requests the helper delivered to its handler, in order, from the `from`-th. */
      deliveries(c, { from = 0 }) {
        return c.deliveries.slice(from);
      },
      /**
       * Sends `template` with `{i}` = start, start+1, ... to every open socket, recording each.
       * A socket the server has begun to close is still in `c.sockets` until its close completes,
       * but `ws` drops what is sent on it: it is skipped, so nothing is recorded as pushed that
       * never went out.
       */
      push(c, { start, count, template }) {
        for (const ws of c.sockets) {
          if (ws.readyState !== ws.OPEN) continue;
          for (let i = start; i < start + count; i++) {
            ws.send(template.replaceAll('{i}', String(i)));
            c.pushed.push({ n: i, conn: c.conns.get(ws)! });
          }
        }
        return c.sockets.size;
      },
      /** What `push` sent: one entry per message and socket. */
      pushed(c) {
        return c.pushed;
      },
      /** Makes the handler answer each request with `template` (`{rid}` replaced); null: no answer. */
      reply(c, { template = null }) {
        c.reply = template;
        return true;
      },
      /** Every `every`-th request given to the handler cuts the TCP connection before its ack. */
      dropAfterDelivery(c, { every = 0 }) {
        c.dropEvery = every;
        return true;
      },
      /** Chunked uploads: `killAt` drops the socket once that many bytes arrived; the sink takes `msPerMiB` ms per MiB. */
      upload(c, { killAt = null, msPerMiB = 0 }) {
        Object.assign(c.upload, { killAt, msPerMiB });
        return true;
      },
      uploadState(c) {
        return { ...c.upload, onDisk: readdirSync(uploadDir!).length };
      },
    },
  };
  return self;
}
