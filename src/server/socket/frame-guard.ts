/// <reference types="node" />
/**
 * A guard in front of `ws`'s frame parser. `ws` has one `maxPayload` for every frame, and it
 * buffers a frame whole before anyone sees it; hx-ws wants 1 MiB for text and the declared file
 * size for binary. The guard reads each frame header as the bytes arrive (it never copies a
 * payload) and refuses, from the header, a text message over `maxTextBytes` (1009) and a binary
 * message nobody asked for or longer than the file it must carry (1003). It also times text
 * messages that stop arriving, counts binary payload bytes as upload progress as they come, and
 * stops passing data frames once the connection is closing, so a refused or closing socket never
 * makes `ws` buffer anything big. It bounds the frames of one message (`maxFramesPerMessage`,
 * 1008), whatever `ws` version is installed, and skips the binary frames of a refused request
 * unread (the decoder says when: {@link FrameGuardOptions.discarding}).
 *
 * How it is put in front of `ws` ({@link installFrameGuard}): `ws` feeds every chunk of the TCP
 * stream to its receiver's `write()`; the guard replaces that method on the one receiver
 * instance (`ws._receiver`, present in ws 7 and 8) and calls the original with what it lets
 * through. If a future `ws` has no such receiver, the socket runs with `ws`'s own limit only.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { WebSocket } from 'ws';
import type { DecoderTimers } from '../decoder/decoder-limits.js';
import { ProtocolError, type ProtocolErrorKind } from '../errors.js';
import { StallClock, type StallReason } from './stall-clock.js';

// The WebSocket frame header (RFC 6455 section 5.2) as the guard reads it: the data opcodes,
// its size and the payload length it declares.
const OP_CONTINUATION = 0;
const OP_TEXT = 1;
const OP_BINARY = 2;
/** The longest header: 2 bytes, an 8-byte length and a 4-byte mask. */
const MAX_HEADER = 14;

/**
 * How many bytes the header being read has in all, from its first `have` bytes (2 until the
 * second byte, which gives the length's size and whether there is a mask, is in).
 */
function headerSize(header: Buffer, have: number): number {
  if (have < 2) return 2;
  const len7 = header[1]! & 0x7f;
  const masked = (header[1]! & 0x80) !== 0;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
}

/** Byte order of the machine, for reading a 4-byte mask as one 32-bit word. */
const mask32 = new Uint32Array(1);
const mask8 = new Uint8Array(mask32.buffer);

/** Byte `k` (0 to 3, taken mod 4) of a mask packed by {@link packMask}. */
const maskByte = (mask: number, k: number): number => (mask >>> ((k & 3) << 3)) & 0xff;

/** Frames shorter than this count toward `maxFramesPerMessage` (a flood is made of tiny ones). */
const SMALL_FRAME_BYTES = 4096;

/** More than deflate can turn `n` bytes into (data it cannot compress: a few bytes per 64 KiB block, and a tail). */
const deflateBound = (n: number): number => n + (n >>> 12) + 64;

/** The 4 mask bytes of a frame header from `at` on, as one number (a guard keeps no buffer for it). */
export function packMask(bytes: ArrayLike<number>, at = 0): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Unmasks `data` in place: byte `j` is XORed with mask byte `(at + j) mod 4`, `at` being where
 * `data` starts in its frame's payload, `mask` from {@link packMask}. Four bytes at a time where
 * `data` is aligned; `ws`'s own unmask (without the optional `bufferutil` addon) goes byte by
 * byte, several times slower.
 */
export function unmask(data: Uint8Array, mask: number, at: number): void {
  const n = data.length;
  let i = 0;
  for (; i < n && ((data.byteOffset + i) & 3) !== 0; i++) data[i]! ^= maskByte(mask, at + i);
  const words = (n - i) >>> 2;
  if (words > 0) {
    for (let k = 0; k < 4; k++) mask8[k] = maskByte(mask, at + i + k);
    const word = mask32[0]!;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w]! ^= word;
    i += words * 4;
  }
  for (; i < n; i++) data[i]! ^= maskByte(mask, at + i);
}

/** The payload length a whole header declares. */
function payloadLength(header: Buffer): number {
  const len7 = header[1]! & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return header.readUInt16BE(2);
  const high = header.readUInt32BE(2);
  // Over 2^53: no limit can allow it; Infinity keeps the comparisons right.
  return high >= 0x200000 ? Infinity : high * 2 ** 32 + header.readUInt32BE(6);
}

/**
 * The limits of {@link installFrameGuard}: the same for every socket of a server, so one object
 * serves them all.
 */
