/**
 * Files in a send: the checks made before anything leaves (`accept`, `max-file-size`,
 * `max-files`) and the two wire encodings.
 *
 * - `multipart/json-files-oob` (default): each file becomes a descriptor with
 *   `serialization: "file/oob"` and an `offset`; the request's frames are the JSON text, then one
 *   binary frame per file in offset order, each the `File` itself (never read into JS memory).
 *   With a chunk size and the chunked feature, the descriptors become `file/oob-chunked`
 *   (`features/chunked/`).
 * - `multipart/json-files-inline`: one frame; a `text/*` file becomes `file/inline-text` with its
 *   text in `body`, any other `file/inline-base64` with its bytes in base64.
 *
 * Files are found where the server looks for them: a top-level value, or an element of a
 * top-level array. Offsets count from 0 per request in visiting order (document order of the
 * inputs, then file order); files an app added to the values itself come after, in JSON order.
 */
import type { Problem } from '../core/dispatch.js';
import type { FileEntry } from './values.js';
import type { EncodedValues } from '../core/features.js';

export type { EncodedValues } from '../core/features.js';

import {
  INLINE,
  OOB,
  SERIALIZATION_INLINE_BASE64,
  SERIALIZATION_INLINE_TEXT,
  SERIALIZATION_OOB,
  type FileEncoding,
} from '../protocol.js';

export { INLINE, OOB, type FileEncoding } from '../protocol.js';

/** The encoding a value names, or `null` when it names none we know. Empty means the default. */
export function parseEncoding(raw: string | null | undefined): FileEncoding | null {
  const v = raw?.trim().toLowerCase() ?? '';
  if (v === '' || v === OOB) return OOB;
  if (v === INLINE) return INLINE;
  return null;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * Reads a byte size: a number of bytes, or a number with a unit `B`, `K`/`KB`/`KiB`,
 * `M`/`MB`/`MiB`, `G`/`GB`/`GiB` (any case; all units are powers of 1024, so `10MB` is
 * 10 485 760 bytes). Returns `null` for anything else.
 */
export function parseByteSize(raw: number | string): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.floor(raw) : null;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  return Math.floor(parseFloat(m[1]) * unit);
}

/**
 * Whether `file` matches an `accept` list: `.ext` (name ending, any case), `type/*`, or an exact
 * MIME type (parameters ignored). An empty list accepts everything.
 */
export function acceptsFile(accept: string, file: File): boolean {
  const tokens = accept.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tokens.length === 0) return true;
  const name = file.name.toLowerCase();
  const type = file.type.toLowerCase().split(';')[0].trim();
  return tokens.some((t) => {
    if (t.startsWith('.')) return name.endsWith(t);
    if (t.endsWith('/*')) return type.startsWith(t.slice(0, -1));
    return type === t;
  });
}

/** One place a file sits in the values: `holder[slot]`. */
export interface FileSlot {
  file: File;
  /** The input it was picked in, or `null` for a file the app put in the values. */
  input: HTMLInputElement | null;
  holder: Record<string, unknown> | unknown[];
  slot: string | number;
}

/**
 * Finds every file in `values` (top-level values and elements of top-level arrays), in offset
 * order: the order of `entries` (visiting order), then the rest in JSON order.
 */
export function findFiles(values: Record<string, unknown>, entries: readonly FileEntry[]): FileSlot[] {
  const found: FileSlot[] = [];
  for (const key of Object.keys(values)) {
    const v = values[key];
    if (v instanceof File) found.push({ file: v, input: null, holder: values, slot: key });
    else if (Array.isArray(v)) v.forEach((x, i) => x instanceof File && found.push({ file: x, input: null, holder: v, slot: i }));
  }
  // Rank each slot by the first unused entry holding the same File; the rest keep JSON order.
  const unused = new Map<File, number[]>(); // entry indexes per File, ascending
  entries.forEach((e, i) => {
    const list = unused.get(e.file);
    if (list) list.push(i);
    else unused.set(e.file, [i]);
  });
  const rank = found.map((slot) => {
    const i = unused.get(slot.file)?.shift();
    if (i === undefined) return Infinity;
    slot.input = entries[i].input;
    return i;
  });
  return found
    .map((slot, i) => ({ slot, r: rank[i], i }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r < b.r ? -1 : 1))
    .map((x) => x.slot);
}

