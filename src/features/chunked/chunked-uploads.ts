/**
 * Chunked uploads (`chunk-size`, `hx-ws-elements/chunked`): the chunked descriptors and frames
 * of a send, and across drops: which chunked requests the server has not
 * confirmed yet (`<hx-ws-upload state="done">`), and after a reconnect, one after the other, the
 * continuation of each: the same JSON with `resume: true` in every chunked descriptor, the
 * server's answer (how many bytes of each file it has), then the rest of the files' chunks.
 *
 * @module
 */
import { type OutgoingRequest } from '../../events.js';
import { reportProblem } from '../../core/dispatch.js';
import { HEADERS_KEY, SERIALIZATION_OOB_CHUNKED, type UploadStatus } from '../../protocol.js';
import type { Timers } from '../../connection/retry.js';
import type { ChunkedHost, ChunkedPart, Features } from '../../core/features.js';
import type { EncodedValues } from '../../send/files.js';
import { readControls } from '../acks/ack-tracker.js';

/** What a chunked request needs to be continued. */
interface ChunkPlan {
  files: readonly Blob[];
  chunkSize: number;
  uploadIds: readonly string[];
}

const plans = new WeakMap<OutgoingRequest, ChunkPlan>();

/** How long a continuation waits for the server's answer before it is given up. */
export const ANSWER_TIMEOUT_MS = 15_000;

/** A fresh upload id: 128 random bits in base64url (22 characters). */
export function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The binary frames of `file` from byte `from` on: slices of at most `chunkSize` bytes (a slice
 * is a reference into the file; nothing is read until the socket sends it).
 */
export function fileChunks(file: Blob, chunkSize: number, from = 0): Blob[] {
  const out: Blob[] = [];
  for (let at = from; at < file.size; at += chunkSize) out.push(file.slice(at, Math.min(file.size, at + chunkSize)));
  return out;
}

/**
 * Turns the `file/oob` descriptors of a send into `file/oob-chunked` ones, each with the chunk
 * size and a random upload id.
 */
export function encodeChunked(encoded: EncodedValues, chunkSize: number): void {
  const uploadIds = encoded.descriptors.map((d) => {
    const uploadId = newUploadId();
    Object.assign(d, { serialization: SERIALIZATION_OOB_CHUNKED, chunkSize, uploadId });
    return uploadId;
  });
  encoded.chunked = { chunkSize, uploadIds };
}

/** The file frames of chunked `request`, remembered so that a drop can be resumed. */
export function chunkFrames(request: OutgoingRequest, files: readonly Blob[], chunkSize: number, uploadIds: readonly string[]): Blob[] {
  plans.set(request, { files, chunkSize, uploadIds });
  return files.flatMap((b) => fileChunks(b, chunkSize));
}

/** The JSON of a continuation: the request's, each chunked descriptor with `resume: true`. */
export function continuationJson(request: OutgoingRequest): string {
  const mark = (v: unknown): unknown =>
    typeof v === 'object' && v !== null && (v as { serialization?: unknown }).serialization === SERIALIZATION_OOB_CHUNKED ? { ...v, resume: true } : v;
  const values: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(request.values)) values[key] = Array.isArray(v) ? v.map(mark) : mark(v);
  return JSON.stringify({ ...values, [HEADERS_KEY]: request.headers });
}

interface Asking {
  request: OutgoingRequest;
  socket: WebSocket;
  answers: Map<string, UploadStatus>;
  timer: unknown;
}

/** The chunked requests of one connection. */
export class ChunkedUploads implements ChunkedPart {
  /** Chunked requests sent on the current socket, with the upload ids not confirmed yet. */
  #open = new Map<OutgoingRequest, Set<string>>();
  /** Cut off by a drop, in request order, to continue on the next socket. */
  #cut: OutgoingRequest[] = [];
  #asking: Asking | null = null;

  readonly #host: ChunkedHost;
  readonly #timers: Timers;

  constructor(
    host: ChunkedHost,
    timers: Timers,
  ) {
    this.#host = host;
    this.#timers = timers;
  }

  /** Whether continuations are going on: new requests must wait behind them. */
  get busy(): boolean {
    return this.#asking !== null;
  }