export interface FrameGuardLimits {
  /** Largest text message in bytes (all its fragments together). */
  readonly maxTextBytes: number;
  /** `ws`'s own `maxPayload`: a binary message over it is left to `ws`, which closes with 1009. */
  readonly maxPayload: number;
  /** How long a text message may go without a byte, and the length of a rate window (ms). */
  readonly frameTimeoutMs: number;
  /** The slowest a text message may arrive, in bytes a second per window. */
  readonly minBytesPerSecond: number;
  /** The clock. */
  readonly timers: DecoderTimers;
  /**
   * Most frames one data message may have (its first frame and its continuations): `ws` keeps a
   * buffer object per fragment until the message is whole, so a flood of tiny continuation frames
   * costs memory far beyond its bytes. Over it: refused, 1008 `too-many-fragments`. Default: no bound.
   */
  readonly maxFramesPerMessage?: number;
}

/**
 * What the guard asks of, and tells, the socket's connection. Methods rather than callbacks, so
 * that a connection lends itself instead of holding a closure per hook.
 */
export interface FrameGuardHost {
  /** The size the next binary message must have, or undefined when none is due. */
  expectedBinary(): number | undefined;
  /**
   * Whether the binary messages that come now are the rest of a refused request: their frames
   * are skipped (never handed to `ws`, never buffered) instead of checked.
   */
  discarding(): boolean;
  /** Binary payload bytes arrived (before `ws` has the whole frame). */
  onFileBytes(bytes: number): void;
  /**
   * Whether the binary message that begins now is streamed (never a compressed one): its frames
   * never go to `ws` (which would buffer the message whole), its payload goes, unmasked, to
   * {@link onStreamBytes} as it arrives, and {@link onStreamEnd} says when it is over. Asked
   * once the frames before it were passed on.
   */
  stream(): boolean;
  /** Payload bytes of a streamed message, in order (views of the socket's own read buffers). */
  onStreamBytes(bytes: Buffer): void;
  /** The streamed message is over. */
  onStreamEnd(): void;
  /** A frame broke a rule, or a text message stalled. Data frames are no longer passed. */
  onRefuse(error: ProtocolError): void;
  /**
   * Reading should stop (true) while a binary message waits for the messages before it to reach
   * the decoder (`ws` is still decompressing them), and may go on (false) once they have. With
   * it, the caller tells the guard of each message it had from `ws` ({@link FrameGuard.arrived});
   * without it, a binary frame is judged at once.
   */
  hold?(on: boolean): void;
}

/** What the guard passes on: everything, control frames only, or nothing at all. */
type Mode = 'pass' | 'control-only' | 'nothing';

/** Payload bytes of a refused frame the guard still reads through, to see the peer's close. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Where every guard assembles a frame header. Shared: a guard's `write` runs to its end before
 * any other guard's, and a header still incomplete at the end of a chunk is saved in the guard
 * ({@link FrameGuard.saved}), so an idle connection holds no header buffer of its own.
 */
const scratch = Buffer.alloc(MAX_HEADER);

/** The frame guard of one socket; see the module description. */
export class FrameGuard {
  private mode: Mode = 'pass';
  /** The bytes of a header cut by the end of a chunk, until the next chunk. */
  private saved: Buffer | undefined;
  private headerLength = 0;
  /** Header bytes that came in earlier chunks (not yet passed on). */
  private carried = 0;
  private payloadLeft = 0;
  /** The current frame: its opcode, whether it ends its message, whether it is passed on. */
  private opcode = 0;
  private fin = false;
  private passing = true;
  /** The data message in progress (an opcode, 0 for none) and its bytes so far. */
  private message = 0;
  private messageBytes = 0;
  /** Frames of the data message in progress. */
  private messageFrames = 0;
  /** Whether the current message is compressed (RSV1): its wire length is not its size. */
  private compressed = false;
  /** The data message in progress belongs to a refused request: skipped whole. */
  private skipMessage = false;
  /** The data message in progress is streamed ({@link FrameGuardHost.stream}), and its size bound. */
  private streamMessage = false;
  private streamLimit = 0;
  /** The current frame's payload is streamed. */
  private streaming = false;
  /** The clock of the text message in progress (made at its first frame, dropped at its end). */
  private clock: StallClock | undefined;
  private paused = false;
  private result = true;
  /** The current frame's mask ({@link packMask}), and how many of its payload bytes were unmasked. */
  private mask = 0;
  private masked = false;
  private maskAt = 0;
  /** Data messages passed on whole to `ws`, and those the connection has had from it ({@link arrived}). */
  private passed = 0;
  private arrivedCount = 0;
  /** Bytes from the header of a binary message on, held until the messages before it arrived. */
  private held: Buffer | undefined;

