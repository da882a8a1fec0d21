/// <reference types="node" />
/**
 * A transport-free decoder for the hx-ws wire format: feed it a socket's frames in order, get
 * back whole requests. It knows nothing about `ws` or sockets, so it can be tested (and reused
 * with another WebSocket library) on its own.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, type ProtocolErrorKind } from './errors.js';
import { resolveLimits, systemTimers, type DecoderLimits, type DecoderTimers } from './limits.js';
import { isPlainObject, parseRequest, quote, type HxWsFile, type HxWsRequest } from './request.js';

export type { FileSerialization } from '../protocol.js';
export { DEFAULT_LIMITS, resolveLimits, type DecoderLimits, type DecoderTimers } from './limits.js';
export type { HxWsFile, HxWsRequest } from './request.js';

/** Options of {@link HxWsDecoder}. */
export interface DecoderOptions {
  /** Limits to override; the rest come from {@link DEFAULT_LIMITS}. */
  limits?: Partial<DecoderLimits>;
  /** Clock for the oob timeout. Default: the global timers and `Date.now`. */
  timers?: DecoderTimers;
  /**
   * Called when pending oob frames time out (the only error that does not come out of
   * {@link HxWsDecoder.push}). The decoder is dead by then.
   */
  onTimeout?: (error: ProtocolError) => void;
}

/** Frame data as `ws` and other libraries hand it over. */
export type FrameData = Buffer | ArrayBuffer | Buffer[] | string;

interface PendingRequest {
  request: HxWsRequest;
  /** oob files indexed by offset. */
  byOffset: HxWsFile[];
  next: number;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return data.length === 1 ? data[0]! : Buffer.concat(data);
  return Buffer.from(data);
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
  private readonly timers: DecoderTimers;
  private readonly onTimeout: ((error: ProtocolError) => void) | undefined;
  private current: PendingRequest | undefined;
  private failure: ProtocolError | undefined;
  private closed = false;
  private suspended = false;
  private timer: unknown;
  private lastProgress = 0;

  /** @param options limits, clock and timeout callback; all optional */
  constructor(options: DecoderOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.timers = options.timers ?? systemTimers;
    this.onTimeout = options.onTimeout;
  }

  /** True while a request's JSON has arrived and some of its oob frames have not. */
  get pending(): boolean {
    return this.current !== undefined;
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
   * Reports progress on the connection (e.g. raw bytes arriving inside a large binary frame), so
   * a slow but moving upload does not hit {@link DecoderLimits.oobTimeoutMs}. Cheap: it only
   * records the time.
   */
  touch(): void {
    if (this.current) this.lastProgress = this.timers.now();
  }

  /**
   * Stops the oob clock, e.g. while the app has paused reading from the socket. Time spent
   * suspended does not count towards the timeout.
   */
  suspend(): void {
    this.suspended = true;
    this.stopTimer();
  }

  /** Restarts the oob clock after {@link suspend}, from zero. */
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (this.current && !this.failure && !this.closed) this.startTimer();
  }

  /** Drops any half-received request and stops the timer. Later pushes throw. Idempotent. */
  close(): void {
    this.closed = true;
    this.current = undefined;
    this.stopTimer();
  }

  private fail(kind: ProtocolErrorKind, message: string, field?: string): never {
    this.die(new ProtocolError(kind, message, field));
  }

  /** Records `error` as what killed the decoder, drops the pending request and throws it. */
  private die(error: ProtocolError): never {
    this.failure = error;
    this.current = undefined;
    this.stopTimer();
    throw error;
  }

  private binaryFrame(frame: Buffer): HxWsRequest | undefined {
    const pending = this.current;
    if (!pending) {
      this.fail('unexpected-binary', `binary frame of ${frame.length} bytes with no file/oob pending`);
    }
    const file = pending.byOffset[pending.next]!;
    if (frame.length !== file.size) {
      this.fail(
        'size-mismatch',
        `file/oob offset ${pending.next} of field ${quote(file.field)}: frame has ${frame.length} bytes, declared size ${file.size}`,
        file.field,
      );
    }
    file.bytes = frame;
    pending.next += 1;
    if (pending.next < pending.byOffset.length) {
      this.lastProgress = this.timers.now();
      return undefined;
    }
    this.current = undefined;
    this.stopTimer();
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : buffer!.toString('utf8'));
    } catch (error) {
      // SyntaxError normally; a RangeError would be caught the same way if a runtime ever ran
      // out of stack on absurd nesting.
      this.fail('invalid-json', `text frame is not valid JSON (${(error as Error).message.slice(0, 80)})`);
    }
    if (!isPlainObject(parsed)) {
      this.fail('not-an-object', `JSON frame is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}, not an object`);
    }
    return this.decodeRequest(parsed, size);
  }

  private decodeRequest(values: Record<string, unknown>, frameBytes: number): HxWsRequest | undefined {
    let parsed;
    try {
      parsed = parseRequest(values, frameBytes, this.limits);
    } catch (error) {
      if (error instanceof ProtocolError) this.die(error);
      throw error;
    }
    if (parsed.byOffset.length === 0) return parsed.request;
    this.current = { ...parsed, next: 0 };
    this.startTimer();
    return undefined;
  }

  private startTimer(): void {
    this.stopTimer();
    this.lastProgress = this.timers.now();
    if (!this.suspended) this.schedule(this.limits.oobTimeoutMs);
  }

  private schedule(ms: number): void {
    this.timer = this.timers.setTimeout(() => this.onTimer(), ms);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private onTimer(): void {
    this.timer = undefined;
    const pending = this.current;
    if (!pending || this.failure || this.closed || this.suspended) return;
    const idle = this.timers.now() - this.lastProgress;
    if (idle < this.limits.oobTimeoutMs) {
      this.schedule(this.limits.oobTimeoutMs - idle);
      return;
    }
    try {
      this.fail(
        'oob-timeout',
        `no progress for ${idle} ms while ${pending.byOffset.length - pending.next} file/oob frame(s) were pending (oobTimeoutMs ${this.limits.oobTimeoutMs})`,
      );
    } catch (error) {
      this.onTimeout?.(error as ProtocolError);
    }
  }
}
