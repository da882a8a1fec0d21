/**
 * What both ends of the wire must agree on: header names, file encodings and serializations,
 * the control elements a server puts at the start of a message, and byte counting. No DOM and no
 * Node APIs, so the browser code and the server helper import the same names.
 *
 * The byte-level description lives in `docs/protocol.md`.
 *
 * @module
 */

/** The key of the headers object inside a request's JSON. */
export const HEADERS_KEY = 'HEADERS';

/**
 * The header a client in acknowledgement mode puts in `HEADERS`: a string, unique within the
 * page and across page loads, that names the request.
 */
export const REQUEST_ID_HEADER = 'HX-Request-Id';

/** Encoding (`hx-encoding`): files as binary frames after the JSON frame. The default. */
export const OOB = 'multipart/json-files-oob';
/** Encoding (`hx-encoding`): files inside the JSON, as text or base64. */
export const INLINE = 'multipart/json-files-inline';
/** A file encoding. */
export type FileEncoding = typeof OOB | typeof INLINE;

/** Serialization of a file sent as one binary frame after the JSON, found by `offset`. */
export const SERIALIZATION_OOB = 'file/oob';
/** Serialization of a `text/*` file sent inline: its text in `body`. */
export const SERIALIZATION_INLINE_TEXT = 'file/inline-text';
/** Serialization of any other file sent inline: its bytes in base64 in `body`. */
export const SERIALIZATION_INLINE_BASE64 = 'file/inline-base64';
/** How a file's bytes travel. */
export type FileSerialization =
  | typeof SERIALIZATION_OOB
  | typeof SERIALIZATION_INLINE_TEXT
  | typeof SERIALIZATION_INLINE_BASE64;
/** Every serialization a decoder accepts. */
export const SERIALIZATIONS: readonly FileSerialization[] = [
  SERIALIZATION_OOB,
  SERIALIZATION_INLINE_TEXT,
  SERIALIZATION_INLINE_BASE64,
];

/** Whether `value` names a serialization a decoder accepts. */
export function isSerialization(value: unknown): value is FileSerialization {
  return (SERIALIZATIONS as readonly unknown[]).includes(value);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const UNESCAPES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** `text` with `& < > " '` replaced by entities, safe inside element content and quoted attributes. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The control element that acknowledges request `id` (its `HX-Request-Id`). */
export const ACK_TAG = 'hx-ws-ack';

/** The acknowledgement of one request: `<hx-ws-ack id="ID"></hx-ws-ack>`, the id escaped. */
export function formatAck(id: string): string {
  return `<${ACK_TAG} id="${escapeText(id)}"></${ACK_TAG}>`;
}

const ACK = new RegExp(`^\\s*<${ACK_TAG}\\s+id="([^"]*)"\\s*></${ACK_TAG}>`);
const ENTITY = /&(amp|lt|gt|quot|#39);/g;

/** Whether a message may begin with control elements (a cheap test before {@link takeAcks}). */
export function mayHaveControls(data: string): boolean {
  return data.startsWith(`<${ACK_TAG}`);
}

/**
 * Splits the acks off the start of a message (one or more `<hx-ws-ack id="..."></hx-ws-ack>`).
 * @returns the acknowledged ids and the rest of the message
 */
export function takeAcks(data: string): { ids: string[]; rest: string } {
  const ids: string[] = [];
  let rest = data;
  for (let m = ACK.exec(rest); m; m = ACK.exec(rest)) {
    ids.push(m[1]!.replace(ENTITY, (_, e: string) => UNESCAPES[e]!));
    rest = rest.slice(m[0].length);
  }
  return { ids, rest };
}

/**
 * Bytes of `text` in UTF-8, counted without encoding it (a request's JSON can be tens of MB with
 * inline files). A lone surrogate counts as U+FFFD (3 bytes), as a socket sends it.
 */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

/** What each registered WebSocket close code means, in a few words (RFC 6455 and IANA). */
export const CLOSE_CODE_NAMES: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status',
  1006: 'connection dropped',
  1007: 'invalid data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'missing extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failed',
};

/** A close in words: `1009 (message too big): <reason>`; the reason only when there is one. */
export function describeClose(code: number, reason = ''): string {
  const name = CLOSE_CODE_NAMES[code];
  return `${code}${name ? ` (${name})` : ''}${reason ? `: ${reason}` : ''}`;
}

/** Size in bytes of what a frame puts on the wire. */
export function frameBytes(frame: string | Blob | ArrayBuffer | ArrayBufferView): number {
  if (typeof frame === 'string') return utf8Length(frame);
  if (frame instanceof Blob) return frame.size;
  return frame.byteLength;
}