/** Limits checked before a request is sent. */
export interface FileLimits {
  /** Largest file in bytes; `null` for no limit. */
  maxFileSize: number | null;
  /** As written, for messages (`10MB`). */
  maxFileSizeText?: string;
  /** Most files in one request; `null` for no limit. */
  maxFiles: number | null;
}

/**
 * A refused file and the rule that refused it; `part` is the rule as written (`accept=".png"`,
 * `max-file-size="10MB"`, `max-files="3"`).
 */
export type FileRejection = Problem<'file-rejected'> & { file: File; part: string };

/** Checks each file against its input's `accept` and the limits. */
export function checkFiles(files: readonly FileSlot[], limits: FileLimits): FileRejection[] {
  const out: FileRejection[] = [];
  for (const { file, input } of files) {
    const accept = input?.getAttribute('accept');
    if (accept && !acceptsFile(accept, file)) {
      const part = `accept="${accept}"`;
      out.push({ reason: 'file-rejected', file, part, message: `${file.name} refused by ${part}` });
      continue;
    }
    if (limits.maxFileSize !== null && file.size > limits.maxFileSize) {
      const part = `max-file-size="${limits.maxFileSizeText ?? limits.maxFileSize}"`;
      out.push({ reason: 'file-rejected', file, part, message: `${file.name} (${file.size} bytes) refused by ${part}` });
    }
  }
  if (limits.maxFiles !== null && files.length > limits.maxFiles) {
    const file = files[limits.maxFiles].file;
    const part = `max-files="${limits.maxFiles}"`;
    out.push({ reason: 'file-rejected', file, part, message: `${files.length} files refused by ${part} (${file.name} is one too many)` });
  }
  return out;
}


function meta(file: File): { name: string; lastModified: number; size: number; type: string } {
  return { name: file.name, lastModified: file.lastModified, size: file.size, type: file.type };
}

/**
 * Copies the top level and the top-level arrays that hold files, so that slots can be replaced
 * without touching the caller's objects. Returns the copy and a setter for a slot.
 */
function copyHolders(values: Record<string, unknown>, files: readonly FileSlot[]) {
  const out = { ...values };
  const arrays = new Map<unknown[], unknown[]>();
  for (const key of Object.keys(out)) {
    const v = out[key];
    if (Array.isArray(v) && files.some((f) => f.holder === v)) {
      const copy = v.slice();
      arrays.set(v, copy);
      out[key] = copy;
    }
  }
  const put = (slot: FileSlot, v: unknown): void => {
    const holder = (Array.isArray(slot.holder) ? arrays.get(slot.holder)! : out) as Record<string | number, unknown>;
    holder[slot.slot] = v;
  };
  return { out, put };
}

/**
 * Encodes the files of a request. The oob encoding (and any request without files) is done at
 * once; the inline encoding reads the files and returns a promise.
 */
export function encodeFiles(
  values: Record<string, unknown>,
  files: readonly FileSlot[],
  encoding: FileEncoding,
): EncodedValues | Promise<EncodedValues> {
  if (files.length === 0) return { values, blobs: [], descriptors: [] };
  const { out, put } = copyHolders(values, files);
  if (encoding === OOB) {
    const descriptors = files.map((slot, offset) => {
      const d = { serialization: SERIALIZATION_OOB, offset, ...meta(slot.file) };
      put(slot, d);
      return d;
    });
    return { values: out, blobs: files.map((f) => f.file), descriptors };
  }
  return Promise.all(
    files.map(async (slot) => {
      const text = slot.file.type.toLowerCase().startsWith('text/');
      const body = text ? await slot.file.text() : bytesToBase64(new Uint8Array(await slot.file.arrayBuffer()));
      put(slot, { serialization: text ? SERIALIZATION_INLINE_TEXT : SERIALIZATION_INLINE_BASE64, ...meta(slot.file), body });
    }),
  ).then(() => ({ values: out, blobs: [], descriptors: [] }));
}

const CHUNK = 3 * 8192; // a multiple of 3, so chunk encodings join without padding in between

/**
 * Base64 of `bytes`: the browser's own `Uint8Array.prototype.toBase64` where there is one, else
 * `btoa` over chunks (fast for megabytes, no per-byte string concatenation).
 */
export function bytesToBase64(bytes: Uint8Array, useNative = true): string {
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (useNative && typeof native === 'function') return native.call(bytes);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    parts.push(btoa(String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])));
  }
  return parts.join('');
}
