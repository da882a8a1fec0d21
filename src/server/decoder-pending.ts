/**
 * The decoder's request whose out-of-band files are arriving: what is still to come of each
 * file, and the step past a file that is done.
 *
 * @module
 */
import type { MemoryChunks } from './decoder-input.js';
import type { HxWsFile, HxWsRequest } from './request-types.js';

/** A request between its JSON frame and its last binary frame. */
export interface PendingRequest {
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
export function advance(pending: PendingRequest, memory: MemoryChunks | undefined): void {
  if (pending.byOffset[pending.next]?.chunkSize !== undefined) memory?.finish(pending.byOffset[pending.next]!);
  pending.next += 1;
  while (pending.next < pending.byOffset.length && pending.left[pending.next] === 0 && pending.byOffset[pending.next]!.chunkSize !== undefined) {
    memory?.finish(pending.byOffset[pending.next]!);
    pending.next += 1;
  }
}
