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

import { HEADERS_KEY, isSerialization, SERIALIZATION_INLINE_TEXT, SERIALIZATION_OOB, type FileSerialization } from '../protocol.js';

export type { FileSerialization } from '../protocol.js';

/**
 * A decoded file. It replaces the client's descriptor in {@link HxWsRequest.values} and is listed
 * in {@link HxWsRequest.files}. The inline `body` is not kept: {@link bytes} holds the content.
 */
export interface HxWsFile {
  /** Name of the form field the file came in. */
  field: string;
  /** How the client sent it. */
  serialization: FileSerialization;
  /** File name as the browser reports it (untrusted: never use it as a path as is). */
  name: string;
  /** MIME type as the browser reports it (untrusted; may be `""`). */
  type: string;
  /**
   * Size the client declared. For `file/oob` it is checked to equal `bytes.length`; for inline
   * files it is not (a text file read as UTF-8 text may change length), so trust `bytes.length`.
   */
  size: number;
  /** Last-modified time in ms since the epoch, as the browser reports it. */
  lastModified: number;
  /** For `file/oob`: the 0-based index of the binary frame that carried the bytes. */
  offset?: number;
  /** The file's content. For `file/oob` it is the binary frame's own Buffer (not copied). */
  bytes: Buffer;
}

/** One whole client request. */
export interface HxWsRequest {
  /**
   * The JSON object the client sent, without `HEADERS`. Form values are strings or arrays of
   * strings; `hx-vals` may add any JSON value. Each top-level file descriptor (a value, or an
   * element of an array value) is replaced by its {@link HxWsFile}.
   */
  values: Record<string, unknown>;
  /**
   * The `HEADERS` object (`HX-Request`, `HX-Trigger`, `HX-Trigger-Name`, `HX-Target`,
   * `HX-Current-URL`, custom ones), names as sent. Numbers and booleans are turned into strings,
   * `null` entries dropped; `{}` when the client sent none.
   */
  headers: Record<string, string>;
  /** Every file of the request, in the order its field appears in the JSON. */
  files: HxWsFile[];
}

/** Size, count and time limits. Breaking one is a {@link ProtocolError}. */
export interface DecoderLimits {
  /** Largest text (JSON) frame in bytes, inline files included. Default 1 MiB. Code 1009. */
  maxTextFrameBytes: number;
  /** Largest single file in bytes (declared size for oob, decoded size for inline). Default 100 MiB. Code 1009. */
  maxFileBytes: number;
  /** Most files in one request, all serializations counted. Default 100. Code 1008. */
  maxFiles: number;
  /** Largest request in bytes: the JSON frame plus every declared oob size. Default 200 MiB. Code 1009. */
  maxRequestBytes: number;
  /**
   * While oob frames are pending: how long (ms) the connection may go without progress (a binary
   * frame, or {@link HxWsDecoder.touch}) before the request fails. Default 30 000. Code 1008.
   */
  oobTimeoutMs: number;
}

/** The default {@link DecoderLimits}. */
export const DEFAULT_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxTextFrameBytes: 1024 * 1024,
  maxFileBytes: 100 * 1024 * 1024,
  maxFiles: 100,
  maxRequestBytes: 200 * 1024 * 1024,
  oobTimeoutMs: 30_000,
});

/** The clock the decoder uses for the oob timeout; inject a fake one in tests. */
export interface DecoderTimers {
  /** Schedules `fn` after `ms` milliseconds; returns a handle for {@link clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle from {@link setTimeout}. */
  clearTimeout(handle: unknown): void;
  /** The current time in milliseconds. */
  now(): number;
}

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

const systemTimers: DecoderTimers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending upload must not keep a process alive that is otherwise done.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

interface PendingRequest {
  request: HxWsRequest;
  /** oob files indexed by offset. */
  byOffset: HxWsFile[];
  next: number;
}

interface FoundDescriptor {
  field: string;
  raw: Record<string, unknown>;
  /** Where to put the decoded file: the values object or an array value. */
  holder: Record<string, unknown> | unknown[];
  slot: string | number;
}

