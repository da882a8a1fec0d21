/// <reference types="node" />
/**
 * Recovery across processes: the Redis adapter's {@link RecoveryStore} ({@link RedisRecoveryStore},
 * the pair of the in-memory `MemoryRecoveryStore`). The log is the adapter's
 * stream (`<prefix>:log`; positions are its entry ids, one order for every process), and each
 * session is a hash `<prefix>:session:<id>` (rooms, data, connection ids, the live connection)
 * with a sorted set `<prefix>:session:<id>:req` of the request ids the handler was given, both
 * expiring `maxDisconnectionMs` after the session's last socket closed (while one is open, a
 * timer keeps them alive, so a process that dies leaves its sessions usable for the window).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { comparePositions, type RecoveryOffer } from '../../protocol.js';
import { errorOf } from '../errors.js';
import { positive, type LogEntry, type LogMessage, type RecoveryOptions, type RecoverySession, type RecoveryStore, type Resumption } from '../recovery/recovery-store.js';
import { idAfter, parseEntry, type StreamMessage } from './stream-entry.js';

/** What the adapter lends its store. */
export interface StreamLink {
  /** The adapter's command connection. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly streamKey: string;
  readonly serverId: string;
  /** The last stream id this process's reader has read (and fed). */
  position(): string | undefined;
  /** Adds a message to the stream. @returns its id */
  add(message: StreamMessage): Promise<string>;
  /** Reports a failure to the app's `onError`. */
  error(error: Error): void;
}

/** The store, with what the adapter calls when it closes. */
export interface RedisRecoveryStore extends RecoveryStore {
  /** Stops keeping this process's open sessions alive; resolves once every save sent was answered. */
  close(): Promise<void>;
}

/**
 * Keys: session hash, request ids. Args: connection id, ttl, owner ('' for none). Takes the
 * session over, if it exists and the same owner opened it.
 */
const TAKE_OVER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if (redis.call('HGET', KEYS[1], 'owner') or '') ~= ARGV[3] then return false end
local conns = redis.call('HGET', KEYS[1], 'conns') or ''
if conns == '' then conns = ARGV[1] else conns = conns .. ' ' .. ARGV[1] end
redis.call('HSET', KEYS[1], 'live', ARGV[1], 'conns', conns)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {redis.call('HGET', KEYS[1], 'rooms') or '[]', redis.call('HGET', KEYS[1], 'data') or '{}', conns}`;

/**
 * Keys: session hash, request ids. Args: connection id, rooms, data, conns, live, ttl. Saves the
 * session unless another connection has taken it over since.
 */
const SAVE_SCRIPT = `
local live = redis.call('HGET', KEYS[1], 'live')
if live and live ~= '' and live ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rooms', ARGV[2], 'data', ARGV[3], 'conns', ARGV[4], 'live', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1`;

