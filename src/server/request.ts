/// <reference types="node" />
/**
 * What a decoded request is ({@link HxWsRequest}, {@link HxWsFile}) and how a request's JSON
 * object becomes one: headers, file descriptors, inline files and the size limits.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, type ProtocolErrorKind } from './errors.js';
import type { DecoderLimits } from './limits.js';
import { HEADERS_KEY, isSerialization, SERIALIZATION_INLINE_TEXT, SERIALIZATION_OOB, type FileSerialization } from '../protocol.js';

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
  /** For `file/oob`: the 0-based index of the binary frame that carried the bytes. */
  offset?: number;
  /** The file's content. For `file/oob` it is the binary frame's own Buffer (not copied). */
  bytes: Buffer;
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

interface FoundDescriptor {
  field: string;
  raw: Record<string, unknown>;
  /** Where to put the decoded file: the values object or an array value. */
  holder: Record<string, unknown> | unknown[];
  slot: string | number;
}

const EMPTY = Buffer.alloc(0);
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** An object that is neither null nor an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A top-level value is a file descriptor when it is an object whose `serialization` is a string. */
function isDescriptor(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && typeof value.serialization === 'string';
}

/** A field name in quotes for a message, cut to 60 characters. */
export function quote(field: string): string {
  return JSON.stringify(field.length > 60 ? `${field.slice(0, 57)}...` : field);
}


function fail(kind: ProtocolErrorKind, message: string, field?: string): never {
  throw new ProtocolError(kind, message, field);
}

/** Takes `HEADERS` out of `values` and checks it; numbers and booleans become strings, nulls go. */
function decodeHeaders(values: Record<string, unknown>): Record<string, string> {
  if (!Object.prototype.hasOwnProperty.call(values, HEADERS_KEY)) return {};
  const headers = values[HEADERS_KEY];
  delete values[HEADERS_KEY];
  if (!isPlainObject(headers)) fail('bad-headers', 'HEADERS is not an object');
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (typeof value === 'string') continue;
    if (value === null) {
      delete headers[name];
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      headers[name] = String(value);
    } else {
      fail('bad-headers', `header ${quote(name)} is ${Array.isArray(value) ? 'an array' : typeof value}, not a string`);
    }
  }
  return headers as Record<string, string>;
}

/** The top-level file descriptors of `values`, in field order. */
function findDescriptors(values: Record<string, unknown>, limits: Readonly<DecoderLimits>): FoundDescriptor[] {
  const found: FoundDescriptor[] = [];
  const add = (field: string, raw: Record<string, unknown>, holder: FoundDescriptor['holder'], slot: string | number) => {
    if (found.length >= limits.maxFiles) {
      fail('too-many-files', `more than maxFiles ${limits.maxFiles} files in one request`, field);
    }
    found.push({ field, raw, holder, slot });
  };
  for (const field of Object.keys(values)) {
    const value = values[field];
    if (isDescriptor(value)) {
      add(field, value, values, field);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (isDescriptor(item)) add(field, item, value, i);
      }
    }
  }
  return found;
}

/** Checks a descriptor's metadata and turns it into a file without bytes yet. */
function describe({ field, raw }: FoundDescriptor, limits: Readonly<DecoderLimits>): HxWsFile {
  const { serialization, name, type, size, lastModified } = raw;
  if (!isSerialization(serialization)) {
    fail('unknown-serialization', `field ${quote(field)}: unknown serialization ${quote(String(serialization))}`, field);
  }
  if (typeof name !== 'string') fail('bad-descriptor', `field ${quote(field)}: file name is not a string`, field);
  if (typeof type !== 'string') fail('bad-descriptor', `field ${quote(field)}: file type is not a string`, field);
  if (typeof lastModified !== 'number' || !Number.isFinite(lastModified)) {
    fail('bad-descriptor', `field ${quote(field)}: lastModified is not a finite number`, field);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    fail('bad-descriptor', `field ${quote(field)}: size ${JSON.stringify(size) ?? 'undefined'} is not a non-negative integer`, field);
  }
  const file: HxWsFile = { field, serialization, name, type, size, lastModified, bytes: EMPTY };
  if (serialization === SERIALIZATION_OOB) {
    if (size > limits.maxFileBytes) {
      fail('file-too-large', `field ${quote(field)}: declared size ${size} exceeds maxFileBytes ${limits.maxFileBytes}`, field);
    }
    const offset = raw.offset;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      fail('bad-offset', `field ${quote(field)}: offset ${JSON.stringify(offset) ?? 'undefined'} is not a non-negative integer`, field);
    }
    file.offset = offset;
  } else if (typeof raw.body !== 'string') {
    fail('bad-descriptor', `field ${quote(field)}: ${serialization} without a string body`, field);
  }
  return file;
}

