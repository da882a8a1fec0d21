/// <reference types="node" />
/**
 * The channels every kind of endpoint shares: a channel is named by the path segment after the
 * endpoint's prefix (`/ws/<channel>`, `/hx/<channel>`, ...), and records its connections,
 * upgrades, closes and whatever its kind of endpoint keeps (frames, deliveries, recoveries, ...).
 * A channel is made on first use, by an upgrade or a command, and forgotten by `reset`.
 *
 * Also here: the commands that work on every kind (`state`, `send`, `flood`, `close`, `drop`,
 * `refuse`, `reset`), the shape of a handler table, and what an endpoint module provides.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { CommandArgs, CommandName, CommandResult, Delivery, OutgoingFrame, RecordedFrame, RecordedUpgrade, RedisServerName } from './commands.js';

/** An upgrade a `/ws/` channel keeps unanswered while it holds. */
export interface HeldUpgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

/** What one channel records; the fields of one kind of endpoint say so. */
export interface Channel {
  readonly name: string;
  /** Open sockets (and those whose close has begun but not completed). */
  sockets: Set<WebSocket>;
  total: number;
  /** Upgrades still to refuse with 503. */
  refuse: number;
  /** `/ws/` only: while true, upgrades are kept unanswered (in `held`) until `hold(false)`. */
  hold: boolean;
  held: HeldUpgrade[];
  upgrades: RecordedUpgrade[];
  /** `/ws/` only: every frame received. */
  frames: RecordedFrame[];
  closes: { conn: number; code: number }[];
  /** `/ws/` only: text frames are sent back. */
  echo: boolean;
  maxOpen: number;
  /** socket → connection number. */
  conns: Map<WebSocket, number>;
  /** `/hx/` only: every request the real handler got, in order. */
  deliveries: Delivery[];
  /** `/hx/` only: numbered pushes, `{ n, conn }` per socket each went to. */
  pushed: { n: number; conn: number }[];
  /** `/hx/` only: a reply sent for each request (`{rid}` replaced), or null. */
  reply: string | null;
  /** `/hx/` only: every `dropEvery`-th request cuts the TCP connection before its ack (0: off). */
  dropEvery: number;
  /** `/hx/` only: chunked files' bytes as the disk sink got them; `killAt` / `msPerMiB` set by `upload`. */
  upload: { received: number; files: number; kills: number; pausedWrites: number; killAt: number | null; msPerMiB: number };
  /** `/hxr/` only: `ctx.recovered` of each connection, in order. */
  recoveries: (boolean | null)[];
  /** `/hxrr/` only: which server (`a` or `b`) each upgrade was routed to, in order. */
  landed: RedisServerName[];
}

function newChannel(name: string): Channel {
  return {
    name,
    sockets: new Set(),
    total: 0,
    refuse: 0,
    hold: false,
    held: [],
    upgrades: [],
    frames: [],
    closes: [],
    echo: false,
    maxOpen: 0,
    conns: new Map(),
    deliveries: [],
    pushed: [],
    reply: null,
    dropEvery: 0,
    upload: { received: 0, files: 0, kills: 0, pausedWrites: 0, killAt: null, msPerMiB: 0 },
    recoveries: [],
    landed: [],
  };
}

export const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

/** The channels of one test server, by name, and the connection numbers they share. */
export class Channels {
  private readonly byName = new Map<string, Channel>();
  private nextConn = 1;

  /** The channel called `name`, made if it is new. */
  get(name: string): Channel {
    let c = this.byName.get(name);
    if (!c) this.byName.set(name, (c = newChannel(name)));
    return c;
  }

  /** The channel an upgrade request names after `prefix`, or undefined when its path is not under it. */
  of(req: Pick<IncomingMessage, 'url'>, prefix: string): Channel | undefined {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    return pathname.startsWith(prefix) ? this.get(pathname.slice(prefix.length).split('/')[0]!) : undefined;
  }

  /** The next connection number (one sequence for every channel of every kind). */
  connNumber(): number {
    return this.nextConn++;
  }

