/**
 * Acknowledgement mode (`hx-ws-elements/ack`): requests sent with an `HX-Request-Id` that the
 * server has not acked yet, the page-unique ids they carry, and the ack and upload controls taken
 * off the start of a message.
 *
 * @module
 */
import { type OutgoingRequest } from '../../events.js';
import { reportProblem } from '../../core/dispatch.js';
import { socketClosed } from '../../connection/delivery.js';
import type { AckTracking, Features } from '../../core/features.js';
import { mayHaveControls, REQUEST_ID_HEADER, takeControls } from '../../protocol.js';

/** Random per page load, so ids of two tabs (or two loads of one tab) never meet on a server. */
const PAGE_PREFIX = Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('');

/** The `HX-Request-Id` of request `id`: unique within the page and across page loads. */
export function pageRequestId(id: number): string {
  return `${PAGE_PREFIX}-${id}`;
}

/**
 * Reports requests that went out but will not be sent again (`send-unconfirmed`): they may or
 * may not have reached the server. `why` says what ended the wait.
 */
export function reportUnconfirmed(requests: Iterable<OutgoingRequest>, why: string): void {
  for (const request of requests) {
    const id = request.headers[REQUEST_ID_HEADER];
    reportProblem(
      request.source,
      'send-unconfirmed',
      `${why} before the server acknowledged request ${request.id}${id ? ` (${REQUEST_ID_HEADER} ${id})` : ''}; it may or may not have reached the server, and was not sent again`,
      { request },
    );
  }
}

/** The requests of one connection that wait for the server's `<hx-ws-ack>`. */
export class AckTracker implements AckTracking {
  /** By `HX-Request-Id`. */
  #waiting = new Map<string, OutgoingRequest>();

  /** Requests sent on the current socket that the server has not acknowledged yet. */
  get unconfirmed(): readonly OutgoingRequest[] {
    return [...this.#waiting.values()];
  }

  /** Starts waiting for the ack of `request`, if it carries an id. */
  track(request: OutgoingRequest): void {
    const id = request.headers[REQUEST_ID_HEADER];
    if (id) this.#waiting.set(id, request);
  }

  /** Confirms the requests of acknowledged ids (taken off a message by `takeControls`). */
  confirm(ids: readonly string[]): void {
    for (const id of ids) this.#waiting.delete(id);
  }

  /**
   * Recovery: the socket is gone; the unconfirmed requests are handed back, unreported, to be
   * sent again. Requests in `kept` (chunked uploads, which are continued instead) are left out.
   */
  detach(kept: ReadonlySet<OutgoingRequest> = new Set()): OutgoingRequest[] {
    const again = [...this.#waiting.values()].filter((request) => !kept.has(request));
    this.#waiting = new Map();
    return again;
  }

  /**
   * The socket is gone: every unconfirmed request is reported (`send-unconfirmed`) and
   * forgotten. None is resent: it may have arrived. Requests in `kept` (chunked uploads to be
   * continued, which are confirmed later) are not reported.
   * @param closedBy the server's close in words, when the server closed it
   * @param kept requests not to report
   * @returns the requests reported
   */
  interrupt(closedBy?: string, kept: ReadonlySet<OutgoingRequest> = new Set()): Set<OutgoingRequest> {
    const lost = new Set(this.detach(kept));
    reportUnconfirmed(lost, socketClosed(closedBy));
    return lost;
  }
}

/** Ack and upload controls at the start of `data`, taken off; `null` when it starts with none. */
export function readControls(data: string): ReturnType<typeof takeControls> | null {
  return mayHaveControls(data) ? takeControls(data) : null;
}

/** Ack mode's slots. */
export const ackFeature: Partial<Features> = {
  acks: { part: () => new AckTracker(), id: pageRequestId },
  controls: readControls,
};