/** The bytes of an inline file's body. */
function inlineBytes(file: HxWsFile, body: string): Buffer {
  if (file.serialization === SERIALIZATION_INLINE_TEXT) return Buffer.from(body, 'utf8');
  const padded = body.endsWith('=');
  if (!BASE64_CHARS.test(body) || (padded ? body.length % 4 !== 0 : body.length % 4 === 1)) {
    fail('bad-base64', `field ${quote(file.field)}: body is not valid base64`, file.field);
  }
  return Buffer.from(body, 'base64');
}

/** A request whose oob files have not arrived yet: they are listed by offset. */
export interface ParsedRequest {
  /** The request; oob files have empty `bytes` until their frames arrive. */
  request: HxWsRequest;
  /** The oob files indexed by offset (empty when the request has none). */
  byOffset: HxWsFile[];
}

/**
 * Turns a request's parsed JSON object into a request: takes out `HEADERS`, checks every file
 * descriptor and decodes inline files, lists oob files by offset, and checks the size limits.
 * @param values the JSON object (modified in place: it becomes the request's `values`)
 * @param frameBytes the JSON frame's size in bytes
 * @param limits the limits in force
 * @throws {ProtocolError} when a rule or limit is broken
 */
export function parseRequest(values: Record<string, unknown>, frameBytes: number, limits: Readonly<DecoderLimits>): ParsedRequest {
  const headers = decodeHeaders(values);
  const found = findDescriptors(values, limits);
  const files = found.map((descriptor) => describe(descriptor, limits));

  const oob = files.filter((file) => file.serialization === SERIALIZATION_OOB);
  const byOffset: HxWsFile[] = new Array<HxWsFile>(oob.length);
  let total = frameBytes;
  for (const file of oob) {
    const offset = file.offset!;
    if (offset >= oob.length) {
      fail('bad-offset', `field ${quote(file.field)}: offset ${offset} out of range, request has ${oob.length} file/oob file(s)`, file.field);
    }
    if (byOffset[offset]) {
      fail('bad-offset', `field ${quote(file.field)}: offset ${offset} used twice`, file.field);
    }
    byOffset[offset] = file;
    total += file.size;
  }
  if (total > limits.maxRequestBytes) {
    fail('request-too-large', `request of ${total} bytes (JSON and declared files) exceeds maxRequestBytes ${limits.maxRequestBytes}`);
  }

  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const { raw, holder, slot } = found[i]!;
    if (file.serialization !== SERIALIZATION_OOB) {
      file.bytes = inlineBytes(file, raw.body as string);
      if (file.bytes.length > limits.maxFileBytes) {
        fail('file-too-large', `field ${quote(file.field)}: ${file.bytes.length} bytes exceeds maxFileBytes ${limits.maxFileBytes}`, file.field);
      }
    }
    // `slot` is an own key of `holder` (it came from Object.keys or an index), so this
    // assignment never reaches a prototype setter, even for a field named "__proto__".
    (holder as Record<string | number, unknown>)[slot] = file;
  }

  return { request: { values, headers, files }, byOffset };
}
