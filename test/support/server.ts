/// <reference types="mocha" />
// Browser-side handle on the real ws test server (test/support/ws-test-server.mjs).
import { executeServerCommand } from '@web/test-runner-commands';
import { waitUntil } from '@open-wc/testing';

/** A frame as the test server recorded it. */
export interface RecordedFrame {
  conn: number;
  binary: boolean;
  size: number;
  sha256: string;
  text?: string;
  base64?: string;
}

export interface ChannelState {
  open: number;
  /** The most sockets that were open at once on this channel. */
  maxOpen: number;
  total: number;
  /** Every upgrade request, refused ones included; `at` is the server's clock (ms). */
  upgrades: { url: string; at: number; host: string; origin: string | null; cookie: string | null; protocol: string | null }[];
  closes: { conn: number; code: number }[];
  frameCount: number;
  /** Requests the real server helper handed to its handler (`/hx/` channels). */
  deliveryCount: number;
}

/** A request as the real server helper's handler got it (`/hx/` channels). */
export interface Delivery {
  conn: number;
  /** The request's `rid` value, if it had one. */
  rid: string | null;
  /** Its `HX-Request-Id` header, if any. */
  requestId: string | null;
  /** Its string (and string array) values. */
  values: Record<string, string | string[]>;
  files: { field: string; name: string; serialization: string; size: number; length: number; sha256: string; path: boolean }[];
}

/** What the `/hx/` disk sink got of chunked files on one channel. */
export interface UploadState {
  /** Bytes written to the channel's sinks. */
  received: number;
  /** Sinks made (one per new chunked file). */
  files: number;
  /** Sockets dropped by `killAt`. */
  kills: number;
  /** Writes that found the socket paused (the sink was full). */
  pausedWrites: number;
  /** Files in the upload directory now (every channel). */
  onDisk: number;
}

let seq = 0;

