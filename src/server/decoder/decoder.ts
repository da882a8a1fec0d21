/// <reference types="node" />
/**
 * A transport-free decoder for the hx-ws wire format: feed it a socket's frames in order, get
 * back whole requests. It knows nothing about `ws` or sockets, so it can be tested (and reused
 * with another WebSocket library) on its own.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, type ProtocolErrorKind } from '../errors.js';
import { resolveLimits, systemTimers, type DecoderLimits, type DecoderTimers } from './decoder-limits.js';
import { StallClock, type StallReason } from '../socket/stall-clock.js';
import { parseRequest, quote } from './parse-request.js';
import type { HxWsFile, HxWsRequest } from './request.js';
import { HEADERS_KEY, REQUEST_ID_HEADER, SERIALIZATION_OOB_CHUNKED } from '../../protocol.js';
import { jsonObject, MemoryChunks, toBuffer, type ChunkTarget, type DecoderOptions, type FrameData } from './decoder-input.js';

/** The rules a single request can break without the connection being at fault: refused, not closed. */
const PER_REQUEST: ReadonlySet<ProtocolErrorKind> = new Set(['file-too-large', 'request-too-large', 'too-many-files']);

/** The `HX-Request-Id` of a request's raw `HEADERS` (name without regard to case), if it is a non-empty string. */
function requestIdIn(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const lower = REQUEST_ID_HEADER.toLowerCase();
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lower && typeof value === 'string' && value) return value;
  return undefined;
}

/** A request between its JSON frame and its last binary frame. */
interface PendingRequest {
  request: HxWsRequest;
  /** oob files indexed by offset. */
  byOffset: HxWsFile[];
  /** Bytes still to come, by offset (a whole frame for `file/oob`, the chunks' rest for chunked). */
  left: number[];
  /** The offset of the file the next binary frame belongs to. */
  next: number;
}

/**
 * Moves past the current file and any chunked files after it with no bytes left.
 * @param memory the in-memory chunk target, when chunks are kept in memory: a chunked file that
 *   is done gets its joined `bytes`
 */
function advance(pending: PendingRequest, memory: MemoryChunks | undefined): void {
  if (pending.byOffset[pending.next]?.chunkSize !== undefined) memory?.finish(pending.byOffset[pending.next]!);
  pending.next += 1;
  while (pending.next < pending.byOffset.length && pending.left[pending.next] === 0 && pending.byOffset[pending.next]!.chunkSize !== undefined) {
    memory?.finish(pending.byOffset[pending.next]!);
    pending.next += 1;
  }
}

/**
 * Decodes one connection's frames into whole {@link HxWsRequest}s.
 *
 * Feed every frame, in arrival order, to {@link push}. A request without oob files comes back
 * from the `push` of its JSON frame; one with oob files from the `push` of its last binary frame.
 * A request is never returned in part. A broken rule throws a {@link ProtocolError} whose `code`
 * is the close code to use; the decoder is then dead and every later `push` throws that error
 * again. Call {@link close} when the socket closes (it drops a half-received request and stops
 * the timer).
 *
 * File descriptors are looked for only at the top level of the JSON: a value, or an element of
 * an array value, that is an object with a string `serialization`. Deeper objects are never
 * touched, however they look.
 */
export class HxWsDecoder {
  /** The limits in force (defaults merged with the options). */
  readonly limits: Readonly<DecoderLimits>;
  /** The clock of pending oob frames: made when a request's files are first due. */
  private clock: StallClock | undefined;
  private readonly timers: DecoderTimers;
  /** The clock is stopped on purpose ({@link suspend}). */
  private suspended = false;
  private readonly onTimeout: ((error: ProtocolError) => void) | undefined;
  private current: PendingRequest | undefined;
  private failure: ProtocolError | undefined;
  private closed = false;
  /** Bytes of the next oob frame reported through {@link touch} before the frame itself. */
  private partial = 0;
  private readonly chunks: ChunkTarget;
  private readonly memory: MemoryChunks | undefined;
  private readonly onRefuse: DecoderOptions['refuse'];
  private readonly chunksInMemory: boolean;
  /** A request was refused: its binary frames are dropped until the next text frame. */
  private skipping = false;
  /** Bytes of the chunk being streamed ({@link streamPart}) so far. */
  private streamed = 0;

