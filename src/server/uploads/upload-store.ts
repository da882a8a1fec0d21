/// <reference types="node" />
/**
 * Chunked uploads on the server ({@link UploadStore}): each `file/oob-chunked` file on its way
 * into its sink (file-sink.ts), backpressure from a slow sink, and the uploads a drop cut off,
 * kept by upload id for `resumeWindowMs` so that the page can send the rest.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ProtocolError } from '../errors.js';
import type { HxWsContext } from '../context.js';
import type { HxWsFile } from '../decoder/request.js';
import type { UploadStatus } from '../../protocol.js';
import { memorySink, type FileSink } from './file-sink.js';

/** One chunked file on its way in. */
export class Upload {
  /** Bytes handed to the sink so far. */
  received = 0;
  /** The connection that feeds it, or null while it waits for a resume. */
  owner: object | null;
  private writable: Writable | undefined;
  private failure: Error | undefined;
  /** Chunks written before the sink's promise resolved. */
  private early: Buffer[] = [];
  private readonly ready: Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;

  readonly id: string;
  readonly size: number;
  readonly name: string;
  /** Where the store keeps it: its id, within its user's (`authenticate`) uploads. */
  readonly key: string;

  /**
   * @param first the file as its first request decoded it (the sink sets its `path` or `bytes`)
   * @param owner the connection feeding it
   * @param sink its sink
   * @param key the store's key of it (its user's key and its id)
   */
  constructor(
    private readonly first: HxWsFile,
    owner: object,
    sink: Writable | Promise<Writable>,
    key: string,
  ) {
    this.key = key;
    this.id = first.uploadId!;
    this.size = first.size;
    this.name = first.name;
    this.owner = owner;
    this.ready =
      sink instanceof Promise
        ? sink.then(
            (w) => this.attach(w),
            (error: unknown) => void (this.failure = error instanceof Error ? error : new Error(String(error))),
          )
        : Promise.resolve(this.attach(sink));
  }

  private attach(writable: Writable): void {
    this.writable = writable;
    writable.on('error', (error) => (this.failure ??= error));
    for (const chunk of this.early) writable.write(chunk);
    this.early = [];
  }

  /**
   * Writes the next chunk.
   * @returns a promise that settles once the sink wants more, when it is full (or not there
   *   yet); undefined when it can take more now
   */
  write(chunk: Buffer): Promise<void> | undefined {
    this.received += chunk.length;
    if (this.failure) return undefined;
    if (!this.writable) {
      this.early.push(chunk);
      return this.ready;
    }
    if (this.writable.write(chunk)) return undefined;
    const writable = this.writable;
    return new Promise((resolve) => {
      const done = (): void => {
        writable.off('drain', done);
        writable.off('close', done);
        resolve();
      };
      writable.on('drain', done);
      writable.on('close', done);
    });
  }

  /**
   * Ends the sink and waits for it to finish; then `file` (the same upload in the request that
   * completed it) gets the `path` or `bytes` the sink gave the first one.
   */
  async finish(file: HxWsFile): Promise<void> {
    await this.ready;
    if (this.failure) throw this.failure;
    const writable = this.writable!;
    writable.end();
    await finished(writable);
    if (file !== this.first) {
      file.bytes = this.first.bytes;
      if (this.first.path !== undefined) file.path = this.first.path;
    }
  }

  /** Destroys the sink with `error` (it removes what it wrote). */
  discard(error: Error): void {
    clearTimeout(this.timer);
    this.failure ??= error;
    void this.ready.then(() => this.writable?.destroy(error));
  }
}

/** What {@link UploadStore.open} found for a descriptor. */
export type Opened = { upload: Upload; status?: UploadStatus } | { delivered: UploadStatus };

/** The store's key of upload `id` of the user whose key is `user`: another user's id is another upload. */
function keyOf(user: string | undefined, id: string): string {
  return user === undefined ? id : `${user}\u0000${id}`;
}

/** The chunked uploads of one server, by user and upload id. */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();
  /** Upload ids whose request reached the handler, kept for the resume window. */
  private readonly delivered = new Map<string, { size: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly sink: FileSink | undefined,
    private readonly windowMs: number,
  ) {}

  /**
   * A chunked file's descriptor arrived on `owner`'s socket. A new upload gets a sink; a resumed
   * one (`resume: true`) is taken over if the store still has it, with the status to tell the
   * client; else it starts again (status `lost`), or, if it was delivered already, nothing is
   * to be done (status `done`). Uploads are kept per user (`user`, the key of the connection's
   * `authenticate` identity): another user's upload of the same id is never found.
   * @throws {ProtocolError} when a new upload's id is already in use
   */
  open(file: HxWsFile, owner: object, ctx: HxWsContext, user?: string): Opened {
    const id = file.uploadId!;
    const key = keyOf(user, id);
    const known = this.uploads.get(key);
    const delivered = this.delivered.get(key);
    if (file.resume) {
      if (delivered && delivered.size === file.size) return { delivered: { id, received: file.size, state: 'done' } };
      if (known && known.size === file.size && known.name === file.name) {
        clearTimeout(known.timer);
        known.owner = owner;
        return { upload: known, status: { id, received: known.received, state: 'partial' } };
      }
    } else if (known || delivered) {
      throw new ProtocolError('bad-descriptor', `field ${JSON.stringify(file.field)}: uploadId is already in use`, file.field);
    }
    known?.discard(new Error('hx-ws: upload restarted'));
    const upload = new Upload(file, owner, this.sinkFor(file, ctx), key);
    this.uploads.set(key, upload);
    return { upload, ...(file.resume ? { status: { id, received: 0, state: 'lost' as const } } : {}) };
  }

  private sinkFor(file: HxWsFile, ctx: HxWsContext): Writable | Promise<Writable> {
    if (!this.sink) return memorySink(file);
    try {
      return this.sink(file, ctx);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Every byte of `upload` arrived and its request is complete: it can no longer be resumed. */
  markDelivered(upload: Upload): void {
    this.uploads.delete(upload.key);
    if (this.windowMs <= 0) return;
    const timer = setTimeout(() => this.delivered.delete(upload.key), this.windowMs);
    timer.unref();
    this.delivered.set(upload.key, { size: upload.size, timer });
  }

  /** `upload`'s socket dropped: keep it for the resume window, then discard it. */
  park(upload: Upload): void {
    if (this.windowMs <= 0) return this.discard(upload, new Error('hx-ws: upload cut off by a drop'));
    upload.owner = null;
    upload.timer = setTimeout(() => this.discard(upload, new Error('hx-ws: upload not resumed in time')), this.windowMs);
    upload.timer.unref();
  }

  /** Drops `upload` and destroys its sink. */
  discard(upload: Upload, error: Error): void {
    if (this.uploads.get(upload.key) === upload) this.uploads.delete(upload.key);
    upload.discard(error);
  }

  /** Uploads kept for a resume (tests and monitoring). */
  get size(): number {
    return this.uploads.size;
  }

  /** Discards everything (the server closes). */
  close(): void {
    for (const upload of [...this.uploads.values()]) this.discard(upload, new Error('hx-ws: server closed'));
    for (const { timer } of this.delivered.values()) clearTimeout(timer);
    this.delivered.clear();
  }
}
