/// <reference types="node" />
/**
 * Text messages out, framed (and compressed) once for every socket that can take the same bytes.
 *
 * `ws.send` frames a message for one socket, and with permessage-deflate compresses it with that
 * socket's own zlib stream. A broadcast to 10,000 sockets would be framed 10,000 times, and
 * compressed 10,000 times with 10,000 compressors. A {@link FrameWriter} instead builds the
 * frame's bytes once per kind of socket (no deflate; deflate without server context takeover at
 * a given window size) and writes that one buffer to each. Sockets whose frames cannot be shared
 * (server context takeover, a window size zlib cannot make) go through `ws.send` as before.
 *
 * This relies on `ws` internals, checked by {@link wsInternalsOk} and by
 * test/node/compression.test.ts: the static `Sender.frame(data, options)` (a named export
 * of `ws`), each socket's `_sender` with its `sendFrame(list, cb)` and its `_state`
 * (0 when no compression or blob read is in progress, so a frame written now cannot overtake
 * one queued in the sender). When any of them is not as expected, every message goes through
 * `ws.send`: slower, never wrong.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { constants, deflateRawSync } from 'node:zlib';
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';
import type { CompressionOptions } from './compression.js';

/** The part of `ws`'s Sender class used here. */
interface SenderClass {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
}

/** The part of a socket's `ws` sender used here. */
interface SenderInstance {
  _state?: unknown;
  sendFrame?: (list: Buffer[], cb?: (error?: Error) => void) => void;
}

/** `ws`'s Sender class, if this `ws` exports it (a named export of its ES module, a static of its CommonJS one). */
const Sender =
  (wsModule as unknown as { Sender?: SenderClass }).Sender ?? (wsModule.WebSocket as unknown as { Sender?: SenderClass } | undefined)?.Sender;

/**
 * Whether this `ws` frames as expected: `Sender.frame` of "hi" as a final text frame with RSV1
 * set gives exactly the 4 bytes RFC 6455 says, and senders have `sendFrame`.
 */
export function wsInternalsOk(): boolean {
  try {
    if (typeof Sender?.frame !== 'function') return false;
    const proto = (Sender as unknown as { prototype?: SenderInstance }).prototype;
    if (typeof proto?.sendFrame !== 'function') return false;
    const bytes = Buffer.concat(Sender.frame(Buffer.from('hi'), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: true }));
    return bytes.equals(Buffer.from([0xc1, 0x02, 0x68, 0x69]));
  } catch {
    return false;
  }
}

/** How a socket's frames are made: `ws` (its own send), `0` (no deflate), else the deflate window bits. */
export type FrameKind = 'ws' | number;

/**
 * The kind of a socket, from the `Sec-WebSocket-Extensions` value the server answered its
 * upgrade with (undefined: none): plain, deflate without server context takeover (by window
 * size), or `ws` for anything else.
 */
export function frameKind(extensions: string | undefined): FrameKind {
  if (extensions === undefined || extensions.trim() === '') return 0;
  const offers = extensions.split(',');
  if (offers.length !== 1) return 'ws';
  const [name, ...params] = offers[0]!.split(';').map((part) => part.trim());
  if (name !== 'permessage-deflate') return 'ws';
  let noTakeover = false;
  let bits = 15;
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (key === 'server_no_context_takeover') noTakeover = true;
    else if (key === 'server_max_window_bits') bits = Number(value);
  }
  // zlib makes no raw deflate stream with an 8-bit window (it uses 9), which such a page could not read.
  if (!noTakeover || !Number.isInteger(bits) || bits < 9 || bits > 15) return 'ws';
  return bits;
}

/** The extensions header value among an upgrade answer's header lines, if any. */
function extensionsOf(headers: readonly string[]): string | undefined {
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'sec-websocket-extensions') return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** One text's payload and its frames by kind, built on first use. */
class Prepared {
  readonly frames = new Map<number, Buffer>();
  constructor(readonly payload: Buffer) {}
}

/**
 * The frames of the messages of one delivery (a broadcast, a room message, a batch from the
 * adapter): each text is framed and compressed at most once per kind of socket.
 */
export class SharedFrames {
  private readonly texts = new Map<string, Prepared>();

  /** The prepared form of `text`. */
  of(text: string): Prepared {
    let prepared = this.texts.get(text);
    if (!prepared) this.texts.set(text, (prepared = new Prepared(Buffer.from(text, 'utf8'))));
    return prepared;
  }
}