  /** @param options limits, clock and timeout callback; all optional */
  constructor(options: DecoderOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.timers = options.timers ?? systemTimers;
    this.onTimeout = options.onTimeout;
    this.onRefuse = options.refuse;
    this.chunksInMemory = options.chunksInMemory ?? true;
    this.memory = options.chunks ? undefined : new MemoryChunks();
    this.chunks = options.chunks ?? this.memory!;
  }

  /** The oob clock, made at its first use. */
  private get oobClock(): StallClock {
    if (!this.clock) {
      const { oobTimeoutMs, minBytesPerSecond } = this.limits;
      this.clock = new StallClock(this.timers, oobTimeoutMs, minBytesPerSecond, (reason) => this.onStall(reason));
      if (this.suspended) this.clock.pause();
    }
    return this.clock;
  }

  /** True while a request's JSON has arrived and some of its oob frames have not. */
  get pending(): boolean {
    return this.current !== undefined;
  }

  /**
   * Whether the binary frames that come now belong to a refused request and are dropped (until
   * the next text frame). A transport can then skip their payload without reading it into memory.
   */
  get discarding(): boolean {
    return this.skipping && !this.failure && !this.closed;
  }

  /** The error that killed the decoder, if any. */
  get error(): ProtocolError | undefined {
    return this.failure;
  }

