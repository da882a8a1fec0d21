/**
 * A connection's requests from the socket on: handing one to the socket (`before-send`, every
 * frame in one task, `after-send`, progress), the queue flowing out once the socket is open
 * (after the chunked uploads a drop cut off, and in recovery mode the requests kept for a
 * resend), and what a close cuts short. Acks, progress and resumes are the pieces it drives.
 *
 * @module
 */
import { emit, HxWsAfterSendEvent, HxWsBeforeSendEvent, type OutgoingRequest } from '../events.js';
import { frameBytes, type UploadStatus } from '../protocol.js';
import { Acks, socketClosed } from '../features/acks/ack-tracker.js';
import type { Outbox } from './outbox.js';
import { UploadProgress } from './upload-progress.js';
import type { Recovery } from '../features/recovery/page-session.js';
import { Resumes } from '../features/chunked/chunked-uploads.js';
import type { Timers } from './retry.js';

/** The sending side of one connection. */
export class Delivery {
  readonly #acks = new Acks();
  readonly #progress: UploadProgress;
  readonly #resumes: Resumes;

  readonly #outbox: Outbox;
  readonly #recovery: Recovery;
  readonly #current: () => WebSocket | null;

  constructor(
    outbox: Outbox,
    recovery: Recovery,
    /** The connection's current socket, if any. */
    current: () => WebSocket | null,
    timers: Timers,
  ) {
    this.#outbox = outbox;
    this.#recovery = recovery;
    this.#current = current;
    const progress = (this.#progress = new UploadProgress(timers));
    this.#resumes = new Resumes(
      {
        ask: (socket, json) => {
          socket.send(json);
          progress.skip(frameBytes(json));
        },
        transmit: (socket, request, frames, base) => {
          for (const frame of frames) socket.send(frame);
          this.#acks.track(request);
          progress.track(request, frames.reduce((n, f) => n + f.size, 0), base);
          progress.report();
        },
        resumed: (socket) => this.#flush(socket),
      },
      timers,
    );
  }

  /** Whether chunked uploads are being continued: new requests queue behind them. */
  get busy(): boolean {
    return this.#resumes.busy;
  }

  /** The last request handed to the current (or last) socket. */
  get last(): OutgoingRequest | undefined {
    return this.#progress.last;
  }

  /** Requests not acknowledged yet, those kept for a resend (recovery mode) first. */
  get unconfirmed(): readonly OutgoingRequest[] {
    return [...this.#recovery.resend, ...this.#acks.unconfirmed];
  }

  /** A new socket: its byte stream starts at 0. */
  reset(socket: WebSocket): void {
    this.#progress.reset(socket);
  }

  /**
   * `socket` is open (in recovery mode: and answered): the requests kept for a resend go when
   * the session was `recovered`, then the chunked uploads a drop cut off, one by one, then the
   * queue.
   */
  opened(socket: WebSocket, recovered: boolean | undefined): void {
    for (const request of this.#recovery.again(recovered)) this.transmit(socket, request);
    if (!this.#resumes.begin(socket)) this.#flush(socket);
  }

  /** Acks and upload statuses the server sent on `socket`. */
  confirm(socket: WebSocket, ids: readonly string[], uploads: readonly UploadStatus[]): void {
    this.#acks.confirm(ids);
    this.#resumes.status(socket, uploads);
  }

  /** No socket is coming back for the chunked uploads kept over a drop: they are reported. */
  giveUp(why: string): void {
    this.#resumes.giveUp(why);
  }

  /** Sends every queued request, in order. */
  #flush(socket: WebSocket): void {
    if (socket !== this.#current()) return;
    for (const request of this.#outbox.take()) {
      if (socket.readyState === WebSocket.OPEN) this.transmit(socket, request);
      else this.#outbox.hold(request, Infinity);
    }
  }

  /** `before-send` (cancelable), every frame, `after-send`, then progress. */
  transmit(socket: WebSocket, request: OutgoingRequest): void {
    if (!emit(request.source, new HxWsBeforeSendEvent(request))) return;
    // All frames in one task: WebSocket.send keeps order, so no other request can interleave.
    for (const frame of request.frames) socket.send(frame);
    this.#acks.track(request);
    this.#resumes.track(request);
    this.#progress.track(request);
    emit(request.source, new HxWsAfterSendEvent(request));
    this.#progress.report();
  }

  /**
   * Reports the requests the socket's close cut short; chunked uploads are kept to be continued
   * instead, and in recovery mode (`keep`) the other unconfirmed requests are kept to be sent
   * again if the session is recovered.
   * @param closedBy the server's close in words, when the server closed it
   * @returns how many requests were cut (kept ones included)
   */
  interrupt(socket: WebSocket, closedBy?: string, keep = true): number {
    if (!keep) this.#recovery.giveUp(socketClosed(closedBy));
    const kept = this.#resumes.drop();
    const again = keep && this.#recovery.keeps(socket);
    const cut = again ? this.#acks.detach(kept) : [...this.#acks.interrupt(closedBy, kept)];
    // Recovery: kept to be sent again if the session is recovered, reported if not.
    if (again) this.#recovery.resend.push(...cut);
    return kept.size + cut.length + this.#progress.interrupt(socket, new Set([...cut, ...kept]), closedBy);
  }
}
