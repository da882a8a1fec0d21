/// <reference types="node" />
/**
 * How a request's JSON object becomes an {@link HxWsRequest}: headers, file descriptors, inline
 * files and the size limits. The request's types are in request.ts.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { ProtocolError, type ProtocolErrorKind } from '../errors.js';
import type { DecoderLimits } from './decoder-limits.js';
import {
  HEADERS_KEY,
  isSerialization,
  SERIALIZATION_INLINE_TEXT,
  SERIALIZATION_OOB,
  SERIALIZATION_OOB_CHUNKED,
  UPLOAD_ID,
  type FileSerialization,
} from '../../protocol.js';
import { fileMetadata, type HxWsFile, type HxWsRequest } from './request.js';

interface FoundDescriptor {
  field: string;
  raw: Record<string, unknown>;
  /** Where to put the decoded file: the values object or an array value. */
  holder: Record<string, unknown> | unknown[];
  slot: string | number;
}

const EMPTY = Buffer.alloc(0);
/** Array-index keys, which `Object.keys` lists first, whatever their place in the JSON. */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

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

/**
 * The top-level member names of a JSON object's text, in the order they appear (a repeated name
 * at its first place). Only called when `Object.keys` order can differ from it.
 */
function jsonKeyOrder(source: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      let end = i + 1;
      while (source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(source.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth += 1;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return [...new Set(keys)];
}

/** The field names of `values` in JSON order. */
function fieldOrder(values: Record<string, unknown>, source: string | undefined): string[] {
  const keys = Object.keys(values);
  if (source === undefined || !keys.some((key) => INDEX_KEY.test(key))) return keys;
  return jsonKeyOrder(source).filter((key) => Object.prototype.hasOwnProperty.call(values, key));
}

/** The top-level file descriptors of `values`, in JSON order of their fields. */
function findDescriptors(values: Record<string, unknown>, limits: Readonly<DecoderLimits>, source: string | undefined): FoundDescriptor[] {
  const found: FoundDescriptor[] = [];
  const add = (field: string, raw: Record<string, unknown>, holder: FoundDescriptor['holder'], slot: string | number) => {
    if (found.length >= limits.maxFiles) {
      fail('too-many-files', `more than maxFiles ${limits.maxFiles} files in one request`, field);
    }
    found.push({ field, raw, holder, slot });
  };
  for (const field of fieldOrder(values, source)) {
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

/** Whether files of `serialization` travel as binary frames after the JSON. */
export function isOutOfBand(serialization: FileSerialization): boolean {
  return serialization === SERIALIZATION_OOB || serialization === SERIALIZATION_OOB_CHUNKED;
}

/** Checks the members only a `file/oob-chunked` descriptor has. */
function describeChunked(file: HxWsFile, raw: Record<string, unknown>, maxChunkBytes: number): void {
  const { field } = file;
  const { chunkSize, uploadId, resume } = raw;
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    fail('bad-descriptor', `field ${quote(field)}: chunkSize ${JSON.stringify(chunkSize) ?? 'undefined'} is not a positive integer`, field);
  }
  if (chunkSize > maxChunkBytes) {
    fail('file-too-large', `field ${quote(field)}: chunkSize ${chunkSize} exceeds maxChunkBytes ${maxChunkBytes}`, field);
  }
  if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) {
    fail('bad-descriptor', `field ${quote(field)}: uploadId is not 22 to 64 base64url characters`, field);
  }
  if (resume !== undefined && typeof resume !== 'boolean') {
    fail('bad-descriptor', `field ${quote(field)}: resume is not a boolean`, field);
  }
  file.chunkSize = chunkSize;
  file.uploadId = uploadId;
  if (resume) file.resume = true;
}

/** Checks a descriptor's metadata and turns it into a file without bytes yet. */
function describe({ field, raw }: FoundDescriptor, maxChunkBytes: number): HxWsFile {
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
  Object.defineProperty(file, 'toJSON', { value: fileMetadata, enumerable: false });
  if (isOutOfBand(serialization)) {
    const offset = raw.offset;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      fail('bad-offset', `field ${quote(field)}: offset ${JSON.stringify(offset) ?? 'undefined'} is not a non-negative integer`, field);
    }
    file.offset = offset;
    if (serialization === SERIALIZATION_OOB_CHUNKED) describeChunked(file, raw, maxChunkBytes);
  } else if (typeof raw.body !== 'string') {
    fail('bad-descriptor', `field ${quote(field)}: ${serialization} without a string body`, field);
  }
  return file;
}

/** The one base64 spelling accepted for an inline `file/inline-base64` body. */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Whether `body` is base64 as an inline file body must spell it: the standard alphabet, padding
 * optional but, when present, to a multiple of 4 characters, and no stray bits in the last
 * character (so each byte string has one spelling: `QQ==` or `QQ`, never `QR==`).
 */
export function isCanonicalBase64(body: string): boolean {
  if (!BASE64_CHARS.test(body)) return false;
  const data = body.replace(/=+$/, '');
  const padded = data.length !== body.length;
  if (padded ? body.length % 4 !== 0 : data.length % 4 === 1) return false;
  const tail = data.length % 4; // 2 or 3 characters in the last group: 4 or 2 unused bits
  if (tail === 0) return true;
  const last = BASE64_ALPHABET.indexOf(data[data.length - 1]!);
  return (last & (tail === 2 ? 0x0f : 0x03)) === 0;
}

/** The bytes of an inline file's body. */
function inlineBytes(file: HxWsFile, body: string): Buffer {
  if (file.serialization === SERIALIZATION_INLINE_TEXT) return Buffer.from(body, 'utf8');
  if (!isCanonicalBase64(body)) {
    fail('bad-base64', `field ${quote(file.field)}: body is not valid base64`, file.field);
  }
  return Buffer.from(body, 'base64');
}

/**
 * Deletes every member named `__proto__`, at any depth, so that an app that merges `values` into
 * another object (`Object.assign`, a deep merge) cannot have a prototype replaced. Iterative:
 * JSON may nest 100,000 levels deep.
 */
function dropProtoKeys(root: Record<string, unknown>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) delete (node as Record<string, unknown>).__proto__;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push(child);
  }
}

