// Helpers shared by the send / values / files tests (not a test file itself).
import { expect, fixture, html } from '@open-wc/testing';
import type { TemplateResult } from 'lit';
import '../../src/index.js';
import type { HxWsConnectElement } from '../../src/elements/connect-element.js';
import type { HxWsSendElement } from '../../src/elements/send-element.js';
import { Channel } from './server.js';
import { next } from './events.js';

export { Channel, next };

/** An open `<hx-ws-connect id="conn">` around `inner`, and its first `<hx-ws-send>`. */
export async function page(inner: TemplateResult, ch = new Channel()): Promise<{ ch: Channel; conn: HxWsConnectElement; sender: HxWsSendElement }> {
  const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect id="conn" url=${ch.path()}>${inner}</hx-ws-connect>`);
  conn.reconnectDelay = () => 0;
  await next(conn, 'hx-ws-open');
  return { ch, conn, sender: conn.querySelector('hx-ws-send')! };
}

/** The JSON objects of the first `count` frames (all text). */
export async function sentJson(ch: Channel, count = 1): Promise<Record<string, unknown>[]> {
  const frames = await ch.waitFrames(count);
  return frames.slice(0, count).map((f) => {
    expect(f.binary, 'a JSON frame is text').to.equal(false);
    return JSON.parse(f.text!) as Record<string, unknown>;
  });
}

/** The values of a JSON frame without its `HEADERS`. */
export function withoutHeaders(json: Record<string, unknown>): Record<string, unknown> {
  const { HEADERS: _h, ...rest } = json;
  void _h;
  return rest;
}

/**
 * Proves that nothing reached the server so far: a marker sent through the same socket later
 * must be the only frame the server recorded.
 */
export async function expectNothingSent(ch: Channel, conn: HxWsConnectElement): Promise<void> {
  await sleep(50);
  conn.send('marker');
  await ch.waitFrames(1);
  await sleep(30);
  expect((await ch.frames()).map((f) => f.text ?? `<binary ${f.size}>`)).to.deep.equal(['marker']);
}

/** Puts files in a file input, as a user picking them would. */
export function setFiles(input: HTMLInputElement, ...files: File[]): void {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(f);
  input.files = dt.files;
}

/** A file with the given bytes. */
export function bytesFile(name: string, bytes: Uint8Array, type = 'application/octet-stream', lastModified = 1_700_000_000_000): File {
  return new File([bytes as BlobPart], name, { type, lastModified });
}

/** A text file. */
export function textFile(name: string, text: string, type = 'text/plain', lastModified = 1_700_000_000_000): File {
  return new File([text], name, { type, lastModified });
}

/** Hex SHA-256 of a blob's bytes. */
export async function sha256(data: Blob | ArrayBuffer): Promise<string> {
  const buf = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Base64 the slow, obvious way (to check the library's fast one against). */
export function slowBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Waits `ms` milliseconds (only where a time window itself is what is tested). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `photo.bin`, `size` bytes of a fixed pattern (binary: sent as base64 by the inline encoding). */
export function binaryFile(size: number): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + (i >> 8)) & 0xff;
  return new File([bytes], 'photo.bin', { type: 'application/octet-stream' });
}
