/**
 * A connection's requests from the socket on: handing one to the socket (`before-send`, every
 * frame in one task, `after-send`, progress), the queue flowing out once the socket is open
 * (after the chunked uploads a drop cut off, and in recovery mode the requests kept for a
 * resend), and what a close cuts short. It holds the connection's feature parts (acks, the
 * recovery session, chunked uploads), made by {@link Delivery.attach} from the features loaded.
 *
 * @module
 */
import { emit, logError, reportProblem } from '../core/dispatch.js';
import { features, type AckTracking, type ChunkedPart, type SessionPart } from '../core/features.js';
import { HxWsAfterSendEvent, HxWsBeforeSendEvent, type OutgoingRequest } from '../events.js';
import { frameBytes, REQUEST_ID_HEADER, SERIALIZATION_OOB_CHUNKED, type Refusal, type UploadStatus } from '../protocol.js';
import type { Outbox } from './outbox.js';
import type { Timers } from './retry.js';
import { UploadProgress } from './upload-progress.js';

/** The feature parts of one connection; a part is absent when its feature is not loaded. */
export interface Parts {
  acks?: AckTracking;
  session?: SessionPart;
  chunks?: ChunkedPart;
}

/** `the socket closed`, with the server's close in words when the server closed it. */
export function socketClosed(closedBy?: string): string {
  return `the socket closed${closedBy ? ` (the server closed it with ${closedBy})` : ''}`;
}

const NONE: ReadonlySet<OutgoingRequest> = new Set();

/**
 * The chunked files of `request`, each as if the server had all of it (`done`): what makes the
 * chunked uploads forget a refused request, so that nothing more of it is sent or resumed.
 */
function allDone(request: OutgoingRequest): UploadStatus[] {
  const statuses: UploadStatus[] = [];
  for (const value of Object.values(request.values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      const d = item as { serialization?: unknown; uploadId?: unknown; size?: unknown } | null;
      if (d && typeof d === 'object' && d.serialization === SERIALIZATION_OOB_CHUNKED && typeof d.uploadId === 'string') {
        statuses.push({ id: d.uploadId, received: Number(d.size) || 0, state: 'done' });
      }
    }
  }
  return statuses;
}

/** The sending side of one connection. */
export class Delivery {
  readonly parts: Parts = {};
  /**
   * Requests the server acknowledged: all of their bytes arrived, whatever the browser's
   * `bufferedAmount` still says (WebKit updates it late), so a close does not report them.
   */
  readonly #arrived = new WeakSet<OutgoingRequest>();
  readonly #progress: UploadProgress;
  readonly #outbox: Outbox;
  readonly #current: () => WebSocket | null;
  readonly #timers: Timers;

  constructor(
    outbox: Outbox,
    /** The connection's current socket, if any. */
    current: () => WebSocket | null,
    timers: Timers,
  ) {
    this.#outbox = outbox;
    this.#current = current;
    this.#timers = timers;
    this.#progress = new UploadProgress(timers);
  }

  /** Makes the parts of the features loaded by now (once each). @returns the parts */
  attach(host: Element): Parts {
    const p = this.parts;
    p.acks ??= features.acks?.part();
    p.session ??= features.recovery?.(host);
    if (!p.chunks && features.chunked) {
      const progress = this.#progress;
      p.chunks = features.chunked.part(
        {
          ask: (socket, json) => {
            socket.send(json);
            progress.skip(frameBytes(json));
          },
          transmit: (socket, request, frames, base) => {
            for (const frame of frames) socket.send(frame);
            p.acks?.track(request);
            progress.track(request, frames.reduce((n, f) => n + f.size, 0), base);
            progress.report();
          },
          resumed: (socket) => this.#flush(socket),
        },
        this.#timers,
      );
    }
    return p;
  }

  /** Whether chunked uploads are being continued: new requests queue behind them. */
  get busy(): boolean {
    return !!this.parts.chunks?.busy;
  }

  /** The last request handed to the current (or last) socket. */
  get last(): OutgoingRequest | undefined {
    return this.#progress.last;
  }

  /** Requests not acknowledged yet, those kept for a resend (recovery mode) first. */
  get unconfirmed(): readonly OutgoingRequest[] {
    return [...(this.parts.session?.resend ?? []), ...(this.parts.acks?.unconfirmed ?? [])];
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
    const { session, chunks } = this.parts;
    if (session) for (const request of session.again(recovered)) this.transmit(socket, request);
    if (!chunks?.begin(socket)) this.#flush(socket);
  }

  /**
   * Takes the ack and upload controls off a text message of `socket` (when a feature reads them).
   * @returns the rest, or `null` when nothing is left
   */
  confirm(socket: WebSocket, data: string): string | null {
    const taken = features.controls?.(data);
    if (!taken) return data;
    const acks = this.parts.acks;
    if (acks && taken.ids.length) {
      for (const r of acks.unconfirmed) if (taken.ids.includes(r.headers[REQUEST_ID_HEADER]!)) this.#arrived.add(r);
    }
    acks?.confirm(taken.ids);
    this.parts.chunks?.status(socket, taken.uploads);
    for (const refusal of taken.refusals ?? []) this.#refused(socket, refusal);
    return taken.rest.trim() === '' ? null : taken.rest;
  }

  /**
   * No socket is coming back: the chunked uploads kept over a drop are reported, and with
   * `sessionWhy` the requests the recovery session kept for a resend.
   */
  giveUp(why: string, sessionWhy?: string): void {
    this.parts.chunks?.giveUp(why);
    if (sessionWhy) this.parts.session?.giveUp(sessionWhy);
  }

  /**
   * The server refused one request and kept the socket: it is settled (no ack will come, it is
   * not sent again), what is left of its chunked files is not sent, and `request-refused` says
   * why. A refusal of no request this page is waiting for is said on the console.
   */
  #refused(socket: WebSocket, { id, reason }: Refusal): void {
    const request = this.parts.acks?.unconfirmed.find((r) => r.headers[REQUEST_ID_HEADER] === id);
    if (!request) {
      logError(`the server refused request ${id ? `${REQUEST_ID_HEADER} ${id}` : 'without an id'}, which this page is not waiting for: ${reason}`, socket.url);
      return;
    }
    this.parts.acks!.confirm([id]);
    const done = allDone(request);
    if (done.length) this.parts.chunks?.status(socket, done);
    reportProblem(request.source, 'request-refused', `the server refused request ${request.id}: ${reason}`, { request, part: reason });
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
    this.parts.acks?.track(request);
    this.parts.chunks?.track(request);
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
    const { acks, session, chunks } = this.parts;
    if (!keep) session?.giveUp(socketClosed(closedBy));
    const kept = chunks?.drop() ?? NONE;
    const again = keep && !!session?.keeps(socket);
    const cut = !acks ? [] : again ? acks.detach(kept) : [...acks.interrupt(closedBy, kept)];
    // Recovery: kept to be sent again if the session is recovered, reported if not.
    if (again) session!.resend.push(...cut);
    const settled = new Set([...cut, ...kept]);
    return kept.size + cut.length + this.#progress.interrupt(socket, (r) => settled.has(r) || this.#arrived.has(r), closedBy);
  }
}
