/// <reference types="mocha" />
// Browser-side handle on the real ws test server (test/support/socket-server/), through the
// commands declared once, for both sides, in test/support/socket-server/commands.ts.
import { executeServerCommand } from '@web/test-runner-commands';
import { waitUntil } from '@open-wc/testing';
import {
  SERVER_COMMAND,
  type ArgsParam,
  type ChannelState,
  type CommandName,
  type CommandPayload,
  type CommandResult,
  type Delivery,
  type OutgoingFrame,
  type RecordedFrame,
  type UploadState,
} from './socket-server/commands.js';

export type { ChannelState, Delivery, RecordedFrame, UploadState } from './socket-server/commands.js';

/** Runs `action` on `channel`: its arguments and result are the ones commands.ts declares. */
function command<N extends CommandName>(channel: string, action: N, ...[args]: ArgsParam<N>): Promise<CommandResult<N>> {
  return executeServerCommand<CommandResult<N>, CommandPayload<N>>(SERVER_COMMAND, { channel, action, ...args } as CommandPayload<N>);
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
  /** Path of this channel on the server helper with `authenticate` and recovery (`/hxa/`). */
  hxaPath(rest = ''): string {
    return `/hxa/${this.name}${rest}`;
  }
  /** `/hxa/`: expires the token of every open socket (`ctx.expire()`); resolves once they closed. */
  expire(): Promise<number> {
    return this.cmd('expire');
  }
  /** `/hxa/`: sends `template` (`{i}` = start ...) to the channel's room through `toRoom`. */
  authRoomcast(start: number, count: number, template: string): Promise<number> {
    return this.cmd('authRoomcast', { start, count, template });
  }
  /** `/hxa/`: the token each upgrade carried, and whether it was admitted. */
  authState(): Promise<{ token: string | null; admitted: boolean }[]> {
    return this.cmd('authState');
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
  /** Path of this channel on the server helper with compression on (`/hxz/`). */
  hxzPath(rest = ''): string {
    return `/hxz/${this.name}${rest}`;
  }
  /** `/hxz/`: `toRoom(channel)` of `template` ({i} = start ...), each followed by `direct` sent to every connection. */
  zcast(start: number, count: number, template: string, direct?: string): Promise<number> {
    return this.cmd('zcast', { start, count, template, direct });
  }
  /** `/hxz/`: the extensions each connection negotiated, and the server's payload and wire bytes out. */
  compressed(): Promise<{ extensions: string[]; bytesOut: number; wireBytesOut: number }> {
    return this.cmd('compressed');
  }
  /** Path of this channel on the real server helper (`attachHxWs`, acks on). */
  hxPath(rest = ''): string {
    return `/hx/${this.name}${rest}`;
  }
  private cmd<N extends CommandName>(action: N, ...args: ArgsParam<N>): Promise<CommandResult<N>> {
    return command(this.name, action, ...args);
  }
  state(): Promise<ChannelState> {
    return this.cmd('state');
  }
  frames(from = 0): Promise<RecordedFrame[]> {
    return this.cmd('frames', { from });
  }
  /** Sends frames to every open socket: strings as text, `{ base64 }` as binary. */
  send(...frames: OutgoingFrame[]): Promise<number> {
    return this.cmd('send', { frames });
  }
  /** Sends `count` frames made from `template` (`{i}` is the number) in one go; then closes with `closeWith`. */
  flood(count: number, template: string, closeWith?: number): Promise<number> {
    return this.cmd('flood', { count, template, ...(closeWith === undefined ? {} : { closeWith }) });
  }
  async close(code = 1000, reason = ''): Promise<void> {
    await this.cmd('close', { code, reason });
  }
  /** Cuts the TCP connection with no close frame: the browser sees 1006. */
  async drop(): Promise<void> {
    await this.cmd('drop');
  }
  /** Refuses the next `count` upgrades with HTTP 503. */
  async refuse(count = 1): Promise<void> {
    await this.cmd('refuse', { count });
  }
  /**
   * `on`: keeps the channel's next upgrades unanswered (under 3 s, or the server helpers answer
   * 404); `false` answers those the browser still waits for.
   * @returns how many held upgrades were answered
   */
  hold(on = true): Promise<number> {
    return this.cmd('hold', { on });
  }
  async echo(on = true): Promise<void> {
    await this.cmd('echo', { on });
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
  /**
   * Chunked uploads on `/hx/`: drop the socket once `killAt` bytes arrived; a slow sink takes
   * `msPerMiB` ms per MiB written, however the server cuts the bytes into writes.
   */
  async upload(options: { killAt?: number | null; msPerMiB?: number }): Promise<void> {
    await this.cmd('upload', options);
  }
  uploadState(): Promise<UploadState> {
    return this.cmd('uploadState');
  }
  /** Makes the `/hx/` handler answer each request with `template` (`{rid}` replaced); null: no answer. */
  async reply(template: string | null): Promise<void> {
    await this.cmd('reply', { template });
  }
  /** Every `every`-th request the handler is given cuts the TCP connection before its ack (0: off). */
  async dropAfterDelivery(every: number): Promise<void> {
    await this.cmd('dropAfterDelivery', { every });
  }
  async reset(): Promise<void> {
    await this.cmd('reset');
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

/** Cuts the TCP connection of every tab of the demo's chat room (`/chat`). @returns how many */
export function dropChat(): Promise<number> {
  return command('chat', 'dropChat');
}
