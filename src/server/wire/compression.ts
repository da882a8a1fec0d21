/**
 * The `compression` option of {@link attachHxWs}: permessage-deflate (RFC 7692) with defaults
 * that keep the server's memory bounded, checked once when the server is made, and turned into
 * `ws`'s `perMessageDeflate` option.
 *
 * @module
 */
import * as wsModule from 'ws';

/** The knobs of permessage-deflate; every one is optional (see {@link DEFAULT_COMPRESSION}). */
export interface CompressionOptions {
  /**
   * Messages shorter than this many UTF-8 bytes are sent uncompressed: a short fragment barely
   * shrinks and costs a zlib pass. Only used for sockets without context takeover (the
   * default); `ws` compresses every message of a socket with context takeover. Default 128.
   */
  threshold?: number;
  /** zlib compression level, 1 (fastest) to 9 (smallest). Default 1. */
  level?: number;
  /**
   * zlib memory level, 1 to 9: the size of the compressor's hash table, 2^(memLevel + 9) bytes.
   * Matters for sockets with context takeover, where each keeps its own compressor. Default 8.
   */
  memLevel?: number;
  /**
   * Most zlib operations `ws` runs at once (compressing for sockets with context takeover,
   * decompressing what pages send). `ws` keeps one limit per process, set by the first server
   * that turns compression on. Default 10.
   */
  concurrencyLimit?: number;
  /**
   * Whether the server starts each message with an empty compression context. `true` lets one
   * compressed frame serve every socket (a broadcast is compressed once) and keeps no
   * compressor per socket; `false` compresses repetitive streams better, at about 260 KiB of
   * zlib state per socket that was sent a message and one compression per socket and message
   * (a page that asks for no context takeover still gets none). Default true.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Whether pages must start each message they send with an empty context. Requests are short
   * JSON; the server's decompressor is reset after each message either way. Default true.
   */
  clientNoContextTakeover?: boolean;
}

/** The defaults of {@link CompressionOptions} (docs/performance.md, "Compression", says why). */
export const DEFAULT_COMPRESSION: Readonly<Required<CompressionOptions>> = Object.freeze({
  threshold: 128,
  level: 1,
  memLevel: 8,
  concurrencyLimit: 10,
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
});

/** The allowed integer range of each number option. */
const RANGES: Record<'threshold' | 'level' | 'memLevel' | 'concurrencyLimit', readonly [number, number]> = {
  threshold: [0, Number.MAX_SAFE_INTEGER],
  level: [1, 9],
  memLevel: [1, 9],
  concurrencyLimit: [1, 1024],
};

/**
 * The compression in force: undefined when off (`undefined`, `false`), the defaults for
 * `true`, else the defaults overridden by the object.
 * @throws {TypeError} naming the option, for a value of the wrong kind or an unknown key
 * @throws {RangeError} naming the option, for a number out of its range
 */
export function resolveCompression(option: boolean | CompressionOptions | undefined): Readonly<Required<CompressionOptions>> | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return DEFAULT_COMPRESSION;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError(`attachHxWs: compression must be true, false or an object of options, got ${describe(option)}`);
  }
  const resolved: Required<CompressionOptions> = { ...DEFAULT_COMPRESSION };
  for (const [key, value] of Object.entries(option)) {
    if (value === undefined) continue;
    if (key === 'serverNoContextTakeover' || key === 'clientNoContextTakeover') {
      if (typeof value !== 'boolean') throw new TypeError(`attachHxWs: compression.${key} must be a boolean, got ${describe(value)}`);
      resolved[key] = value;
    } else if (key in RANGES) {
      const [min, max] = RANGES[key as keyof typeof RANGES];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
        throw new RangeError(`attachHxWs: compression.${key} must be an integer from ${min} to ${max}, got ${describe(value)}`);
      }
      resolved[key as keyof typeof RANGES] = value;
    } else {
      throw new TypeError(`attachHxWs: compression.${key} is not an option (expected one of ${Object.keys(DEFAULT_COMPRESSION).join(', ')})`);
    }
  }
  return Object.freeze(resolved);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** `ws`'s `perMessageDeflate` server option for a resolved compression. */
export function perMessageDeflate(compression: Readonly<Required<CompressionOptions>>): Record<string, unknown> {
  return {
    threshold: compression.threshold,
    concurrencyLimit: compression.concurrencyLimit,
    // false: context takeover unless the page asks for none (ws refuses such a page's offer
    // when given false).
    serverNoContextTakeover: compression.serverNoContextTakeover || undefined,
    clientNoContextTakeover: compression.clientNoContextTakeover,
    zlibDeflateOptions: { level: compression.level, memLevel: compression.memLevel },
  };
}

/**
 * Makes `ws` use `limit` for its zlib limiter. `ws` keeps one limiter per process, sized by the
 * first permessage-deflate instance ever made (a client's included), and makes a server's first
 * one only at its first upgrade; made now, the limit is this server's unless something in the
 * process made one before.
 */
export function claimZlibLimit(limit: number): void {
  const PerMessageDeflate = (wsModule as unknown as { PerMessageDeflate?: new (options: object) => unknown }).PerMessageDeflate;
  if (typeof PerMessageDeflate === 'function') void new PerMessageDeflate({ concurrencyLimit: limit, isServer: true });
}