  /** Records an upgrade; refuses it (503) while the channel's refuse count lasts. */
  admit(req: IncomingMessage, socket: Duplex, c: Channel): boolean {
    c.upgrades.push({
      url: req.url!,
      at: Date.now(),
      host: req.headers.host!,
      origin: req.headers.origin ?? null,
      cookie: req.headers.cookie ?? null,
      protocol: req.headers['sec-websocket-protocol'] ?? null,
    });
    if (c.refuse <= 0) return true;
    c.refuse -= 1;
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return false;
  }

  /** Records a socket that opened on `c` as connection `conn`, and its close. */
  opened(c: Channel, ws: WebSocket, conn: number): void {
    c.conns.set(ws, conn);
    c.total += 1;
    c.sockets.add(ws);
    c.maxOpen = Math.max(c.maxOpen, c.sockets.size);
    ws.on('close', (code) => {
      c.sockets.delete(ws);
      c.closes.push({ conn, code });
    });
  }

  /** Cuts every socket and every held upgrade of `c`, and forgets it. */
  reset(c: Channel): void {
    for (const ws of c.sockets) ws.terminate();
    for (const { socket } of c.held) socket.destroy();
    this.byName.delete(c.name);
  }

  /** Cuts every socket and held upgrade of every channel (the runner is stopping). */
  cutAll(): void {
    for (const c of this.byName.values()) for (const ws of c.sockets) ws.terminate();
    for (const c of this.byName.values()) for (const { socket } of c.held) socket.destroy();
  }
}

/** Handlers of the commands `N`: each gets the channel the call names and the call's arguments. */
export type Handlers<N extends CommandName> = {
  [K in N]: (c: Channel, args: CommandArgs<K>) => CommandResult<K> | Promise<CommandResult<K>>;
};

/** One kind of endpoint: attached when the runner's server starts, with the commands of its kind. */
export interface Endpoint<N extends CommandName> {
  /** Attaches to the runner's HTTP server; index.ts starts the kinds in the order their `upgrade` listeners must run. */
  start(server: HttpServer): void | Promise<void>;
  /** Closes what `start` opened (once every channel's sockets are cut). */
  stop(): Promise<void>;
  readonly commands: Handlers<N>;
}

function toWire(frame: OutgoingFrame): [string | Buffer, { binary: boolean }] {
  if (typeof frame === 'string') return [frame, { binary: false }];
  if (frame !== null && typeof frame === 'object') {
    if ('base64' in frame && typeof frame.base64 === 'string') return [Buffer.from(frame.base64, 'base64'), { binary: true }];
    if ('repeat' in frame && typeof frame.repeat === 'string') return [frame.repeat.repeat(frame.times), { binary: false }];
  }
  throw new Error(`cannot send frame ${JSON.stringify(frame)}`);
}

/** The commands that work on every kind of endpoint. */
export function channelCommands(channels: Channels) {
  return {
    state(c) {
      return {
        open: c.sockets.size,
        maxOpen: c.maxOpen,
        total: c.total,
        upgrades: c.upgrades,
        closes: c.closes,
        frameCount: c.frames.length,
        deliveryCount: c.deliveries.length,
      };
    },
    /** Sends frames to every open socket: strings as text, `{ base64 }` as binary. */
    send(c, { frames }) {
      const wire = frames.map(toWire);
      for (const ws of c.sockets) for (const [data, opts] of wire) ws.send(data, opts);
      return c.sockets.size;
    },
    /** `count` frames from `template` (`{i}` is the number, 0-based), back to back; then a close, with `closeWith`. */
    flood(c, { count, template, closeWith }) {
      for (const ws of c.sockets) {
        for (let i = 0; i < count; i++) ws.send(template.replaceAll('{i}', String(i)));
        if (closeWith !== undefined) ws.close(closeWith);
      }
      return count;
    },
    close(c, { code = 1000, reason = '' }) {
      for (const ws of c.sockets) ws.close(code, reason);
      return true;
    },
    /** Cuts the TCP connection with no close frame: the browser sees 1006. */
    drop(c) {
      for (const ws of c.sockets) ws.terminate();
      return true;
    },
    /** Refuses the next `count` upgrades with HTTP 503. */
    refuse(c, { count = 1 }) {
      c.refuse = count;
      return true;
    },
    reset(c) {
      channels.reset(c);
      return true;
    },
  } satisfies Handlers<'state' | 'send' | 'flood' | 'close' | 'drop' | 'refuse' | 'reset'>;
}
