/**
 * Upload progress of one socket: where each sent request starts in the socket's outgoing byte
 * stream, `hx-ws-upload-progress` while its bytes leave (polling `bufferedAmount`), and the
 * requests cut off when the socket closes.
 *
 * @module
 */
import { HxWsUploadProgressEvent, type OutgoingRequest } from '../events.js';
import { emit, reportProblem } from '../core/dispatch.js';
import type { Timers } from './retry.js';

const PROGRESS_INTERVAL = 50;

interface InFlight {
  request: OutgoingRequest;
  /** Offset of the request's first byte (on this socket) in the socket's outgoing stream. */
  start: number;
  /** Bytes of the request sent on this socket. */
  wire: number;
  /** Bytes of the request that count as sent before this socket (a resumed upload). */
  base: number;
  loaded: number;
}

/** Bytes in flight on one socket at a time. */
export class UploadProgress {
  #inFlight: InFlight[] = [];
  #sent = 0;
  #timer: unknown;
  #socket: WebSocket | null = null;
  /** The last request handed to the current (or last) socket. */
  last: OutgoingRequest | undefined;

  readonly #timers: Timers;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** A new socket: its stream starts at byte 0. */
  reset(socket: WebSocket): void {
    this.#socket = socket;
    this.#sent = 0;
    this.last = undefined;
  }

  /**
   * `request` was handed to the socket (whole, or for a resumed upload its last `wire` bytes
   * after `base` sent before): follow its bytes until they have left.
   */
  track(request: OutgoingRequest, wire = request.bytes, base = 0): void {
    this.last = request;
    this.#inFlight.push({ request, start: this.#sent, wire, base, loaded: -1 });
    this.#sent += wire;
  }

  /** Bytes that belong to no request's progress went out (a continuation's JSON). */
  skip(bytes: number): void {
    this.#sent += bytes;
  }

  /** Fires progress for requests whose bytes are still leaving; polls until all have left. */
  report(): void {
    this.#stopPolling();
    const socket = this.#socket;
    if (!socket) return;
    const flushed = this.#sent - socket.bufferedAmount;
    const still: InFlight[] = [];
    for (const f of this.#inFlight) {
      const out = Math.min(f.wire, Math.max(0, flushed - f.start));
      const loaded = f.base + out;
      if (loaded !== f.loaded) {
        f.loaded = loaded;
        emit(f.request.source, new HxWsUploadProgressEvent(f.request, loaded, f.request.bytes));
      }
      if (out < f.wire) still.push(f);
    }
    this.#inFlight = still;
    if (still.length) this.#timer = this.#timers.setTimeout(() => this.report(), PROGRESS_INTERVAL);
  }

  #stopPolling(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The socket is gone: requests whose bytes had not all left, but those `reported` says are
   * dealt with (kept, reported elsewhere, or acknowledged), are reported (`send-interrupted`) with
   * their data. None is resent.
   * @param closedBy the server's close in words, when the server closed it
   * @returns how many requests were reported
   */
  interrupt(socket: WebSocket, reported: (request: OutgoingRequest) => boolean, closedBy?: string): number {
    this.#stopPolling();
    this.#socket = null;
    const flushed = this.#sent - socket.bufferedAmount;
    const why = closedBy ? `: the server closed it with ${closedBy}` : '';
    let count = 0;
    for (const { request, start, wire, base } of this.#inFlight) {
      if (reported(request) || flushed - start >= wire) continue;
      count += 1;
      reportProblem(
        request.source,
        'send-interrupted',
        `the socket closed before request ${request.id} had left the browser (${base + Math.max(0, flushed - start)} of ${request.bytes} bytes)${why}`,
        { request },
      );
    }
    this.#inFlight = [];
    return count;
  }
}
