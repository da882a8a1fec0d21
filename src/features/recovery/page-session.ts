/**
 * Recovery mode (`recover`, `hx-ws-elements/recovery`) on the page side: the session the server gave this connection, the
 * position of the last message applied, the offer each socket opens with, the server's answer,
 * positions already applied (skipped), and the requests kept over a drop to be sent again.
 *
 * @module
 */
import { HxWsErrorEvent, type OutgoingRequest } from '../../events.js';
import { emit } from '../../core/dispatch.js';
import { comparePositions, formatOffer, mayHaveRecoveryControls, RECOVER_QUERY, takeRecoveryControls } from '../../protocol.js';
import type { Features, SessionPart } from '../../core/features.js';
import { reportUnconfirmed } from '../acks/ack-tracker.js';
import { logError } from '../../core/dispatch.js';

/** The page's recovery session on one connection. */
export class PageSession implements SessionPart {
  /** The socket that offered recovery (it waits for the session answer before `open`). */
  #socket: WebSocket | null = null;
  /** Whether the current socket has sent its offer and waits for the answer. */
  #awaiting = false;
  /** The session the server gave this connection. */
  #session: string | undefined;
  /** The position of the last message applied (swapped or skipped by the app). */
  position: string | undefined;
  /** Requests sent but not acknowledged when the last socket dropped, to send again. */
  resend: OutgoingRequest[] = [];

  readonly #host: Element;

  constructor(host: Element) {
    this.#host = host;
  }

  /** `url` with the query flag that asks the server for recovery. */
  url(url: string): string {
    const withFlag = new URL(url);
    withFlag.searchParams.set(RECOVER_QUERY, '1');
    return withFlag.href;
  }

  /** A new socket: it offers recovery when `on`. */
  use(socket: WebSocket, on: boolean): void {
    this.#socket = on ? socket : null;
    this.#awaiting = false;
  }

  /**
   * `socket` opened: in recovery mode its offer goes first (`resumeFrom` for a page that has no
   * session yet). @returns whether an answer is awaited
   */
  offer(socket: WebSocket, resumeFrom: string | null | undefined): boolean {
    if (socket !== this.#socket) return false;
    this.#awaiting = true;
    const position = this.position ?? (this.#session ? undefined : (resumeFrom ?? undefined));
    socket.send(formatOffer({ session: this.#session, position }));
    return true;
  }

  /**
   * The server did not answer the offer within `ms`: the socket goes on without recovery.
   * @returns whether the offer was still waiting
   */
  unanswered(socket: WebSocket, ms: number): boolean {
    if (!this.#awaiting) return false;
    this.#awaiting = false;
    this.#refuse(socket, `did not answer the recovery offer within ${ms} ms`);
    this.#session = this.position = undefined;
    return true;
  }

  #refuse(socket: WebSocket, what: string): void {
    const message = `the server at ${socket.url} ${what}; this connection goes on without recovery`;
    logError(message, this.#host);
    emit(this.#host, new HxWsErrorEvent('no-recovery', message, { part: socket.url }));
  }

  /**
   * Takes the recovery controls off a text message of `socket`: the session answer (then
   * `answered` runs with whether the session was carried on) or the position of a message.
   * @returns the rest of the message, or `null` when nothing more is to be done with it (an
   *   answer, or a message whose position was applied already)
   */
  take(socket: WebSocket, data: string, answered: (recovered: boolean | undefined) => void): string | null {
    if (socket !== this.#socket || !mayHaveRecoveryControls(data)) return data;
    const { session, position, rest } = takeRecoveryControls(data);
    if (session) {
      if (!this.#awaiting) return null;
      this.#awaiting = false;
      if (!session.id) this.#refuse(socket, 'has recovery off');
      this.#session = session.id;
      this.position = session.position;
      answered(session.recovered);
      return null;
    }
    if (position !== undefined) {
      // Already applied (a replay that overlaps live messages): skipped, no events.
      const order = this.position === undefined ? null : comparePositions(position, this.position);
      if (order !== null && order <= 0) return null;
      this.position = position;
    }
    return rest;
  }

  /** Whether the unconfirmed requests of `socket` are kept over its drop (to send again). */
  keeps(socket: WebSocket): boolean {
    return socket === this.#socket && !!this.#session;
  }

  /**
   * The socket is open (and answered): the requests kept for a resend, to send now when the
   * session was `recovered`; otherwise they are reported and none is returned.
   */
  again(recovered: boolean | undefined): OutgoingRequest[] {
    if (recovered) return this.#drain();
    this.giveUp('the server could not recover the session');
    return [];
  }

  /** Reports the requests kept for a resend that will not happen (`send-unconfirmed`). */
  giveUp(why: string): void {
    reportUnconfirmed(this.#drain(), why);
  }

  #drain(): OutgoingRequest[] {
    const kept = this.resend;
    this.resend = [];
    return kept;
  }
}

/** Recovery's slot (the entry point also loads ack mode, which recovery builds on). */
export const recoveryFeature: Partial<Features> = {
  recovery: (host) => new PageSession(host),
};
