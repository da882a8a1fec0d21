/// <reference types="node" />
/**
 * What a decoded request is: {@link HxWsRequest} and its files ({@link HxWsFile}), and what a
 * decoded file shows of itself when logged ({@link fileMetadata}).
 *
 * @module
 */
import type { Buffer } from 'node:buffer';
import type { FileSerialization } from '../../protocol.js';

/**
 * A decoded file. It replaces the client's descriptor in {@link HxWsRequest.values} and is listed
 * in {@link HxWsRequest.files}. The inline `body` is not kept: {@link bytes} holds the content.
 */
export interface HxWsFile {
  /** Name of the form field the file came in. */
  field: string;
  /** How the client sent it. */
  serialization: FileSerialization;
  /** File name as the browser reports it (untrusted: never use it as a path as is). */
  name: string;
  /** MIME type as the browser reports it (untrusted; may be `""`). */
  type: string;
  /**
   * Size the client declared. For `file/oob` it is checked to equal `bytes.length`; for inline
   * files it is not (a text file read as UTF-8 text may change length), so trust `bytes.length`.
   */
  size: number;
  /** Last-modified time in ms since the epoch, as the browser reports it. */
  lastModified: number;
  /**
   * For `file/oob`: the 0-based index of the binary frame that carried the bytes. For
   * `file/oob-chunked`: the file's place among the request's out-of-band files (its chunks come
   * in that order).
   */
  offset?: number;
  /** For `file/oob-chunked`: the largest chunk the client sends. */
  chunkSize?: number;
  /** For `file/oob-chunked`: the client's random id of the upload (base64url, 128 bits or more). */
  uploadId?: string;
  /** For `file/oob-chunked`: whether the descriptor continues an upload cut off by a drop. */
  resume?: boolean;
  /**
   * The file's content. For `file/oob` it is the binary frame's own Buffer (not copied). For
   * `file/oob-chunked` the chunks joined, unless a file sink took them: then it is empty.
   */
  bytes: Buffer;
  /** For `file/oob-chunked` written by {@link diskSink}: the temporary file that holds the bytes. */
  path?: string;
  /**
   * What `JSON.stringify` writes for the file: its metadata, never its bytes, so logging
   * `request.values` does not dump every upload. Non-enumerable: spreading or comparing a
   * decoded file sees only the fields above.
   */
  toJSON?(): HxWsFileMetadata;
}

/** A decoded file without its bytes: what {@link HxWsFile.toJSON} returns. */
export type HxWsFileMetadata = Omit<HxWsFile, 'bytes' | 'toJSON'>;

/** The `toJSON` of every decoded file (shared, so a file costs no extra closure). */
export function fileMetadata(this: HxWsFile): HxWsFileMetadata {
  const { field, serialization, name, type, size, lastModified, offset, chunkSize, uploadId, resume, path } = this;
  const meta: HxWsFileMetadata = { field, serialization, name, type, size, lastModified };
  if (offset !== undefined) meta.offset = offset;
  if (chunkSize !== undefined) Object.assign(meta, { chunkSize, uploadId, ...(resume ? { resume } : {}), ...(path !== undefined ? { path } : {}) });
  return meta;
}

/** One whole client request. */
export interface HxWsRequest {
  /**
   * The JSON object the client sent, without `HEADERS`. Form values are strings or arrays of
   * strings; `hx-vals` may add any JSON value. Each top-level file descriptor (a value, or an
   * element of an array value) is replaced by its {@link HxWsFile}.
   */
  values: Record<string, unknown>;
  /**
   * The `HEADERS` object (`HX-Request`, `HX-Trigger`, `HX-Trigger-Name`, `HX-Target`,
   * `HX-Current-URL`, custom ones), names as sent. Numbers and booleans are turned into strings,
   * `null` entries dropped; `{}` when the client sent none.
   */
  headers: Record<string, string>;
  /** Every file of the request, in the order its field appears in the JSON. */
  files: HxWsFile[];
}