/** A request whose oob files have not arrived yet: they are listed by offset. */
export interface ParsedRequest {
  /** The request; oob files have empty `bytes` until their frames arrive. */
  request: HxWsRequest;
  /** The oob files indexed by offset (empty when the request has none). */
  byOffset: HxWsFile[];
}

/**
 * Turns a request's parsed JSON object into a request, in the order of `docs/protocol.md`
 * section 8: drops `__proto__` members, takes out `HEADERS`, collects the file descriptors, checks
 * each one in full (metadata, then its offset and declared size, or its inline body) before the
 * next, and last the request's total size.
 * @param values the JSON object (modified in place: it becomes the request's `values`)
 * @param frameBytes the JSON frame's size in bytes
 * @param limits the limits in force
 * @param source the JSON text, when the caller has it: it gives `files` the JSON order even for
 *   integer-like field names, and tells whether a `__proto__` member can be present at all
 * @throws {ProtocolError} when a rule or limit is broken
 */
export function parseRequest(
  values: Record<string, unknown>,
  frameBytes: number,
  limits: Readonly<DecoderLimits>,
  source?: string,
  chunksInMemory = true,
): ParsedRequest {
  // Without an escape or the plain name in the text, no member can be named __proto__.
  if (source === undefined || source.includes('__proto__') || source.includes('\\u')) dropProtoKeys(values);
  const headers = decodeHeaders(values);
  const found = findDescriptors(values, limits, source);
  const oobCount = found.filter(({ raw }) => raw.serialization === SERIALIZATION_OOB || raw.serialization === SERIALIZATION_OOB_CHUNKED).length;
  const byOffset: HxWsFile[] = new Array<HxWsFile>(oobCount);
  const files: HxWsFile[] = [];
  let total = frameBytes;
  for (const descriptor of found) {
    const file = describe(descriptor, limits.maxChunkBytes);
    if (isOutOfBand(file.serialization)) {
      const offset = file.offset!;
      if (offset >= oobCount) {
        fail('bad-offset', `field ${quote(file.field)}: offset ${offset} out of range, request has ${oobCount} out-of-band file(s)`, file.field);
      }
      if (byOffset[offset]) fail('bad-offset', `field ${quote(file.field)}: offset ${offset} used twice`, file.field);
      if (file.size > limits.maxFileBytes) {
        fail('file-too-large', `field ${quote(file.field)}: declared size ${file.size} exceeds maxFileBytes ${limits.maxFileBytes}`, file.field);
      }
      if (file.size > limits.maxMemoryFileBytes && (file.chunkSize === undefined || chunksInMemory)) {
        const how = file.chunkSize === undefined ? 'unchunked files arrive in memory: send it with chunk-size' : 'without a fileSink, chunked files arrive in memory';
        fail('file-too-large', `field ${quote(file.field)}: declared size ${file.size} exceeds maxMemoryFileBytes ${limits.maxMemoryFileBytes} (${how})`, file.field);
      }
      byOffset[offset] = file;
      total += file.size;
    } else {
      file.bytes = inlineBytes(file, descriptor.raw.body as string);
      if (file.bytes.length > limits.maxFileBytes) {
        fail('file-too-large', `field ${quote(file.field)}: ${file.bytes.length} bytes exceeds maxFileBytes ${limits.maxFileBytes}`, file.field);
      }
    }
    // `slot` is an own key of `holder` (it came from Object.keys or an index), so this
    // assignment never reaches a prototype setter.
    (descriptor.holder as Record<string | number, unknown>)[descriptor.slot] = file;
    files.push(file);
  }
  if (total > limits.maxRequestBytes) {
    fail('request-too-large', `request of ${total} bytes (JSON and declared files) exceeds maxRequestBytes ${limits.maxRequestBytes}`);
  }
  return { request: { values, headers, files }, byOffset };
}
