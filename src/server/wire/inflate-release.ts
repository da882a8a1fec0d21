/**
 * The decompressor of what a page sends, released between messages. `ws` keeps a socket's zlib
 * inflate stream (its window of up to 32 KiB and its state) once the page has sent one
 * compressed message, in case more follow: measured at about 65 KiB per connection
 * (docs/performance.md, "Compression"), and browsers compress what they send. Without client
 * context takeover (the default) nothing carries over from one message to the next, so the
 * stream is closed once a message is whole; `ws` makes a new one for the next.
 *
 * This uses `ws` internals, pinned by test/node/compression.test.ts: the socket's
 * `_extensions['permessage-deflate']`, its `params`, its `decompress(data, fin, callback)`
 * (called by the receiver for one frame at a time, the next frame waiting for the callback) and
 * its `_inflate` stream (made again when null). When they are not there, nothing is done.
 *
 * @module
 */
import type { WebSocket } from 'ws';

/** The part of `ws`'s PerMessageDeflate used here. */
interface Deflate {
  params?: Record<string, unknown> | null;
  decompress?: (data: unknown, fin: boolean, callback: (error: unknown, result?: unknown) => void) => void;
  _inflate?: { close(): void } | null;
}

/**
 * Closes `socket`'s inflate stream after each whole message, when it negotiated
 * permessage-deflate without client context takeover.
 * @returns whether it was installed
 */
export function releaseInflaterBetweenMessages(socket: WebSocket): boolean {
  const deflate = (socket as unknown as { _extensions?: Record<string, Deflate | undefined> })._extensions?.['permessage-deflate'];
  const decompress = deflate?.decompress;
  if (!deflate || typeof decompress !== 'function' || !('_inflate' in deflate) || deflate.params?.client_no_context_takeover !== true) return false;
  deflate.decompress = (data, fin, callback) =>
    decompress.call(deflate, data, fin, (error, result) => {
      if (fin && deflate._inflate) {
        deflate._inflate.close();
        deflate._inflate = null;
      }
      callback(error, result);
    });
  return true;
}
