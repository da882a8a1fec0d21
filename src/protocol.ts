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
/**
 * Serialization of a file sent as binary frames of at most `chunkSize` bytes each, in order,
 * after the JSON (`chunk-size` on the sender). Its descriptor also has an `uploadId`, and a
 * continuation after a drop has `resume: true` (see {@link UPLOAD_TAG}).
 */
export const SERIALIZATION_OOB_CHUNKED = 'file/oob-chunked';
/** How a file's bytes travel. */
export type FileSerialization =
  | typeof SERIALIZATION_OOB
  | typeof SERIALIZATION_OOB_CHUNKED
  | typeof SERIALIZATION_INLINE_TEXT
  | typeof SERIALIZATION_INLINE_BASE64;
/** Every serialization a decoder accepts. */
export const SERIALIZATIONS: readonly FileSerialization[] = [
  SERIALIZATION_OOB,
  SERIALIZATION_OOB_CHUNKED,
  SERIALIZATION_INLINE_TEXT,
  SERIALIZATION_INLINE_BASE64,
];

/** What an upload id looks like: 22 to 64 characters of base64url (the client sends 22: 128 bits). */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{22,64}$/;

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

/**
 * The control element by which the server refuses one request and keeps the socket:
 * `<hx-ws-refused id="ID" reason="REASON"></hx-ws-refused>`, both escaped as the ack's id.
 * `ID` is the request's `HX-Request-Id`, empty for a request that had none (the oldest request
 * the page has not heard of is meant then; see docs/protocol.md).
 */
export const REFUSED_TAG = 'hx-ws-refused';

/** A refusal of one request: `<hx-ws-refused id="ID" reason="REASON"></hx-ws-refused>`. */
export function formatRefused(id: string, reason: string): string {
  return `<${REFUSED_TAG} id="${escapeText(id)}" reason="${escapeText(reason)}"></${REFUSED_TAG}>`;
}

const REFUSED = new RegExp(`^\\s*<${REFUSED_TAG}\\s+id="([^"]*)"\\s+reason="([^"]*)"\\s*></${REFUSED_TAG}>`);

/** One `<hx-ws-refused>` control element, read. */
export interface Refusal {
  /** The refused request's `HX-Request-Id`, or `''` when it had none. */
  id: string;
  /** Why, in the server's words. */
  reason: string;
}

/**
 * The close code by which a server ends a connection whose credentials expired (`ctx.expire()`):
 * the page reconnects at once, without backoff, through its `url` (a function runs again, so it
 * can put a fresh token in the URL). 4401 (401, in the range RFC 6455 leaves to applications).
 */
export const CLOSE_EXPIRED = 4401;

/** The close reason sent with {@link CLOSE_EXPIRED} unless the server gives another. */
export const EXPIRED_REASON = 'credentials expired';

/**
 * The control element that tells a client how much of a chunked upload the server has:
 * `<hx-ws-upload id="ID" received="N" state="STATE"></hx-ws-upload>`.
 */
export const UPLOAD_TAG = 'hx-ws-upload';

/**
 * What the server has of a chunked upload:
 * - `done`: every byte (`received` is the file's size); sent when the request is complete, and
 *   as the answer to a continuation of a request already delivered;
 * - `partial`: the first `received` bytes; the client sends the rest;
 * - `lost`: nothing (unknown id, or its window ended); `received` is 0 and the client starts again.
 */
export type UploadState = 'done' | 'partial' | 'lost';

/** One `<hx-ws-upload>` control element, read. */
export interface UploadStatus {
  /** The upload id of the file's descriptor. */
  id: string;
  /** Bytes of the file the server has. */
  received: number;
  state: UploadState;
}

/** The control element for an upload's status; `id` is base64url, so it needs no escaping. */
export function formatUploadStatus({ id, received, state }: UploadStatus): string {
  return `<${UPLOAD_TAG} id="${escapeText(id)}" received="${received}" state="${state}"></${UPLOAD_TAG}>`;
}

const UPLOAD = new RegExp(`^\\s*<${UPLOAD_TAG}\\s+id="([^"]*)"\\s+received="(\\d{1,16})"\\s+state="(done|partial|lost)"\\s*></${UPLOAD_TAG}>`);

/** Whether a message may begin with control elements (a cheap test before {@link takeControls}). */
export function mayHaveControls(data: string): boolean {
  return data.startsWith(`<${ACK_TAG}`) || data.startsWith(`<${UPLOAD_TAG}`) || data.startsWith(`<${REFUSED_TAG}`);
}

/**
 * Splits the control elements off the start of a message: acks
 * (`<hx-ws-ack id="..."></hx-ws-ack>`), refusals (`<hx-ws-refused ...>`) and upload statuses
 * (`<hx-ws-upload ...>`), in any order.
 * @returns the acknowledged ids, the upload statuses, the refusals and the rest of the message
 */