  /**
   * @param receiver `ws`'s receiver of the socket
   * @param forward the receiver's original `write`, called on `receiver`
   * @param limits the server's limits
   * @param host the socket's connection
   */
  constructor(
    private readonly receiver: object,
    private readonly forward: (this: object, chunk: Buffer) => boolean,
    private readonly limits: FrameGuardLimits,
    private readonly host: FrameGuardHost,
  ) {}

  /** The clock of text messages. */
  private get textClock(): StallClock {
    if (!this.clock) {
      const { timers, frameTimeoutMs, minBytesPerSecond } = this.limits;
      this.clock = new StallClock(timers, frameTimeoutMs, minBytesPerSecond, (reason) => this.stalled(reason));
      if (this.paused) this.clock.pause();
    }
    return this.clock;
  }

  /**
   * The connection is closing: pass no more data frames (control frames still go through, so
   * the closing handshake can finish). Called in the middle of a frame already passed on, the
   * rest of that frame still goes to `ws` when it is small (text or control); in a binary frame,
   * nothing more is passed at all.
   */
  stopData(): void {
    this.clock?.stop();
    if (this.mode !== 'pass') return;
    const midFrame = this.payloadLeft > 0 && (this.passing || this.streaming);
    this.mode = midFrame && this.message === OP_BINARY && this.opcode < 8 ? 'nothing' : 'control-only';
  }

  /**
   * Whether the guard passes nothing more: the caller should stop reading and end the TCP
   * connection itself after its close frame, since `ws` cannot see the peer's answer.
   */
  get passesNothing(): boolean {
    return this.mode === 'nothing';
  }

  /** Reading is paused on purpose: stop the text clock. */
  pause(): void {
    this.paused = true;
    this.clock?.pause();
  }

  /** Reading again. */
  unpause(): void {
    this.paused = false;
    this.clock?.unpause();
  }

  /** The socket closed. */
  close(): void {
    this.clock?.stop();
    this.mode = 'nothing';
    this.held = undefined;
  }

  /**
   * The connection has had a data message from `ws` (and the decoder has seen it). A binary
   * message held until then is judged now.
   */
  arrived(): void {
    this.arrivedCount += 1;
    const held = this.held;
    if (!held || this.arrivedCount < this.passed) return;
    this.held = undefined;
    this.host.hold?.(false);
    this.write(held);
  }

