/// <reference types="node" />
/** Shared builders for the server tests: wire-format frames and a fake clock. */
import { Buffer } from 'node:buffer';
import type { DecoderTimers } from '../../src/server/index.js';

/** Metadata every file descriptor carries. */
export function meta(name: string, size: number, type = 'application/octet-stream') {
  return { name, lastModified: 1485903600000, size, type };
}

/** A `file/oob` descriptor. */
export function oobFile(name: string, size: number, offset: number, type?: string) {
  return { serialization: 'file/oob', offset, ...meta(name, size, type) };
}

/** A `file/inline-text` descriptor. */
export function textFile(name: string, body: string) {
  return { serialization: 'file/inline-text', body, ...meta(name, Buffer.byteLength(body), 'text/plain') };
}

/** A `file/inline-base64` descriptor. */
export function base64File(name: string, bytes: Uint8Array) {
  return { serialization: 'file/inline-base64', body: Buffer.from(bytes).toString('base64'), ...meta(name, bytes.length) };
}

/** The HEADERS a browser client sends. */
export const HEADERS = {
  'HX-Request': 'true',
  'HX-Trigger': 'chat-form',
  'HX-Trigger-Name': null,
  'HX-Target': 'socket',
  'HX-Current-URL': 'http://127.0.0.1/',
};

/** A JSON text frame for these values (HEADERS added unless given). */
export function json(values: Record<string, unknown>): string {
  return JSON.stringify({ HEADERS, ...values });
}

/** A fake clock: timers fire only in {@link advance}. */
export class FakeClock implements DecoderTimers {
  time = 0;
  private nextId = 1;
  private readonly tasks = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }

  now(): number {
    return this.time;
  }

  /** Number of scheduled timers. */
  get scheduled(): number {
    return this.tasks.size;
  }

  /** Moves time forward by `ms`, running due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.tasks.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}