/** Counts of what a {@link FrameWriter} did, for tests and benches. */
export interface FrameWriterCounts {
  /** Frames built (each one possibly written to many sockets). */
  framed: number;
  /** Of those, compressed. */
  compressed: number;
  /** Messages handed to `ws.send` instead. */
  viaWs: number;
}

/** Writes text messages to sockets, sharing frames where the sockets allow it. */
export class FrameWriter {
  /** Whether prepared frames are written (the `ws` internals were as expected). */
  readonly prepared: boolean;
  readonly counts: FrameWriterCounts = { framed: 0, compressed: 0, viaWs: 0 };
  private readonly kinds = new WeakMap<WebSocket, FrameKind>();
  /** What each upgrade request was answered (its extensions), until its socket is adopted. */
  private readonly answered = new WeakMap<object, FrameKind>();

  /**
   * @param compression the compression in force (undefined: off)
   * @param internalsOk whether `ws`'s internals are usable (tests pass false to see the fallback)
   */
  constructor(
    private readonly compression: Readonly<Required<CompressionOptions>> | undefined,
    internalsOk = wsInternalsOk(),
  ) {
    this.prepared = internalsOk;
  }

  /**
   * Reads what `wss` answers each upgrade (its public `headers` event), so that
   * {@link adopt} knows which extensions a socket has.
   */
  listen(wss: { on(event: 'headers', listener: (headers: string[], req: object) => void): unknown }): void {
    // Without compression every socket is plain: nothing to remember per socket.
    if (this.compression) wss.on('headers', (headers, req) => this.answered.set(req, frameKind(extensionsOf(headers))));
  }

  /** `socket` was made from the upgrade `req`: its kind is what that upgrade was answered. */
  adopt(socket: WebSocket, req: object): void {
    const kind = this.compression ? this.answered.get(req) : undefined;
    if (kind !== undefined) this.kinds.set(socket, kind);
  }

  /**
   * Sends `text` on `socket` (which must be open). With `shared`, the frame built for this text
   * and this kind of socket is reused; without, only a message to compress is prepared here (so
   * that no socket keeps a compressor of its own).
   * @returns the bytes written on the wire when known (frame header included), else undefined
   */
  send(socket: WebSocket, text: string, shared?: SharedFrames): number | undefined {
    const kind = this.kindOf(socket);
    const sender = (socket as unknown as { _sender?: SenderInstance })._sender;
    if (kind === 'ws' || !this.prepared || sender?._state !== 0 || typeof sender.sendFrame !== 'function') return this.viaWs(socket, text);
    const threshold = this.compression?.threshold ?? Infinity;
    // Nothing to share and nothing to compress: ws's own path costs no more.
    if (!shared && (kind === 0 || text.length * 3 < threshold)) return this.viaWs(socket, text);
    const prepared = (shared ?? new SharedFrames()).of(text);
    let frame = prepared.frames.get(kind);
    if (!frame) prepared.frames.set(kind, (frame = this.frame(prepared.payload, kind)));
    sender.sendFrame([frame]);
    return frame.length;
  }

  private viaWs(socket: WebSocket, text: string): undefined {
    this.counts.viaWs += 1;
    socket.send(text);
    return undefined;
  }

  /**
   * The socket's kind, from what its upgrade was answered; `ws` for a socket not adopted. Without
   * compression the server negotiates no extension: every socket is plain.
   */
  private kindOf(socket: WebSocket): FrameKind {
    if (!this.compression) return 0;
    return this.kinds.get(socket) ?? 'ws';
  }

  /**
   * One final text frame for `payload`: compressed (RSV1 set) for a deflate kind when it is at
   * least the threshold and compressing makes it shorter. Compressed as permessage-deflate says
   * (a raw deflate stream flushed with an empty stored block, whose 4-byte tail 00 00 FF FF is
   * taken off), from an empty context, so any socket without server context takeover and at
   * least this window can read it.
   */
  private frame(payload: Buffer, kind: number): Buffer {
    this.counts.framed += 1;
    let data = payload;
    let rsv1 = false;
    const compression = this.compression;
    if (kind > 0 && compression && payload.length >= compression.threshold) {
      const deflated = deflateRawSync(payload, {
        level: compression.level,
        memLevel: compression.memLevel,
        windowBits: kind,
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      if (deflated.length - 4 < payload.length) {
        data = deflated.subarray(0, deflated.length - 4);
        rsv1 = true;
        this.counts.compressed += 1;
      }
    }
    const parts = Sender!.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1 });
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
