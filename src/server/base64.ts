/**
 * The one base64 spelling accepted for an inline `file/inline-base64` body.
 *
 * @module
 */
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
