/// <reference types="node" />
/**
 * The WebSocket frame header (RFC 6455 section 5.2) as the frame guard (frames.ts) reads it:
 * the data opcodes, its size and the payload length it declares.
 *
 * @module
 */
import type { Buffer } from 'node:buffer';

export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
/** The longest header: 2 bytes, an 8-byte length and a 4-byte mask. */
export const MAX_HEADER = 14;

/**
 * How many bytes the header being read has in all, from its first `have` bytes (2 until the
 * second byte, which gives the length's size and whether there is a mask, is in).
 */
export function headerSize(header: Buffer, have: number): number {
  if (have < 2) return 2;
  const len7 = header[1]! & 0x7f;
  const masked = (header[1]! & 0x80) !== 0;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
}

/** The payload length a whole header declares. */
export function payloadLength(header: Buffer): number {
  const len7 = header[1]! & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return header.readUInt16BE(2);
  const high = header.readUInt32BE(2);
  // Over 2^53: no limit can allow it; Infinity keeps the comparisons right.
  return high >= 0x200000 ? Infinity : high * 2 ** 32 + header.readUInt32BE(6);
}