/** Keys: request ids. Args: id, score, most kept, ttl. 1 the first time an id is seen, else 0. */
const FIRST_SCRIPT = `
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then return 0 end
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[3])
if n > max then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

interface SessionScripts {
  hxwsTakeOver(hash: string, requests: string, connectionId: string, ttl: number, owner: string): Promise<[string, string, string] | null>;
  hxwsSave(hash: string, requests: string, ...args: (string | number)[]): Promise<number>;
  hxwsFirst(requests: string, id: string, score: number, max: number, ttl: number): Promise<number>;
}

const STREAM_ID = /^\d+-\d+$/;
/** Entries one `since` returns at most. */
const BATCH = 500;

/** `XINFO STREAM`'s flat reply as a map. */
function infoOf(reply: unknown): Map<string, unknown> {
  const info = new Map<string, unknown>();
  const flat = reply as unknown[];
  for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
  return info;
}

/**
 * Whether the stream still holds everything after `position`, from `XINFO STREAM` and whether
 * the entry at `position` is still there. Entries leave the stream by trimming, from the start:
 * while the entry at a position is there, so is every one after it. A position no longer there
 * is held only if nothing was ever removed (`entries-added` equals `length`); `max-deleted-entry-id`
 * covers an entry removed after it by `XDEL`.
 */
function holds(info: Map<string, unknown>, position: string, present: boolean): boolean {
  const last = String(info.get('last-generated-id') ?? '0-0');
  if ((comparePositions(position, last) ?? 1) > 0) return false; // not a position of this log
  const deleted = String(info.get('max-deleted-entry-id') ?? '0-0');
  if ((comparePositions(deleted, position) ?? 1) > 0) return false;
  return present || Number(info.get('entries-added')) === Number(info.get('length'));
}

/** Creates the store on the adapter's link; see the module's description. */
export function redisRecoveryStore(link: StreamLink, options: RecoveryOptions): RedisRecoveryStore {
  for (const name of ['maxLogMessages', 'maxLogBytes'] as const) {
    if (options[name] !== undefined) {
      throw new RangeError(`hx-ws recovery: ${name} does not apply with the Redis adapter (its stream is the log): set redisAdapter({ maxLen }) instead`);
    }
  }
  const window = positive(options.maxDisconnectionMs, 120_000, 'maxDisconnectionMs');
  const maxRequestIds = positive(options.maxRequestIds, 10_000, 'maxRequestIds');
  const refreshMs = Math.max(50, Math.floor(window / 3));
  /** While a socket is open: the window plus one refresh, so a dead process's sessions get the whole window. */
  const liveTtl = window + refreshMs;
  const redis = link.redis as Redis & SessionScripts;
  redis.defineCommand('hxwsTakeOver', { numberOfKeys: 2, lua: TAKE_OVER_SCRIPT });
  redis.defineCommand('hxwsSave', { numberOfKeys: 2, lua: SAVE_SCRIPT });
  redis.defineCommand('hxwsFirst', { numberOfKeys: 1, lua: FIRST_SCRIPT });
  const hashOf = (id: string): string => `${link.prefix}:session:${id}`;
  const requestsOf = (id: string): string => `${link.prefix}:session:${id}:req`;
  /** This process's open sessions, by id, with their connection. */
  const live = new Map<string, { session: RecoverySession; connectionId: string }>();
  /** Saves waiting for the end of the tick, by session id. */
  const pending = new Map<string, () => void>();
  /** Saves sent and not answered yet (the adapter waits for them before it quits). */
  const inflight = new Set<Promise<void>>();
  /** Keys of `data` already reported as not JSON, per session. */
  const unsaved = new Map<string, Set<string>>();

  const refresh = setInterval(() => {
    if (live.size === 0) return;
    const batch = redis.pipeline();
    for (const id of live.keys()) batch.pexpire(hashOf(id), liveTtl).pexpire(requestsOf(id), liveTtl);
    batch.exec().catch(() => {}); // the link is down: the next tick tries again
  }, refreshMs);
  refresh.unref();

  /** `data` as JSON, each key that is not JSON left out (and reported once per session). */
  const serialize = (session: RecoverySession, data: Record<string, unknown>): string => {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        json = undefined;
      }
      if (json !== undefined) kept[key] = value;
      else {
        const reported = unsaved.get(session.id) ?? new Set<string>();
        unsaved.set(session.id, reported);
        if (reported.has(key)) continue;
        reported.add(key);
        link.error(new Error(`hx-ws recovery: ctx.data.${key} of session ${session.id} is not JSON, so it is not saved in Redis (another process restores the session without it)`));
      }
    }
    return JSON.stringify(kept);
  };

  const save = (session: RecoverySession, connectionId: string, rooms: Iterable<string>, data: Record<string, unknown>, open: boolean): void => {
    session.rooms = [...rooms];
    session.data = data;
    const args = [connectionId, JSON.stringify(session.rooms), serialize(session, data), [...session.connectionIds].join(' '), open ? connectionId : '', open ? liveTtl : window];
    const saving = redis.hxwsSave(hashOf(session.id), requestsOf(session.id), ...args).then(
      () => {},
      (error: unknown) => {
        link.error(new Error(`hx-ws recovery: session ${session.id} could not be saved in Redis: ${errorOf(error).message}`, { cause: error }));
      },
    );
    inflight.add(saving);
    void saving.finally(() => inflight.delete(saving));
  };

  /** Reads the stream after `position` (up to {@link BATCH} entries) and whether it holds it, at once. */
  const read = async (position: string, count: number): Promise<readonly LogEntry[] | null> => {
    if (!STREAM_ID.test(position)) return null;
    const key = link.streamKey;
    const replies = (await redis
      .multi()
      .call('XINFO', 'STREAM', key)
      .call('XRANGE', key, position, position)
      .call('XRANGE', key, `(${position}`, '+', 'COUNT', String(count))
      .exec()) as [Error | null, unknown][] | null;
    if (!replies) throw new Error('hx-ws recovery: the read of the log was aborted');
    const [[infoError, info], [, here], [rangeError, range]] = replies as [[Error | null, unknown], [Error | null, unknown[]], [Error | null, [string, string[]][]]];
    // No stream at all: nothing was ever logged (or Redis lost it), so only the start is held.
    if (infoError) return /no such key/i.test(infoError.message) && position === '0-0' ? [] : null;
    if (rangeError) throw rangeError;
    if (!holds(infoOf(info), position, (here ?? []).length > 0)) return null;
    const entries: LogEntry[] = [];
    const ids = new Set<string>();
    for (const [id, fields] of range) {
      const e = parseEntry(fields);
      ids.add(id);
      if (e.local && e.origin !== link.serverId) continue; // another process's own connections only
      // A message its publisher added again after a reconnect (in case Redis lost it): a page at
      // `position` had it if it was first added up to there, and else gets it from its first
      // entry when that one is still in the log.
      if (e.resentFrom !== undefined && (!idAfter(e.resentFrom, position) || ids.has(e.resentFrom))) continue;
      entries.push({ position: id, html: e.html, ...(e.room === undefined ? {} : { room: e.room }), ...(e.except === undefined ? {} : { except: e.except }), ...(e.session === undefined ? {} : { session: e.session }) });
    }
    return entries;
  };

  const newSession = async (connectionId: string, owner: string | undefined): Promise<RecoverySession> => {
    const session: RecoverySession = { id: randomBytes(16).toString('base64url'), connectionIds: new Set([connectionId]), rooms: [], data: {}, owner };
    const hash = hashOf(session.id);
    // The owner first: the save sets the expiry of the whole hash.
    if (owner !== undefined) await redis.hset(hash, 'owner', owner);
    await redis.hxwsSave(hash, requestsOf(session.id), connectionId, '[]', '{}', connectionId, connectionId, liveTtl);
    return session;
  };

  return {
    feeds: true,
    maxDisconnectionMs: window,

    position: () => link.position(),

    append(message: LogMessage): Promise<string | undefined> {
      return link.add(message).catch((error: unknown) => {
        const what = message.session !== undefined ? `a direct send to session ${message.session}` : 'a local message';
        link.error(new Error(`hx-ws recovery: ${what} could not be logged, so it was not sent: ${errorOf(error).message}`, { cause: error }));
        return undefined;
      });
    },

    since: (position) => read(position, BATCH),

    async resume(offer: RecoveryOffer, connectionId: string, owner?: string): Promise<Resumption> {
      if (link.position() === undefined) throw new Error('hx-ws recovery: the Redis adapter has not read the log yet');
      const held = offer.position !== undefined && (await read(offer.position, 1)) !== null;
      const old = offer.session && held ? await redis.hxwsTakeOver(hashOf(offer.session), requestsOf(offer.session), connectionId, liveTtl, owner ?? '') : null;
      if (old) {
        const [rooms, data, conns] = old;
        const session: RecoverySession = { id: offer.session!, connectionIds: new Set(conns.split(' ')), rooms: JSON.parse(rooms) as string[], data: JSON.parse(data) as Record<string, unknown>, owner };
        live.set(session.id, { session, connectionId });
        return { session, recovered: true, restored: true, from: offer.position! };
      }
      const session = await newSession(connectionId, owner);
      live.set(session.id, { session, connectionId });
      const fresh = !offer.session && held;
      return { session, recovered: fresh, restored: false, from: fresh ? offer.position! : link.position()! };
    },

    changed(session, connectionId, rooms, data) {
      if (live.get(session.id)?.connectionId !== connectionId) return;
      if (pending.has(session.id)) return;
      const flush = (): void => {
        if (pending.get(session.id) !== flush) return;
        pending.delete(session.id);
        save(session, connectionId, rooms, data, true);
      };
      pending.set(session.id, flush);
      setImmediate(flush);
    },

    keep(session, connectionId, rooms, data) {
      if (live.get(session.id)?.connectionId !== connectionId) return; // taken over by a newer connection
      pending.delete(session.id);
      live.delete(session.id);
      unsaved.delete(session.id);
      save(session, connectionId, rooms, data, false);
    },

    async firstDelivery(session: RecoverySession, id: string): Promise<boolean> {
      return (await redis.hxwsFirst(requestsOf(session.id), id, Date.now(), maxRequestIds, live.has(session.id) ? liveTtl : window)) === 1;
    },

    async close() {
      clearInterval(refresh);
      await Promise.all(inflight);
    },
  };
}
