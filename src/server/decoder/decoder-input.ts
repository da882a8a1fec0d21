/// <reference types="node" />
/**
 * What the decoder (`HxWsDecoder`) is given: its options, the {@link ChunkTarget} that
 * receives chunked uploads (and the in-memory default), the frame data it accepts, and how a
 * text frame's JSON is read.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtocolError } from '../errors.js';
import type { DecoderLimits, DecoderTimers } from './decoder-limits.js';
import { isPlainObject } from './parse-request.js';
import type { HxWsFile } from './request.js';

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
  /**
   * Where the chunks of `file/oob-chunked` files go. Default: they are kept in memory and
   * joined into the file's `bytes` when its last chunk arrives (no resume).
   */
  chunks?: ChunkTarget;
  /**
   * A request that breaks a per-request limit (a file over `maxFileBytes` or `maxChunkBytes`,
   * more files than `maxFiles`, over `maxRequestBytes`) and carries an `HX-Request-Id`: instead
   * of dying, the decoder calls this with the error and the id, drops every binary frame until
   * the next text frame (the rest of that request), and goes on. Without it, or for a request
   * without an id, such a request kills the decoder as any other error does.
   */
  refuse?: (error: ProtocolError, requestId: string) => void;
  /**
   * Whether the chunks given to {@link chunks} end up in memory (no file sink), so that a
   * chunked file is bound by `maxMemoryFileBytes` too. Default true.
   */
  chunksInMemory?: boolean;
}

/** Receives the chunks of `file/oob-chunked` files (see {@link DecoderOptions.chunks}). */
export interface ChunkTarget {
  /**
   * A chunked file's descriptor was read (its request's JSON frame, before any of its chunks).
   * @returns how many of its bytes the server has already (0 for a new upload; for a resumed
   *   one, what arrived before the drop, at most its size): the client sends the rest
   */
  begin(file: HxWsFile): number;
  /**
   * The next `bytes` of `file` arrived, in order: a whole chunk, or with a transport that streams
   * ({@link HxWsDecoder.streamPart}) a piece of one. The Buffer is the transport's own (a view of
   * what it read), not a copy.
   */
  write(file: HxWsFile, bytes: Buffer): void;
}

/** The default {@link ChunkTarget}: chunks in memory, joined into `bytes` at the last one. */
export class MemoryChunks implements ChunkTarget {
  private readonly parts = new Map<HxWsFile, Buffer[]>();
  begin(file: HxWsFile): number {
    this.parts.set(file, []);
    return 0;
  }
  write(file: HxWsFile, bytes: Buffer): void {
    this.parts.get(file)!.push(bytes);
  }
  finish(file: HxWsFile): void {
    const parts = this.parts.get(file);
    this.parts.delete(file);
    if (parts) file.bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
  clear(): void {
    this.parts.clear();
  }
}

/** Frame data as `ws` and other libraries hand it over. */
export type FrameData = Buffer | ArrayBuffer | Buffer[] | string;

/** One Buffer of a binary payload as `ws` and other libraries hand it over. */
export function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return data.length === 1 ? data[0]! : Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * The JSON object of a text frame.
 * @throws {ProtocolError} `invalid-json` or `not-an-object`
 */
export function jsonObject(source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    // SyntaxError normally; a RangeError would be caught the same way if a runtime ever ran
    // out of stack on absurd nesting.
    throw new ProtocolError('invalid-json', `text frame is not valid JSON (${(error as Error).message.slice(0, 80)})`);
  }
  if (!isPlainObject(parsed)) {
    throw new ProtocolError('not-an-object', `JSON frame is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}, not an object`);
  }
  return parsed;
}