  /** The replacement of the receiver's `write`: scans `chunk`, passes on what may go. */
  write(chunk: Buffer): boolean {
    if (this.held) {
      // Reading is held: kept in order behind the held bytes.
      this.held = Buffer.concat([this.held, chunk]);
      return true;
    }
    this.result = true;
    if (this.saved) {
      this.saved.copy(scratch);
      this.saved = undefined;
    }
    let runStart = 0;
    const flush = (end: number): void => {
      if (end > runStart && this.mode !== 'nothing') this.result = this.forward.call(this.receiver, chunk.subarray(runStart, end)) && this.result;
      runStart = end;
    };
    let i = 0;
    while (i < chunk.length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - i);
        if (!this.passing) {
          flush(i);
          runStart = i + n;
          if (this.streaming && this.mode === 'pass') {
            const bytes = chunk.subarray(i, i + n);
            unmask(bytes, this.mask, this.maskAt);
            this.maskAt += n;
            this.host.onStreamBytes(bytes);
          }
        } else if (this.masked) {
          unmask(chunk.subarray(i, i + n), this.mask, this.maskAt);
          this.maskAt += n;
        }
        this.payloadLeft -= n;
        i += n;
        this.payloadBytes(n);
        continue;
      }
      if (this.headerLength === 0) this.carried = 0;
      scratch[this.headerLength++] = chunk[i++]!;
      if (this.headerLength < headerSize(scratch, this.headerLength)) continue;
      // A whole header: bytes before it in this chunk are [runStart, start).
      const start = i - (this.headerLength - this.carried);
      if (this.host.hold && (scratch[0]! & 0x0f) === OP_BINARY && this.mode === 'pass') {
        // Whether a file is due is the decoder's to say, once it has every message before this
        // one. `ws` hands a plain message over as soon as it has it, a compressed one only once
        // it is decompressed: until then the binary message and what follows wait.
        flush(start);
        if (this.passed > this.arrivedCount) {
          this.held = Buffer.concat([scratch.subarray(0, this.carried), chunk.subarray(start)]);
          this.headerLength = 0;
          this.carried = 0;
          this.host.hold?.(true);
          return this.result;
        }
      }
      this.decide(() => flush(start));
      this.masked = false;
      if (this.streaming) this.takeMask(chunk, start, false);
      if (this.passing && this.mode !== 'nothing') {
        this.takeMask(chunk, start, true);
        if (this.carried > 0) {
          flush(start);
          this.result = this.forward.call(this.receiver, Buffer.from(scratch.subarray(0, this.carried))) && this.result;
        }
      } else {
        flush(start);
        runStart = i;
      }
      this.headerLength = 0;
      if (this.payloadLeft === 0) this.payloadBytes(0);
    }
    if (this.headerLength > 0) {
      // A partial header: keep it (it is in `scratch` until this write ends), pass on what came before it.
      flush(i - (this.headerLength - this.carried));
      this.carried = this.headerLength;
      this.saved = Buffer.from(scratch.subarray(0, this.headerLength));
      runStart = chunk.length;
    }
    flush(chunk.length);
    return this.result;
  }

  /**
   * The frame whose whole header is in `scratch` is passed on: the guard unmasks its payload
   * itself (see {@link unmask}) and passes on a header whose mask is zero, which `ws` leaves as it
   * is. The header's bytes from `start` in `chunk` on (those after the ones carried) are changed
   * there, the carried ones in `scratch`, which is what is passed on for them. A streamed
   * frame (`zero` false) is not passed on: only its mask is read.
   */
  private takeMask(chunk: Buffer, start: number, zero: boolean): void {
    const length = this.headerLength;
    if ((scratch[1]! & 0x80) === 0) return;
    this.mask = packMask(scratch, length - 4);
    for (let k = length - 4; zero && k < length; k++) {
      if (k < this.carried) scratch[k] = 0;
      else chunk[start + k - this.carried] = 0;
    }
    this.masked = true;
    this.maskAt = 0;
  }

  /**
   * Decides what to do with the frame whose header just completed.
   * @param catchUp passes on the bytes before this header, so that `ws` and the decoder have
   *   seen every earlier frame (called before asking the decoder, and before refusing)
   */
  private decide(catchUp: () => void): void {
    const opcode = scratch[0]! & 0x0f;
    const length = payloadLength(scratch);
    const binary = opcode === OP_BINARY || (opcode === OP_CONTINUATION && this.message === OP_BINARY);
    if (binary && this.mode === 'pass') catchUp();
    this.opcode = opcode;
    this.fin = (scratch[0]! & 0x80) !== 0;
    this.payloadLeft = length;
    this.passing = this.mode !== 'nothing';
    this.streaming = false;
    if (opcode >= 8) return;
    if (opcode !== OP_CONTINUATION) {
      this.message = opcode;
      this.messageBytes = 0;
      this.messageFrames = 0;
      this.skipMessage = opcode === OP_BINARY && this.mode === 'pass' && this.host.discarding();
      // A compressed message (RSV1, permessage-deflate) is left to ws, which inflates it.
      const compressed = (this.compressed = (scratch[0]! & 0x40) !== 0);
      this.streamMessage = opcode === OP_BINARY && !compressed && this.mode === 'pass' && !this.skipMessage && this.host.stream();
      if (this.streamMessage) this.streamLimit = this.host.expectedBinary() ?? 0;
    }
    this.messageBytes += length;
    // Only small frames count: a browser cuts a big message into big frames (Chromium: ~128 KiB).
    if (length < SMALL_FRAME_BYTES) this.messageFrames += 1;
    if (this.mode !== 'pass') {
      this.passing = false;
      return;
    }
    const { maxTextBytes, maxPayload, maxFramesPerMessage = Infinity } = this.limits;
    if (this.messageFrames > maxFramesPerMessage) {
      this.refuse(catchUp, 'too-many-fragments', `a message of more than maxFramesPerMessage ${maxFramesPerMessage} frames`);
    } else if (this.skipMessage) {
      // The rest of a refused request: read through, handed to nobody.
      this.passing = false;
    } else if (this.streamMessage && binary) {
      if (this.messageBytes > this.streamLimit) {
        this.refuse(catchUp, 'size-mismatch', `binary message of at least ${this.messageBytes} bytes, declared size ${this.streamLimit}`);
      } else {
        this.passing = false;
        this.streaming = true;
      }
    } else if (this.message === OP_TEXT) {
      if (this.messageBytes > maxTextBytes) {
        this.refuse(catchUp, 'frame-too-large', `text message of at least ${this.messageBytes} bytes exceeds maxTextFrameBytes ${maxTextBytes}`);
      } else if (opcode === OP_TEXT) {
        this.textClock.start();
      }
    } else if (binary && this.messageBytes <= maxPayload) {
      const expected = this.host.expectedBinary();
      if (expected === undefined) {
        this.refuse(catchUp, 'unexpected-binary', `binary frame of ${this.messageBytes} bytes with no file/oob pending`);
      } else if (this.messageBytes > (this.compressed ? deflateBound(expected) : expected)) {
        // A compressed file may come out a little longer than the file (incompressible data);
        // what it inflates to is held to the declared size by ws's inflate limit.
        this.refuse(catchUp, 'size-mismatch', `binary message of at least ${this.messageBytes} bytes, declared size ${expected}`);
      }
    }
  }

  /** `n` payload bytes of the current frame went by (0 for an empty frame). */
  private payloadBytes(n: number): void {
    const done = this.payloadLeft === 0;
    if (this.passing && this.opcode < 8) {
      if (this.message === OP_BINARY && n > 0) this.host.onFileBytes(n);
      else if (this.message === OP_TEXT) this.textClock.progress(n, done && this.fin);
    }
    if (done && this.fin && this.opcode < 8) {
      if (this.message === OP_TEXT && this.clock) {
        // An idle socket keeps no clock.
        this.clock.stop();
        this.clock = undefined;
      }
      if (this.passing && this.mode !== 'nothing' && !this.skipMessage) this.passed += 1;
      this.message = 0;
      if (this.streaming && this.mode === 'pass') {
        this.streaming = false;
        this.host.onStreamEnd();
      }
    }
  }

  /**
   * Drops the current frame and every later data frame, after passing on what came before. A
   * big refused frame leaves nothing worth reading: the peer cannot send a control frame before
   * its payload is over, so the guard then passes nothing (and the caller stops reading).
   */
  private refuse(catchUp: () => void, kind: ProtocolErrorKind, message: string): void {
    this.passing = false;
    catchUp();
    if (this.mode === 'pass') this.mode = this.payloadLeft > DRAIN_LIMIT ? 'nothing' : 'control-only';
    this.clock?.stop();
    this.host.onRefuse(new ProtocolError(kind, message));
  }

  private stalled(reason: StallReason): void {
    if (this.mode !== 'pass') return;
    const { frameTimeoutMs, minBytesPerSecond } = this.limits;
    // The message is partly passed on already: `ws` cannot be fed the rest, so nothing goes.
    this.mode = 'nothing';
    this.host.onRefuse(
      reason.kind === 'idle'
        ? new ProtocolError('frame-timeout', `text message stalled: no byte for ${reason.idleMs} ms (frameTimeoutMs ${frameTimeoutMs})`)
        : new ProtocolError(
            'too-slow',
            `text message too slow: ${reason.bytes} bytes in ${reason.windowMs} ms (minBytesPerSecond ${minBytesPerSecond})`,
          ),
    );
  }
}