const EMPTY = Buffer.alloc(0);
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A top-level value is a file descriptor when it is an object whose `serialization` is a string. */
function isDescriptor(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && typeof value.serialization === 'string';
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return data.length === 1 ? data[0]! : Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Merges limit overrides with {@link DEFAULT_LIMITS}.
 * @param overrides limits to change
 * @returns the full, frozen set of limits
 * @throws {RangeError} when a limit is not a positive integer
 */
export function resolveLimits(overrides: Partial<DecoderLimits> = {}): Readonly<DecoderLimits> {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isSafeInteger(value)) {
      throw new RangeError(`hx-ws decoder: limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return Object.freeze(limits);
}

function quote(field: string): string {
  return JSON.stringify(field.length > 60 ? `${field.slice(0, 57)}...` : field);
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
    const error = new ProtocolError(kind, message, field);
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

  private decodeHeaders(values: Record<string, unknown>): Record<string, string> {
    if (!Object.prototype.hasOwnProperty.call(values, HEADERS_KEY)) return {};
    const headers = values[HEADERS_KEY];
    delete values[HEADERS_KEY];
    if (!isPlainObject(headers)) this.fail('bad-headers', 'HEADERS is not an object');
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (typeof value === 'string') continue;
      if (value === null) {
        delete headers[name];
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        headers[name] = String(value);
      } else {
        this.fail('bad-headers', `header ${quote(name)} is ${Array.isArray(value) ? 'an array' : typeof value}, not a string`);
      }
    }
    return headers as Record<string, string>;
  }

  private findDescriptors(values: Record<string, unknown>): FoundDescriptor[] {
    const found: FoundDescriptor[] = [];
    const add = (field: string, raw: Record<string, unknown>, holder: FoundDescriptor['holder'], slot: string | number) => {
      if (found.length >= this.limits.maxFiles) {
        this.fail('too-many-files', `more than maxFiles ${this.limits.maxFiles} files in one request`, field);
      }
      found.push({ field, raw, holder, slot });
    };
    for (const field of Object.keys(values)) {
      const value = values[field];
      if (isDescriptor(value)) {
        add(field, value, values, field);
      } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (isDescriptor(item)) add(field, item, value, i);
        }
      }
    }
    return found;
  }

  /** Checks a descriptor's metadata and turns it into a file without bytes yet. */
  private describe({ field, raw }: FoundDescriptor): HxWsFile {
    const { serialization, name, type, size, lastModified } = raw;
    if (!isSerialization(serialization)) {
      this.fail('unknown-serialization', `field ${quote(field)}: unknown serialization ${quote(String(serialization))}`, field);
    }
    if (typeof name !== 'string') this.fail('bad-descriptor', `field ${quote(field)}: file name is not a string`, field);
    if (typeof type !== 'string') this.fail('bad-descriptor', `field ${quote(field)}: file type is not a string`, field);
    if (typeof lastModified !== 'number' || !Number.isFinite(lastModified)) {
      this.fail('bad-descriptor', `field ${quote(field)}: lastModified is not a finite number`, field);
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      this.fail('bad-descriptor', `field ${quote(field)}: size ${JSON.stringify(size) ?? 'undefined'} is not a non-negative integer`, field);
    }
    const file: HxWsFile = { field, serialization, name, type, size, lastModified, bytes: EMPTY };
    if (serialization === SERIALIZATION_OOB) {
      if (size > this.limits.maxFileBytes) {
        this.fail('file-too-large', `field ${quote(field)}: declared size ${size} exceeds maxFileBytes ${this.limits.maxFileBytes}`, field);
      }
      const offset = raw.offset;
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        this.fail('bad-offset', `field ${quote(field)}: offset ${JSON.stringify(offset) ?? 'undefined'} is not a non-negative integer`, field);
      }
      file.offset = offset;
    } else if (typeof raw.body !== 'string') {
      this.fail('bad-descriptor', `field ${quote(field)}: ${serialization} without a string body`, field);
    }
    return file;
  }

  private inlineBytes(file: HxWsFile, body: string): Buffer {
    if (file.serialization === SERIALIZATION_INLINE_TEXT) return Buffer.from(body, 'utf8');
    const padded = body.endsWith('=');
    if (!BASE64_CHARS.test(body) || (padded ? body.length % 4 !== 0 : body.length % 4 === 1)) {
      this.fail('bad-base64', `field ${quote(file.field)}: body is not valid base64`, file.field);
    }
    return Buffer.from(body, 'base64');
  }

  private decodeRequest(values: Record<string, unknown>, frameBytes: number): HxWsRequest | undefined {
    const headers = this.decodeHeaders(values);
    const found = this.findDescriptors(values);
    const files = found.map((descriptor) => this.describe(descriptor));

    const oob = files.filter((file) => file.serialization === SERIALIZATION_OOB);
    const byOffset: HxWsFile[] = new Array<HxWsFile>(oob.length);
    let total = frameBytes;
    for (const file of oob) {
      const offset = file.offset!;
      if (offset >= oob.length) {
        this.fail('bad-offset', `field ${quote(file.field)}: offset ${offset} out of range, request has ${oob.length} file/oob file(s)`, file.field);
      }
      if (byOffset[offset]) {
        this.fail('bad-offset', `field ${quote(file.field)}: offset ${offset} used twice`, file.field);
      }
      byOffset[offset] = file;
      total += file.size;
    }
    if (total > this.limits.maxRequestBytes) {
      this.fail('request-too-large', `request of ${total} bytes (JSON and declared files) exceeds maxRequestBytes ${this.limits.maxRequestBytes}`);
    }

    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const { raw, holder, slot } = found[i]!;
      if (file.serialization !== SERIALIZATION_OOB) {
        file.bytes = this.inlineBytes(file, raw.body as string);
        if (file.bytes.length > this.limits.maxFileBytes) {
          this.fail('file-too-large', `field ${quote(file.field)}: ${file.bytes.length} bytes exceeds maxFileBytes ${this.limits.maxFileBytes}`, file.field);
        }
      }
      // `slot` is an own key of `holder` (it came from Object.keys or an index), so this
      // assignment never reaches a prototype setter, even for a field named "__proto__".
      (holder as Record<string | number, unknown>)[slot] = file;
    }

    const request: HxWsRequest = { values, headers, files };
    if (oob.length === 0) return request;
    this.current = { request, byOffset, next: 0 };
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
