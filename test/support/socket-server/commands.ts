/**
 * The commands of the test socket server, typed once for both of their sides: the browser's
 * `executeServerCommand(SERVER_COMMAND, { channel, action, ...args })` (test/support/server.ts)
 * and the handler that answers it in the runner's Node process (the `*-endpoint.ts` modules and
 * `channels.ts` beside this file; index.ts checks that every command has exactly its handler).
 *
 * Everything here crosses the runner's command channel as JSON: plain data only, and `null`
 * where the server has nothing (`undefined` is not sent).
 *
 * No imports and no Node: the browser loads this module too.
 *
 * @module
 */

/** The name of the runner command every action goes through. */
export const SERVER_COMMAND = 'ws';

/** A frame as a bare `/ws/` channel recorded it (what the browser put on the wire). */
export interface RecordedFrame {
  /** The connection (numbered across the whole server) it came on. */
  conn: number;
  binary: boolean;
  size: number;
  sha256: string;
  /** The text of a text frame up to 1 MiB. */
  text?: string;
  /** The bytes of a binary frame up to 1 MiB. */
  base64?: string;
}

/** An upgrade request as a channel saw it, refused ones included. */
export interface RecordedUpgrade {
  url: string;
  /** The server's clock (ms). */
  at: number;
  host: string;
  origin: string | null;
  cookie: string | null;
  protocol: string | null;
}

export interface ChannelState {
  open: number;
  /** The most sockets that were open at once on this channel. */
  maxOpen: number;
  total: number;
  /** Every upgrade request, refused ones included; `at` is the server's clock (ms). */
  upgrades: RecordedUpgrade[];
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

/** A frame to send: a string as text, `{ base64 }` as binary, `{ repeat, times }` as one long text. */
export type OutgoingFrame = string | { base64: string } | { repeat: string; times: number };

/** One of the two `/hxrr/` servers. */
export type RedisServerName = 'a' | 'b';

/** A command with no arguments. */
type NoArgs = Record<never, never>;

/**
 * Every command: its arguments (besides `channel`, which every call names) and its result.
 * Which endpoints each applies to is said on the handler and on `Channel`'s method.
 */
export interface Commands {
  // Every kind of endpoint (channels.ts).
  state: { args: NoArgs; result: ChannelState };
  send: { args: { frames: OutgoingFrame[] }; result: number };
  flood: { args: { count: number; template: string; closeWith?: number }; result: number };
  close: { args: { code?: number; reason?: string }; result: true };
  drop: { args: NoArgs; result: true };
  refuse: { args: { count?: number }; result: true };
  reset: { args: NoArgs; result: true };
  // The bare `/ws/` channels (ws-endpoint.ts).
  frames: { args: { from?: number }; result: RecordedFrame[] };
  hold: { args: { on?: boolean }; result: number };
  echo: { args: { on?: boolean }; result: true };
  // The server helper's channels, `/hx/` (hx-endpoint.ts), and `/hxu/`, `/hxr/` that record alike.
  deliveries: { args: { from?: number }; result: Delivery[] };
  push: { args: { start: number; count: number; template: string }; result: number };
  pushed: { args: NoArgs; result: { n: number; conn: number }[] };
  reply: { args: { template?: string | null }; result: true };
  dropAfterDelivery: { args: { every?: number }; result: true };
  upload: { args: { killAt?: number | null; msPerMiB?: number }; result: true };
  uploadState: { args: NoArgs; result: UploadState };
  // Recovery, `/hxr/` (hxr-endpoint.ts).
  roomcast: { args: { start?: number; count: number; template: string; room?: string }; result: number };
  position: { args: NoArgs; result: string };
  recoveries: { args: NoArgs; result: (boolean | null)[] };
  // Recovery across two servers on Redis, `/hxrr/` (hxrr-endpoint.ts).
  redis: { args: NoArgs; result: { available: boolean; reason: string | null } };
  landed: { args: NoArgs; result: RedisServerName[] };
  redisRoomcast: { args: { start?: number; count: number; template: string; via?: RedisServerName }; result: number };
  // Compression, `/hxz/` (hxz-endpoint.ts).
  zcast: { args: { start?: number; count: number; template: string; direct?: string }; result: number };
  compressed: { args: NoArgs; result: { extensions: string[]; bytesOut: number; wireBytesOut: number } };
  // Authentication with recovery, `/hxa/` (hxa-endpoint.ts).
  expire: { args: NoArgs; result: number };
  authRoomcast: { args: { start?: number; count: number; template: string }; result: number };
  authState: { args: NoArgs; result: { token: string | null; admitted: boolean }[] };
  // The demo's chat room, `/chat` (chat-endpoint.ts); the channel named is not used.
  dropChat: { args: NoArgs; result: number };
}

export type CommandName = keyof Commands;
export type CommandArgs<N extends CommandName> = Commands[N]['args'];
export type CommandResult<N extends CommandName> = Commands[N]['result'];

/** The arguments of a call to `N`, as a rest parameter: optional when each of them is. */
export type ArgsParam<N extends CommandName> = NoArgs extends CommandArgs<N> ? [args?: CommandArgs<N>] : [args: CommandArgs<N>];

/** The payload of one call: the channel, the command, and its arguments beside them. */
export type CommandPayload<N extends CommandName> = { channel: string; action: N } & CommandArgs<N>;