  /**
   * Feeds one frame.
   * @param data the frame's payload (`ws` gives a Buffer; Buffer[] and ArrayBuffer are accepted,
   *   and a string for a text frame)
   * @param isBinary whether it was a binary frame
   * @returns the request this frame completed, if any
   * @throws {ProtocolError} when the frame breaks the wire format or a limit
   * @throws {Error} when called after {@link close}
   */
  push(data: FrameData, isBinary: boolean): HxWsRequest | undefined {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('hx-ws decoder: push() after close()');
    if (isBinary) {
      return this.binaryFrame(typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data));
    }
    return this.textFrame(data);
  }

  /**
   * Reports upload progress: `bytes` of the next binary frame have arrived (a transport that sees
   * a big frame's payload as it comes calls this, so a slow but moving upload does not hit
   * {@link DecoderLimits.oobTimeoutMs}; the frame's own push then counts only the rest). Only
   * file bytes should be reported: pings and other traffic are not progress. Without `bytes` it
   * only resets the idle clock, and never helps against {@link DecoderLimits.minBytesPerSecond}.
   * @param bytes how many file bytes arrived (default 0)
   */
  touch(bytes = 0): void {
    if (!this.current) return;
    this.partial += bytes;
    this.clock?.progress(bytes);
  }

  /**
   * The byte count the next binary frame must have: the declared size of the next oob file, or
   * undefined when no binary frame is due (so one would be refused). Lets a transport refuse an
   * oversize frame from its header, before buffering it.
   */
  get expectedBinaryBytes(): number | undefined {
    const pending = this.current;
    if (!pending || this.failure || this.closed) return undefined;
    const file = pending.byOffset[pending.next]!;
    const left = pending.left[pending.next]!;
    return file.chunkSize === undefined ? left : Math.min(left, file.chunkSize);
  }

  /**
   * Whether the next binary message may be streamed ({@link streamPart}, then {@link streamEnd})
   * instead of pushed whole: it is a chunk of a `file/oob-chunked` file, and chunks go to the
   * {@link DecoderOptions.chunks} target (not kept in memory by the decoder).
   */
  get streamable(): boolean {
    const pending = this.current;
    if (!pending || this.failure || this.closed || this.skipping || this.memory) return false;
    return pending.byOffset[pending.next]!.chunkSize !== undefined;
  }

  /**
   * Bytes of the chunk message being streamed, in order, as they arrive (the transport checked
   * {@link streamable} when the message began, and that it is at most {@link expectedBinaryBytes}).
   * They go to the chunk target at once: no message is buffered whole. Ignored once the decoder
   * is dead or closed.
   */
  streamPart(bytes: Buffer): void {
    const pending = this.current;
    if (!pending || this.failure || this.closed) return;
    const file = pending.byOffset[pending.next]!;
    const left = pending.left[pending.next]!;
    if (bytes.length > left) {
      this.fail('size-mismatch', `file/oob-chunked offset ${pending.next} of field ${quote(file.field)}: more than the ${left} bytes left of declared size ${file.size}`, file.field);
    }
    this.chunks.write(file, bytes);
    pending.left[pending.next] = left - bytes.length;
    this.streamed += bytes.length;
    this.clock?.progress(bytes.length);
  }

  /** The chunk message being streamed is over. @returns the request it completed, if any */
  streamEnd(): HxWsRequest | undefined {
    const pending = this.current;
    const bytes = this.streamed;
    this.streamed = 0;
    this.partial = 0;
    if (!pending || this.failure || this.closed) return undefined;
    const file = pending.byOffset[pending.next]!;
    if (bytes === 0) this.fail('size-mismatch', `file/oob-chunked offset ${pending.next} of field ${quote(file.field)}: chunk of 0 bytes`, file.field);
    const fileDone = pending.left[pending.next] === 0;
    if (fileDone) advance(pending, this.memory);
    if (pending.next < pending.byOffset.length) {
      this.clock?.progress(0, fileDone);
      return undefined;
    }
    return this.complete(pending);
  }

  /** The request whose out-of-band files are arriving, if any (its files' `bytes` not all there). */
  get pendingRequest(): HxWsRequest | undefined {
    return this.current?.request;
  }

  /**
   * Stops the oob clock, e.g. while the app has paused reading from the socket. Time spent
   * suspended does not count towards the timeout.
   */
  suspend(): void {
    this.suspended = true;
    this.clock?.pause();
  }

  /** Restarts the oob clock after {@link suspend}, from zero. */
  resume(): void {
    this.suspended = false;
    this.clock?.unpause();
  }

  /** Drops any half-received request and stops the timer. Later pushes throw. Idempotent. */
  close(): void {
    this.closed = true;
    this.current = undefined;
    this.memory?.clear();
    this.clock?.stop();
  }

  private fail(kind: ProtocolErrorKind, message: string, field?: string): never {
    this.die(new ProtocolError(kind, message, field));
  }

  /** Records `error` as what killed the decoder, drops the pending request and throws it. */
  private die(error: ProtocolError): never {
    this.failure = error;
    this.current = undefined;
    this.memory?.clear();
    this.clock?.stop();
    throw error;
  }

  private binaryFrame(frame: Buffer): HxWsRequest | undefined {
    if (this.skipping) return undefined; // the rest of a refused request
    const pending = this.current;
    if (!pending) {
      this.fail('unexpected-binary', `binary frame of ${frame.length} bytes with no file/oob pending`);
    }
    const file = pending.byOffset[pending.next]!;
    const left = pending.left[pending.next]!;
    if (file.chunkSize === undefined) {
      if (frame.length !== file.size) {
        this.fail(
          'size-mismatch',
          `file/oob offset ${pending.next} of field ${quote(file.field)}: frame has ${frame.length} bytes, declared size ${file.size}`,
          file.field,
        );
      }
      file.bytes = frame;
    } else {
      if (frame.length === 0 || frame.length > Math.min(left, file.chunkSize)) {
        this.fail(
          'size-mismatch',
          `file/oob-chunked offset ${pending.next} of field ${quote(file.field)}: chunk of ${frame.length} bytes, ${left} bytes left of declared size ${file.size}, chunkSize ${file.chunkSize}`,
          file.field,
        );
      }
      this.chunks.write(file, frame);
    }
    pending.left[pending.next] = left - frame.length;
    const counted = Math.min(this.partial, frame.length);
    this.partial = 0;
    const fileDone = pending.left[pending.next] === 0;
    if (fileDone) advance(pending, this.memory);
    if (pending.next < pending.byOffset.length) {
      this.clock?.progress(frame.length - counted, fileDone);
      return undefined;
    }
    return this.complete(pending);
  }

  private complete(pending: PendingRequest): HxWsRequest {
    this.current = undefined;
    this.clock?.stop();
    return pending.request;
  }

  private textFrame(data: FrameData): HxWsRequest | undefined {
    const byteLength = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : undefined;
    const buffer = typeof data === 'string' ? undefined : toBuffer(data);
    const size = byteLength ?? buffer!.length;
    if (this.current) {
      this.fail(
        'unexpected-text',
        `text frame while ${this.current.byOffset.length - this.current.next} file/oob frame(s) are pending`,
      );
    }
    if (size > this.limits.maxTextFrameBytes) {
      this.fail('frame-too-large', `text frame of ${size} bytes exceeds maxTextFrameBytes ${this.limits.maxTextFrameBytes}`);
    }
    // A text frame begins a new request: whatever was left of a refused one is over.
    this.skipping = false;
    const source = typeof data === 'string' ? data : buffer!.toString('utf8');
    let values: Record<string, unknown>;
    try {
      values = jsonObject(source);
    } catch (error) {
      this.die(error as ProtocolError);
    }
    return this.decodeRequest(values, size, source);
  }

  private decodeRequest(values: Record<string, unknown>, frameBytes: number, source: string): HxWsRequest | undefined {
    let parsed;
    // parseRequest takes HEADERS out of `values`: kept here, for the id of a request it refuses.
    const headers = values[HEADERS_KEY];
    try {
      parsed = parseRequest(values, frameBytes, this.limits, source, this.chunksInMemory);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const id = this.onRefuse && PER_REQUEST.has(error.kind) ? requestIdIn(headers) : undefined;
      if (id === undefined) this.die(error);
      this.skipping = true;
      this.onRefuse!(error, id);
      return undefined;
    }
    if (parsed.byOffset.length === 0) return parsed.request;
    let left: number[];
    try {
      left = parsed.byOffset.map((file) => {
        if (file.serialization !== SERIALIZATION_OOB_CHUNKED) return file.size;
        const have = this.chunks.begin(file);
        return file.size - Math.max(0, Math.min(file.size, have));
      });
    } catch (error) {
      if (error instanceof ProtocolError) this.die(error);
      throw error;
    }
    const pending: PendingRequest = { ...parsed, left, next: -1 };
    this.current = pending;
    advance(pending, this.memory);
    if (pending.next >= pending.byOffset.length) return this.complete(pending);
    this.partial = 0;
    this.oobClock.start();
    return undefined;
  }

  private onStall(reason: StallReason): void {
    const pending = this.current;
    if (!pending || this.failure || this.closed) return;
    const left = pending.byOffset.length - pending.next;
    try {
      if (reason.kind === 'idle') {
        this.fail(
          'oob-timeout',
          `no progress for ${reason.idleMs} ms while ${left} file/oob frame(s) were pending (oobTimeoutMs ${this.limits.oobTimeoutMs})`,
        );
      }
      this.fail(
        'too-slow',
        `${reason.bytes} file bytes in ${reason.windowMs} ms while ${left} file/oob frame(s) were pending (minBytesPerSecond ${this.limits.minBytesPerSecond})`,
      );
    } catch (error) {
      this.onTimeout?.(error as ProtocolError);
    }
  }
}