/** Whether the missing-receiver warning was printed (once per process). */
let warned = false;

/** Where a guarded receiver keeps its guard. */
const GUARD = Symbol('hx-ws frame guard');

/** A receiver whose `write` goes through its guard. */
interface GuardedReceiver {
  [GUARD]: FrameGuard;
}

/**
 * The `write` of every guarded receiver (one function for all of them, called on the receiver):
 * hands the chunk to the receiver's guard.
 */
function guardedWrite(this: GuardedReceiver, chunk: Buffer): boolean {
  return this[GUARD].write(chunk);
}

/**
 * Puts a {@link FrameGuard} in front of the socket's frame parser.
 * @param socket the `ws` socket
 * @param limits the server's limits (one object for every socket)
 * @param host the socket's connection
 * @returns the guard, or undefined when this `ws` has no receiver to guard (warned once)
 */
export function installFrameGuard(socket: WebSocket, limits: FrameGuardLimits, host: FrameGuardHost): FrameGuard | undefined {
  const receiver = (socket as unknown as { _receiver?: { write?: unknown } })._receiver;
  if (!receiver || typeof receiver.write !== 'function') {
    if (!warned) console.warn('hx-ws: this ws version has no _receiver; frame limits fall back to ws maxPayload');
    warned = true;
    return undefined;
  }
  const guard = new FrameGuard(receiver, receiver.write as (this: object, chunk: Buffer) => boolean, limits, host);
  (receiver as unknown as GuardedReceiver)[GUARD] = guard;
  receiver.write = guardedWrite;
  return guard;
}
