/**
 * The reading side of the Redis adapter: one blocking `XREAD` loop on the stream, from the last
 * id this process saw, that hands each entry to the server once and in stream order, and (with
 * recovery) to the recovering connections. See redis-adapter.ts for the whole design.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { errorOf } from '../errors.js';
import type { AdapterHost } from '../hub/adapter.js';
import type { LogEntry } from '../recovery/recovery-store.js';
import { idAfter, parseEntry } from './stream-entry.js';

/** What {@link streamReader} reads with and reports to. */
export interface StreamReaderOptions {
  /** The reading connection (its own: `XREAD BLOCK` holds it). */
  sub: Redis;
  streamKey: string;
  /** `BLOCK` of each `XREAD`, in ms. */
  blockMs: string;
  /** The server the adapter serves (called once started). */
  host(): AdapterHost;
  /** Whether the adapter is closed. */
  closed(): boolean;
  /** Recovery: where every entry goes, once a store was asked for. */
  feed(): ((entry: LogEntry) => void) | undefined;
  /** The reader learnt where the stream ends (at its first connect): the adapter may be up. */
  started(): void;
  /** A command failed (the latest error, for the next state report). */
  failed(error: Error): void;
}

/** A running {@link streamReader}. */
export interface StreamReader {
  /** Last stream id this process has read; undefined until the first connect tells it. */
  readonly lastId: string | undefined;
  /** Reads until the adapter closes. */
  run(): Promise<void>;
  /** Ends a wait for the connection (on close). */
  wake(): void;
}

/** Creates the adapter's stream reader. */
export function streamReader(options: StreamReaderOptions): StreamReader {
  const { sub, streamKey, blockMs, host, closed } = options;
  let lastId: string | undefined;
  /** Where this process's reader started: a resent entry after it is for this process too. */
  let startId: string | undefined;
  /** Per publishing server: the highest sequence number read from it, and its `f` then. */
  const seen = new Map<string, { seq: number; failed: number }>();
  let wakeReader: (() => void) | undefined;

  const handleEntry = (id: string, fields: string[]): void => {
    lastId = id;
    const feed = options.feed();
    const { origin, seq: number, failed: failedBefore, resentFrom, room, except, session, local, html } = parseEntry(fields);
    const own = origin === host().serverId;
    // Recovery reads this process's own entries too, for its recovering connections.
    if (origin === undefined || (own && !feed)) return;
    const last = seen.get(origin);
    // Each entry once; a resent one only if it was first added after this reader started.
    if (last === undefined ? resentFrom !== undefined && !idAfter(resentFrom, startId!) : number <= last.seq) return;
    if (last) {
      // Numbers skipped by failed publishes were reported where they failed; any other is lost.
      const missed = number - last.seq - 1 - Math.max(0, failedBefore - last.failed);
      if (missed > 0) {
        host().error(
          new Error(`hx-ws redis adapter: ${missed} message(s) from server ${origin} before its #${number} never reached this process (trimmed from ${streamKey} unread? raise maxLen)`),
        );
      }
    }
    seen.set(origin, { seq: number, failed: failedBefore });
    // A direct send (recovery) or a local message is for the recovering connections only.
    if (!own && session === undefined && !local) host().deliver(except === undefined ? { room, html } : { room, html, except }, id);
    if (feed && (own || !local)) feed({ position: id, html, ...(room === undefined ? {} : { room }), ...(except === undefined ? {} : { except }), ...(session === undefined ? {} : { session }) });
  };

  const waitReady = (): Promise<void> =>
    new Promise((resolve) => {
      if (closed() || sub.status === 'ready') return resolve();
      wakeReader = resolve;
      sub.once('ready', () => resolve());
    });

  const run = async (): Promise<void> => {
    while (!closed()) {
      if (sub.status !== 'ready') {
        await waitReady();
        continue;
      }
      try {
        if (lastId === undefined) {
          const last = (await sub.call('XREVRANGE', streamKey, '+', '-', 'COUNT', '1')) as [string, string[]][];
          lastId = last[0]?.[0] ?? '0-0';
          startId = lastId;
          options.started();
        }
        const reply = (await sub.call('XREAD', 'COUNT', '1000', 'BLOCK', blockMs, 'STREAMS', streamKey, lastId)) as
          | [string, [string, string[]][]][]
          | null;
        if (!reply) continue;
        for (const [, entries] of reply) for (const [id, fields] of entries) handleEntry(id, fields);
      } catch (error) {
        if (closed()) break;
        const failure = errorOf(error);
        options.failed(failure);
        if (sub.status === 'ready') {
          // A reply we could not use while the link is fine: report it and go on after a pause.
          host().error(failure);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  };

  return {
    get lastId() {
      return lastId;
    },
    run,
    wake: () => wakeReader?.(),
  };
}