export function takeControls(data: string): { ids: string[]; uploads: UploadStatus[]; refusals: Refusal[]; rest: string } {
  const ids: string[] = [];
  const uploads: UploadStatus[] = [];
  const refusals: Refusal[] = [];
  const unescape = (text: string): string => text.replace(ENTITY, (_, e: string) => UNESCAPES[e]!);
  let rest = data;
  for (;;) {
    const ack = ACK.exec(rest);
    if (ack) {
      ids.push(unescape(ack[1]!));
      rest = rest.slice(ack[0].length);
      continue;
    }
    const refused = REFUSED.exec(rest);
    if (refused) {
      refusals.push({ id: unescape(refused[1]!), reason: unescape(refused[2]!) });
      rest = rest.slice(refused[0].length);
      continue;
    }
    const up = UPLOAD.exec(rest);
    if (!up) break;
    uploads.push({ id: up[1]!.replace(ENTITY, (_, e: string) => UNESCAPES[e]!), received: Number(up[2]), state: up[3] as UploadState });
    rest = rest.slice(up[0].length);
  }
  return { ids, uploads, refusals, rest };
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
  4401: 'credentials expired',
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

// Recovery (docs/protocol.md, "Recovery"). Only a client that asked for it (the query flag and
// the offer frame) is ever sent these elements.

/** The query parameter (`hx-ws-recover=1`) of a socket URL whose client offers recovery. */
export const RECOVER_QUERY = 'hx-ws-recover';

/** The key of the offer frame, the first frame a recovering client sends: `{"HX-Recover":{...}}`. */
export const RECOVER_KEY = 'HX-Recover';

/** What a recovering client offers: its session and the last log position it applied. */
export interface RecoveryOffer {
  /** The session the server gave this page before, if any. */
  session?: string;
  /** The last position applied (or the page's `resume-from`), if any. */
  position?: string;
}

/** The offer frame: `{"HX-Recover":{"session":"…","position":"…"}}`, absent fields left out. */
export function formatOffer(offer: RecoveryOffer): string {
  const body: RecoveryOffer = {};
  if (offer.session) body.session = offer.session;
  if (offer.position) body.position = offer.position;
  return JSON.stringify({ [RECOVER_KEY]: body });
}

/** Whether a text frame looks like an offer frame (a cheap test before {@link parseOffer}). */
export function mayBeOffer(text: string): boolean {
  return text.startsWith(`{"${RECOVER_KEY}"`);
}

/** The offer in a text frame, or `undefined` when the frame is not a well-formed offer. */
export function parseOffer(text: string): RecoveryOffer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const body = (parsed as Record<string, unknown> | null)?.[RECOVER_KEY];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { session, position } = body as Record<string, unknown>;
  if ((session !== undefined && typeof session !== 'string') || (position !== undefined && typeof position !== 'string')) return undefined;
  return { ...(session ? { session } : {}), ...(position ? { position } : {}) };
}

/** The control element that leads every logged message to a recovering client. */
export const POSITION_TAG = 'hx-ws-pos';
/** The control element that answers an offer. */
export const SESSION_TAG = 'hx-ws-session';

/** `<hx-ws-pos p="POSITION"></hx-ws-pos>`, the position escaped. */
export function formatPosition(position: string): string {
  return `<${POSITION_TAG} p="${escapeText(position)}"></${POSITION_TAG}>`;
}

/**
 * The answer to an offer:
 * `<hx-ws-session id="ID" recovered="true|false" p="POSITION"></hx-ws-session>`, where `p` is the
 * position the messages that follow come after. A server without recovery answers with neither
 * `id` nor `p` and `recovered="false"`.
 */
export function formatSession(id: string | undefined, recovered: boolean, position?: string): string {
  const idAttr = id ? ` id="${escapeText(id)}"` : '';
  const pAttr = position ? ` p="${escapeText(position)}"` : '';
  return `<${SESSION_TAG}${idAttr} recovered="${recovered}"${pAttr}></${SESSION_TAG}>`;
}

const POSITION = new RegExp(`^<${POSITION_TAG} p="([^"]*)"></${POSITION_TAG}>`);
const SESSION = new RegExp(`^<${SESSION_TAG}(?: id="([^"]*)")? recovered="(true|false)"(?: p="([^"]*)")?></${SESSION_TAG}>`);
const unescape = (text: string): string => text.replace(ENTITY, (_, e: string) => UNESCAPES[e]!);

/** Whether a message may begin with a recovery control (a cheap test before {@link takeRecoveryControls}). */
export function mayHaveRecoveryControls(data: string): boolean {
  return data.startsWith(`<${POSITION_TAG} `) || data.startsWith(`<${SESSION_TAG}`);
}

/** Splits a leading `<hx-ws-session>` or `<hx-ws-pos>` off a message. */
export function takeRecoveryControls(data: string): {
  session?: { id?: string; recovered: boolean; position?: string };
  position?: string;
  rest: string;
} {
  let m = SESSION.exec(data);
  if (m) {
    const session = { ...(m[1] ? { id: unescape(m[1]) } : {}), recovered: m[2] === 'true', ...(m[3] ? { position: unescape(m[3]) } : {}) };
    return { session, rest: data.slice(m[0].length) };
  }
  m = POSITION.exec(data);
  if (m) return { position: unescape(m[1]!), rest: data.slice(m[0].length) };
  return { rest: data };
}

const COUNTER_POSITION = /^(.+):(\d+)$/;
const STREAM_POSITION = /^(\d+)-(\d+)$/;

/**
 * Orders two positions of one log: negative, 0 or positive as `a` is before, at or after `b`;
 * `null` when they belong to different logs (a restarted server, another log format). Two forms:
 * `EPOCH:N` (the in-memory log; same epoch, then N) and `MS-SEQ` (a Redis stream id).
 */
export function comparePositions(a: string, b: string): number | null {
  let ma = COUNTER_POSITION.exec(a);
  let mb = COUNTER_POSITION.exec(b);
  if (ma && mb) return ma[1] === mb[1] ? Number(ma[2]) - Number(mb[2]) : null;
  ma = STREAM_POSITION.exec(a);
  mb = STREAM_POSITION.exec(b);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]);
  return null;
}
