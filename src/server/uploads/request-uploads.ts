/// <reference types="node" />
/**
 * The chunked files of the request whose bytes are arriving on one socket ({@link RequestUploads}):
 * which uploads they are, the statuses owed to the client, and what becomes of them when the
 * request is whole or the socket closes. Used by the socket's connection
 * (socket/server-connection.ts).
 *
 * @module
 */
import type { Buffer } from 'node:buffer';
import type { ConnectionContext } from '../socket/connection-context.js';
import type { HxWsFile, HxWsRequest } from '../decoder/request.js';
import type { Upload, UploadStore } from './upload-store.js';
import { formatUploadStatus, type UploadStatus } from '../../protocol.js';

/** One socket's chunked uploads. */
export class RequestUploads {
  /** The chunked files of the request whose bytes are arriving, with their uploads. */
  private uploads = new Map<HxWsFile, Upload>();
  /** Upload statuses to send after the current frame (answers to resumed descriptors). */
  private statuses: UploadStatus[] = [];
  /** Whether every chunked file of the request being decoded was delivered before. */
  private duplicate = true;

  /**
   * @param store the server's uploads
   * @param owner the socket's connection (an upload resumed on another socket changes owner)
   * @param ctx the connection, for the sink and the statuses
   * @param onFull a sink is full: reading should wait until `drained` resolves
   */
  constructor(
    private readonly store: UploadStore,
    private readonly owner: object,
    private readonly ctx: ConnectionContext,
    private readonly onFull: (drained: Promise<void>) => void,
  ) {}

  /** Whether it holds nothing (no upload of a request in progress, no status owed): a new one would do the same. */
  get idle(): boolean {
    return this.uploads.size === 0 && this.statuses.length === 0;
  }

  /** A chunked file's descriptor: a new upload, or the continuation of one a drop cut off. */
  begin(file: HxWsFile): number {
    if (this.uploads.size === 0) this.duplicate = true;
    const opened = this.store.open(file, this.owner, this.ctx, this.ctx.userKey);
    if ('delivered' in opened) {
      this.statuses.push(opened.delivered);
      return file.size;
    }
    this.duplicate = false;
    this.uploads.set(file, opened.upload);
    if (opened.status) this.statuses.push(opened.status);
    return opened.upload.received;
  }

  /** Bytes of a chunked file. */
  write(file: HxWsFile, bytes: Buffer): void {
    const upload = this.uploads.get(file);
    // Another socket of the same page resumed it meanwhile: this one's bytes are stale.
    if (!upload || upload.owner !== this.owner) return;
    const full = upload.write(bytes);
    if (full) this.onFull(full);
  }

  /** Sends the statuses owed after the current frame. */
  flushStatuses(): void {
    if (this.statuses.length === 0) return;
    const text = this.statuses.map(formatUploadStatus).join('');
    this.statuses = [];
    this.ctx.sendControl(text);
  }

  /**
   * The request is whole. @returns `'duplicate'` for a continuation of a request the handler
   * already had, `undefined` when it has no chunked files, else a wait for its sinks to finish
   * (resolves false, with the failure reported, when one failed); the client is told each
   * file arrived.
   */
  take(request: HxWsRequest, reportError: (error: Error) => void): 'duplicate' | undefined | (() => Promise<boolean>) {
    const uploads = [...this.uploads];
    const duplicate = this.duplicate && request.files.some((f) => f.uploadId !== undefined);
    this.uploads = new Map();
    this.duplicate = true;
    if (uploads.length === 0) return duplicate ? 'duplicate' : undefined;
    for (const [, upload] of uploads) this.store.markDelivered(upload);
    this.ctx.sendControl(uploads.map(([file, upload]) => formatUploadStatus({ id: upload.id, received: file.size, state: 'done' })).join(''));
    return async () => {
      try {
        await Promise.all(uploads.map(([file, upload]) => upload.finish(file)));
        return true;
      } catch (error) {
        for (const [, upload] of uploads) upload.discard(error as Error);
        reportError(error as Error);
        return false;
      }
    };
  }

  /** The socket closed: a chunked request cut off is kept for a resume (`keep`) or removed. */
  cutOff(keep: boolean, error: () => Error): void {
    for (const [, upload] of this.uploads) {
      if (upload.owner !== this.owner) continue;
      if (keep) this.store.park(upload);
      else this.store.discard(upload, error());
    }
    this.uploads = new Map();
  }
}
