/// <reference types="node" />
/**
 * What every connection of one server shares ({@link ServerScope}), and the close reason rule.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { ConnectionContext } from './socket/connection-context.js';
import type { DecoderLimits } from './decoder/decoder-limits.js';
import type { HxWsContext } from './context.js';
import type { HxWsServerOptions } from './options.js';
import type { RecoveryStore } from './recovery/recovery-store.js';
import type { Rooms } from './hub/rooms.js';
import type { ServerLimits } from './server-limits.js';
import type { UploadStore } from './uploads/upload-store.js';
import type { Session } from './connection.js';

/** Longest close reason the protocol allows, in UTF-8 bytes. */
const MAX_REASON_BYTES = 123;

/** Cuts `text` to at most 123 UTF-8 bytes without splitting a character. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_REASON_BYTES) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_REASON_BYTES - 3) break;
    bytes += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}...`;
}

/** What every connection of one server shares. */
export interface ServerScope {
  /** The server's options, as the app gave them. */
  readonly options: HxWsServerOptions;
  /** The resolved decoder limits. */
  readonly limits: Readonly<DecoderLimits>;
  /** The resolved socket limits. */
  readonly server: Readonly<ServerLimits>;
  /** `ws`'s `maxPayload`. */
  readonly maxPayload: number;
  /** This process's rooms, and the adapter to the other processes. */
  readonly rooms: Rooms;
  /** The open connections, as the app sees them. */
  readonly clients: Set<ConnectionContext>;
  /** The open connections' sessions. */
  readonly sessions: Set<Session>;
  /** Chunked uploads in progress, and those a drop cut off. */
  readonly uploads: UploadStore;
  /** The message log and page sessions, when recovery is on. */
  readonly recovery: RecoveryStore | undefined;
  /** Hands an error to the app's `onError` (or `console.error`). */
  reportError(error: Error, ctx: HxWsContext): void;
}