  /** `request` went out whole on the current socket: wait for the server to confirm its files. */
  track(request: OutgoingRequest): void {
    const plan = plans.get(request);
    if (plan) this.#open.set(request, new Set(plan.uploadIds));
  }

  /** Upload statuses the server sent on `socket`. */
  status(socket: WebSocket, uploads: readonly UploadStatus[]): void {
    const asking = this.#asking?.socket === socket ? this.#asking : null;
    for (const u of uploads) {
      if (asking && plans.get(asking.request)!.uploadIds.includes(u.id) && !asking.answers.has(u.id)) {
        asking.answers.set(u.id, u);
        continue;
      }
      if (u.state !== 'done') continue;
      for (const [request, ids] of this.#open) if (ids.delete(u.id) && ids.size === 0) this.#open.delete(request);
    }
    if (asking && asking.answers.size === plans.get(asking.request)!.uploadIds.length) this.#answered(asking);
  }

  /**
   * The socket is gone: the chunked requests it had not finished are kept, to continue on the
   * next socket.
   * @returns them (they are not reported as interrupted)
   */
  drop(): Set<OutgoingRequest> {
    if (this.#asking) this.#timers.clearTimeout(this.#asking.timer);
    this.#asking = null;
    const kept = new Set([...this.#cut, ...this.#open.keys()]);
    this.#cut = [...kept].sort((a, b) => a.id - b.id);
    this.#open = new Map();
    return kept;
  }

  /** No socket is coming back: every kept request is reported (`send-interrupted`) and dropped. */
  giveUp(why: string): void {
    const lost = this.#cut;
    this.#cut = [];
    for (const request of lost) {
      reportProblem(request.source, 'send-interrupted', `${why}; chunked request ${request.id} was cut off and is not resumed`, { request });
    }
  }

  /**
   * A new socket opened: continues the kept requests one by one.
   * @returns whether there are any (the connection's queue then waits for {@link ChunkedHost.resumed})
   */
  begin(socket: WebSocket): boolean {
    if (this.#cut.length === 0) return false;
    this.#next(socket);
    return true;
  }

  #next(socket: WebSocket): void {
    const request = this.#cut.shift();
    if (!request) {
      this.#asking = null;
      this.#host.resumed(socket);
      return;
    }
    const json = continuationJson(request);
    const asking: Asking = { request, socket, answers: new Map(), timer: undefined };
    this.#asking = asking;
    asking.timer = this.#timers.setTimeout(() => {
      if (this.#asking !== asking) return;
      reportProblem(request.source, 'send-interrupted', `the server did not answer the continuation of chunked request ${request.id} within ${ANSWER_TIMEOUT_MS} ms; it is not resumed`, {
        request,
      });
      this.#next(socket);
    }, ANSWER_TIMEOUT_MS);
    this.#host.ask(socket, json);
    this.#open.set(request, new Set(plans.get(request)!.uploadIds));
  }

  /** The server said how much of each file it has: send the rest, then the next continuation. */
  #answered(asking: Asking): void {
    this.#timers.clearTimeout(asking.timer);
    const { request, socket } = asking;
    const plan = plans.get(request)!;
    const from = plan.uploadIds.map((id, i) => {
      const a = asking.answers.get(id)!;
      return a.state === 'lost' ? 0 : Math.min(plan.files[i]!.size, a.received);
    });
    const lost = plan.uploadIds.filter((id) => asking.answers.get(id)!.state === 'lost');
    if (lost.length) {
      reportProblem(
        request.source,
        'upload-restarted',
        `the server no longer had ${lost.length} file(s) of chunked request ${request.id}; they are sent again from the start`,
        { request },
      );
    }
    const frames = plan.files.flatMap((file, i) => fileChunks(file, plan.chunkSize, from[i]));
    const rest = plan.files.reduce((n, file, i) => n + file.size - from[i]!, 0);
    if (plan.uploadIds.every((id) => asking.answers.get(id)!.state === 'done')) this.#open.delete(request);
    this.#host.transmit(socket, request, frames, request.bytes - rest);
    this.#next(socket);
  }
}

/** The chunked uploads' slots. */
export const chunkedFeature: Partial<Features> = {
  chunked: { encode: encodeChunked, frames: chunkFrames, part: (host, timers) => new ChunkedUploads(host, timers) },
  controls: readControls,
};
