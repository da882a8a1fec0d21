/**
 * What a page sends compressed, bounded while it is decompressed, and the decompressor released
 * between messages.
 *
 * Bounded: `ws` checks inflated bytes against its one `maxPayload`, which is as large as the
 * largest file (100 MiB by default). Without compression, the frame guard refuses a text message
 * over `maxTextFrameBytes`, or a binary one longer than the file it must carry, from its header;
 * a compressed frame's header gives only its compressed length, and a few kilobytes can inflate
 * to `maxPayload`. So before each frame is decompressed, `ws`'s limit for that frame is set to
 * what the message may still bring: the text limit, or the bytes of the file due, minus what the
 * message has inflated so far. Over it, `ws` itself fails the message and closes with 1009.
 *
 * Released: `ws` keeps a socket's zlib inflate stream (its window of up to 32 KiB and its state)
 * once the page has sent one compressed message: measured at about 65 KiB per connection
 * (docs/performance.md, "Compression"), and browsers compress what they send. Without client
 * context takeover (the default) nothing carries over from one message to the next, so the
 * stream is closed once a message is whole; `ws` makes a new one for the next.
 *
 * This uses `ws` internals, pinned by test/node/compression.test.ts: the socket's
 * `_extensions['permessage-deflate']` with its `params`, its `decompress(data, fin, callback)`
 * (called by the receiver for one frame at a time, the next frame waiting for the callback), its
 * `_maxPayload` (the inflated bytes one call may give) and its `_inflate` stream (made again when
 * null); the socket's `_receiver` with `_opcode` (the message's opcode, also during its
 * continuation frames) and `_messageLength` (bytes inflated so far). When they are not there,
 * nothing is done, and `ws`'s `maxPayload` is the only bound.
 *
 * @module
 */
import type { WebSocket } from 'ws';

/** The part of `ws`'s PerMessageDeflate used here. */
interface Deflate {
  params?: Record<string, unknown> | null;
  decompress?: (data: unknown, fin: boolean, callback: (error: unknown, result?: unknown) => void) => void;
  _maxPayload?: number;
  _inflate?: { close(): void } | null;
}

/** The part of `ws`'s Receiver used here. */
interface Receiver {
  _opcode?: unknown;
  _messageLength?: unknown;
}

/**
 * Bounds what `socket`'s compressed messages may inflate to and, without client context
 * takeover, closes its inflate stream after each whole message.
 * @param limit the most bytes a whole message may have: for a text message, or a binary one
 * @returns whether it was installed (the socket negotiated deflate and `ws` is as expected)
 */
export function guardInflate(socket: WebSocket, limit: (text: boolean) => number): boolean {
  const deflate = (socket as unknown as { _extensions?: Record<string, Deflate | undefined> })._extensions?.['permessage-deflate'];
  const receiver = (socket as unknown as { _receiver?: Receiver })._receiver;
  const decompress = deflate?.decompress;
  if (!deflate || !receiver || typeof decompress !== 'function' || !('_inflate' in deflate) || typeof deflate._maxPayload !== 'number') return false;
  const release = deflate.params?.client_no_context_takeover === true;
  deflate.decompress = (data, fin, callback) => {
    const opcode = receiver._opcode;
    const sofar = receiver._messageLength;
    if ((opcode === 1 || opcode === 2) && typeof sofar === 'number') {
      // ws treats a limit under 1 as none.
      deflate._maxPayload = Math.max(1, limit(opcode === 1) - sofar);
    }
    decompress.call(deflate, data, fin, (error, result) => {
      if (release && fin && deflate._inflate) {
        deflate._inflate.close();
        deflate._inflate = null;
      }
      callback(error, result);
    });
  };
  return true;
}
