/**
 * The one interface between the core and the features. The core (a connection's life, receiving
 * and swapping, sending) calls these slots where a feature may take part and imports no feature;
 * a page that imports a feature's entry point (`hx-ws-elements/recovery`, `/ack`, `/chunked`,
 * `/htmx`, `/eval`, `/morph`) fills its slots with {@link addFeature}. An element whose settings
 * ask for a feature that is not loaded says so once (`needFeature` in `dispatch.ts`) and goes on
 * without it.
 *
 * Per-connection parts (acks, recovery, chunked uploads) are made when the connection first
 * opens, so a feature imported after the elements were defined still counts.
 *
 * @module
 */
import type { HxWsEvent, OutgoingRequest } from '../events.js';
import type { Refusal, UploadStatus } from '../protocol.js';

/** Timer functions a connection uses (defaults: the page's `setTimeout` / `clearTimeout`). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A send's values with every file replaced by its descriptor, and the files to send as frames. */
export interface EncodedValues {
  values: Record<string, unknown>;
  /** oob files, in offset order (empty for inline). */
  blobs: File[];
  /** The oob descriptors, in offset order (the chunked feature rewrites them). */
  descriptors: Record<string, unknown>[];
  /** For `file/oob-chunked`: the chunk size, and each file's upload id (in offset order). */
  chunked?: { chunkSize: number; uploadIds: string[] };
}

/** Ack mode's share of one connection (`hx-ws-elements/ack`). */
export interface AckTracking {
  /** Requests sent on the current socket that the server has not acknowledged yet. */
  readonly unconfirmed: readonly OutgoingRequest[];
  /** The request went out: wait for its ack, if it carries an id. */
  track(request: OutgoingRequest): void;
  /** The server acknowledged these ids. */
  confirm(ids: readonly string[]): void;
  /** The socket is gone: hands the unconfirmed requests back, unreported (but those in `kept`). */
  detach(kept: ReadonlySet<OutgoingRequest>): OutgoingRequest[];
  /** The socket is gone: reports every unconfirmed request (but those in `kept`). @returns them */
  interrupt(closedBy: string | undefined, kept: ReadonlySet<OutgoingRequest>): Set<OutgoingRequest>;
}

/** Recovery's share of one connection: the page's recovery session (`hx-ws-elements/recovery`). */
export interface SessionPart {
  /** The position of the last message applied. */
  readonly position: string | undefined;
  /** Requests kept over a drop, to send again if the session is recovered. */
  resend: OutgoingRequest[];
  /** The socket URL, with the flag that asks the server for recovery. */
  url(url: string): string;
  /** A new socket, in recovery mode or not. */
  use(socket: WebSocket, on: boolean): void;
  /** The socket opened: send the offer. @returns whether an answer is awaited */
  offer(socket: WebSocket, resumeFrom: string | null | undefined): boolean;
  /** The offer was not answered within `ms`. @returns whether it was still waiting */
  unanswered(socket: WebSocket, ms: number): boolean;
  /** Takes the recovery controls off a message. @returns the rest, or `null` when nothing is left to do */
  take(socket: WebSocket, data: string, answered: (recovered: boolean | undefined) => void): string | null;
  /** Whether the unconfirmed requests of `socket` are kept over its drop. */
  keeps(socket: WebSocket): boolean;
  /** The socket is open and answered: the kept requests to send now (none when not `recovered`). */
  again(recovered: boolean | undefined): OutgoingRequest[];
  /** Reports the kept requests that will not be sent again. */
  giveUp(why: string): void;
}

/** What a connection's chunked uploads need from it. */
export interface ChunkedHost {
  /** Sends a continuation's JSON frame (not counted as the request's progress). */
  ask(socket: WebSocket, json: string): void;
  /** Hands the rest of a continued request's chunks to `socket`; its first `base` bytes count as sent. */
  transmit(socket: WebSocket, request: OutgoingRequest, frames: Blob[], base: number): void;
  /** Every continuation has gone out: the queue may flow again. */
  resumed(socket: WebSocket): void;
}

/** Chunked uploads' share of one connection (`hx-ws-elements/chunked`). */
export interface ChunkedPart {
  /** Whether continuations are going on: new requests wait behind them. */
  readonly busy: boolean;
  track(request: OutgoingRequest): void;
  status(socket: WebSocket, uploads: readonly UploadStatus[]): void;
  /** The socket is gone. @returns the chunked requests kept to continue (not reported) */
  drop(): Set<OutgoingRequest>;
  giveUp(why: string): void;
  /** A new socket opened. @returns whether continuations started (the queue then waits) */
  begin(socket: WebSocket): boolean;
}

/** What a swap style of a feature gets besides its target and content: the message's swap run. */
export interface StyleRun {
  /** Class put on new elements until settle (`''`: none). */
  readonly addedClass: string;
  /** New elements put into the page, in order: a style pushes each one it inserts. */
  readonly added: Element[];
}

/**
 * A swap style of a feature: puts `content` (the fragment, `hx-swap-oob` removed) into `target`.
 * @returns `false` when the swap could not happen
 */
export type SwapStyleFn = (target: Element, content: Element, run: StyleRun) => boolean;

/** The slots. Each is filled by one feature module; all are empty in the core. */
export interface Features {
  /** Ack mode: one tracker per connection, and the `HX-Request-Id` of request number `n`. */
  acks?: { part(): AckTracking; id(n: number): string };
  /** Recovery: one page session per connection (`host` is where its events fire). */
  recovery?: (host: Element) => SessionPart;
  /** Chunked uploads. */
  chunked?: {
    /** Turns the oob descriptors of a send into chunked ones (sets `encoded.chunked`). */
    encode(encoded: EncodedValues, chunkSize: number): void;
    /** The request's file frames: slices of at most `chunkSize`; remembers them for a resume. */
    frames(request: OutgoingRequest, files: readonly Blob[], chunkSize: number, uploadIds: readonly string[]): Blob[];
    part(host: ChunkedHost, timers: Timers): ChunkedPart;
  };
  /** Ack, refusal and upload controls at the start of a message: taken off, with what they said; `null` when none. */
  controls?: (data: string) => { ids: string[]; uploads: UploadStatus[]; refusals?: Refusal[]; rest: string } | null;
  /** htmx: dispatches the htmx twin of `event`. @returns `false` when it was cancelled */
  twin?: (target: EventTarget, event: HxWsEvent) => boolean;
  /** htmx: new content is in the page (`htmx.process`). */
  swapped?: (source: Element, added: readonly Element[]) => void;
  /** htmx: `htmx.config`'s value for a setting that ours leaves unset. */
  fallback?: (key: 'wsReconnectDelay' | 'allowScriptTags' | 'allowEval') => unknown;
  /** `js:` evaluation: the value of a JavaScript expression. */
  evaluate?: (expression: string) => unknown;
  /** Extra `hx-swap-oob` styles (morph), by lower-case style name (`morph:innerhtml`, `outermorph`). */
  styles?: Record<string, SwapStyleFn>;
  /**
   * Attribute mode: the swap adds here the elements it put in from a message with no `hx-ws` in
   * it, so that the shim's observer does not look inside them (it takes each mark once).
   */
  plain?: WeakSet<Node>;
}

/** The slots filled so far. */
export const features: Features = {};

/** Fills slots (a feature's entry point calls it once). */
export function addFeature(slots: Partial<Features>): void {
  Object.assign(features, slots);
}