/** One isolated channel on the test server: its own sockets and frame log. */
export class Channel {
  readonly name: string;
  constructor(name = `c${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`) {
    this.name = name;
  }
  /** Path of this channel's socket endpoint; `rest` may add a sub-path and query. */
  path(rest = ''): string {
    return `/ws/${this.name}${rest}`;
  }
  /** Path of this channel on a server helper that keeps no dropped chunked upload (`resumeWindowMs: 1`, `/hxu/`). */
  hxForgetfulPath(rest = ''): string {
    return `/hxu/${this.name}${rest}`;
  }
  /** Path of this channel on the server helper with recovery on (`/hxr/`). */
  hxrPath(rest = ''): string {
    return `/hxr/${this.name}${rest}`;
  }
  /** `/hxr/`: sends `template` (`{i}` = start ...) to the channel's room (or `room`) through `toRoom`. */
  roomcast(start: number, count: number, template: string, room?: string): Promise<number> {
    return this.cmd('roomcast', { start, count, template, room });
  }
  /** `/hxr/`: the server's current log position. */
  position(): Promise<string> {
    return this.cmd('position');
  }
  /** Path of this channel on the two recovering servers on Redis (`/hxrr/`, upgrades to A and B in turn). */
  hxrrPath(rest = ''): string {
    return `/hxrr/${this.name}${rest}`;
  }
  /** `/hxrr/`: whether the test server has its Redis (and if not, why). */
  redis(): Promise<{ available: boolean; reason: string | null }> {
    return this.cmd('redis');
  }
  /** `/hxrr/`: `toRoom(channel)` on server `via`; resolves once Redis has every message. */
  redisRoomcast(start: number, count: number, template: string, via: 'a' | 'b' = 'a'): Promise<number> {
    return this.cmd('redisRoomcast', { start, count, template, via });
  }
  /** `/hxrr/`: the server (`a` or `b`) each upgrade of the channel was routed to. */
  landed(): Promise<('a' | 'b')[]> {
    return this.cmd('landed');
  }
  /** `/hxr/`: `ctx.recovered` of each connection of the channel, in order. */
  recoveries(): Promise<(boolean | null)[]> {
    return this.cmd('recoveries');
  }
  /** Path of this channel on the real server helper (`attachHxWs`, acks on). */
  hxPath(rest = ''): string {
    return `/hx/${this.name}${rest}`;
  }
  private cmd<T>(action: string, args: object = {}): Promise<T> {
    return executeServerCommand('ws', { channel: this.name, action, ...args }) as Promise<T>;
  }
  state(): Promise<ChannelState> {
    return this.cmd('state');
  }
  frames(from = 0): Promise<RecordedFrame[]> {
    return this.cmd('frames', { from });
  }
  /** Sends frames to every open socket: strings as text, `{ base64 }` as binary. */
  send(...frames: (string | { base64: string } | { repeat: string; times: number })[]): Promise<number> {
    return this.cmd('send', { frames });
  }
  flood(count: number, template: string): Promise<number> {
    return this.cmd('flood', { count, template });
  }
  close(code = 1000, reason = ''): Promise<void> {
    return this.cmd('close', { code, reason });
  }
  /** Cuts the TCP connection with no close frame: the browser sees 1006. */
  drop(): Promise<void> {
    return this.cmd('drop');
  }
  /** Refuses the next `count` upgrades with HTTP 503. */
  refuse(count = 1): Promise<void> {
    return this.cmd('refuse', { count });
  }
  /**
   * `on`: keeps the channel's next upgrades unanswered (under 3 s, or the server helpers answer
   * 404); `false` answers those the browser still waits for.
   * @returns how many held upgrades were answered
   */
  hold(on = true): Promise<number> {
    return this.cmd('hold', { on });
  }
  echo(on = true): Promise<void> {
    return this.cmd('echo', { on });
  }
  /** Requests the real server helper delivered to its handler, in order (`/hx/` channels). */
  deliveries(from = 0): Promise<Delivery[]> {
    return this.cmd('deliveries', { from });
  }
  /** Sends `template` with `{i}` = start ... start+count-1 to every open socket, recording each. */
  push(start: number, count: number, template: string): Promise<number> {
    return this.cmd('push', { start, count, template });
  }
  /** What `push` sent: one entry per message and socket. */
  pushed(): Promise<{ n: number; conn: number }[]> {
    return this.cmd('pushed');
  }
  /** Chunked uploads on `/hx/`: drop the socket once `killAt` bytes arrived; `slowMs` per sink write. */
  upload(options: { killAt?: number | null; slowMs?: number }): Promise<void> {
    return this.cmd('upload', options);
  }
  uploadState(): Promise<UploadState> {
    return this.cmd('uploadState');
  }
  /** Makes the `/hx/` handler answer each request with `template` (`{rid}` replaced); null: no answer. */
  reply(template: string | null): Promise<void> {
    return this.cmd('reply', { template });
  }
  /** Every `every`-th request the handler is given cuts the TCP connection before its ack (0: off). */
  dropAfterDelivery(every: number): Promise<void> {
    return this.cmd('dropAfterDelivery', { every });
  }
  reset(): Promise<void> {
    return this.cmd('reset');
  }
  async waitOpen(open = 1, total?: number): Promise<ChannelState> {
    let s!: ChannelState;
    await waitUntil(async () => {
      s = await this.state();
      return s.open === open && (total === undefined || s.total === total);
    }, `channel ${this.name}: expected ${open} open socket(s)${total === undefined ? '' : `, ${total} in all`}`, { timeout: 5000, interval: 20 });
    return s;
  }
  async waitFrames(count: number, timeout = 5000): Promise<RecordedFrame[]> {
    let f: RecordedFrame[] = [];
    await waitUntil(async () => {
      f = await this.frames();
      return f.length >= count;
    }, `channel ${this.name}: expected ${count} frame(s)`, { timeout, interval: 20 });
    return f;
  }
}
