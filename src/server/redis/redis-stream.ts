/**
 * The Redis adapter's stream entries and Lua scripts: what an entry of `<prefix>:log` holds and
 * how it is parsed, the presence and count scripts, and the order of stream ids.
 *
 * @module
 */
import type { Redis } from 'ioredis';

/** Keys: nodes zset, node hash. Args: ttl ms, server id, reset flag, then field/count pairs. */
export const PRESENCE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
if ARGV[3] == '1' then redis.call('DEL', KEYS[2]) end
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '0' then redis.call('HDEL', KEYS[2], ARGV[i])
  else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1`;

/** Keys: nodes zset. Args: node hash prefix. The read positions (`l`) of the live nodes. */
export const READ_POSITIONS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  out[#out + 1] = redis.call('HGET', ARGV[1] .. id, 'l') or '0-0'
end
return out`;

/** Keys: nodes zset. Args: node hash prefix, field. Sums the field over live nodes. */
export const COUNT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local total = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HGET', ARGV[1] .. id, ARGV[2])
  if v then total = total + tonumber(v) end
end
return total`;

export interface ScriptedRedis extends Redis {
  hxwsPresence(nodes: string, hash: string, ...args: (string | number)[]): Promise<number>;
  hxwsCount(nodes: string, hashPrefix: string, field: string): Promise<number>;
  hxwsReadPositions(nodes: string, hashPrefix: string): Promise<string[]>;
}

/** The presence hash field for a room (`r:<room>`), or `a` for every connection. */
export function fieldOf(room: string | undefined): string {
  return room === undefined ? 'a' : `r:${room}`;
}

/** Whether stream id `a` comes after `b` (ids are `<ms>-<seq>`). */
export function idAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

/** Whatever was thrown, as an Error. */
export function errorOf(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * What one entry of the stream carries. Fields: `o` origin server, `s` its sequence number,
 * `f` how many of its publishes had failed before, `p` (a resent entry) the id it first had,
 * `h` the HTML, `r` the room, `x` the connection to skip, `n` (recovery) the session of a
 * direct send, `l` (recovery) `1` for a message to the origin's own connections only.
 */
export interface StreamEntry {
  origin?: string;
  seq: number;
  failed: number;
  resentFrom?: string;
  room?: string;
  except?: string;
  session?: string;
  local: boolean;
  html: string;
}

/** What the adapter adds to the stream: a published message, or (recovery) a logged one. */
export interface StreamMessage {
  readonly room?: string;
  readonly html: string;
  readonly except?: string;
  readonly session?: string;
  readonly local?: boolean;
}

/** Parses an entry's flat field list. */
export function parseEntry(fields: readonly string[]): StreamEntry {
  const entry: StreamEntry = { seq: 0, failed: 0, local: false, html: '' };
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'o':
        entry.origin = value;
        break;
      case 'r':
        entry.room = value;
        break;
      case 'x':
        entry.except = value;
        break;
      case 'h':
        entry.html = value;
        break;
      case 's':
        entry.seq = Number(value);
        break;
      case 'p':
        entry.resentFrom = value;
        break;
      case 'f':
        entry.failed = Number(value);
        break;
      case 'n':
        entry.session = value;
        break;
      case 'l':
        entry.local = value === '1';
        break;
    }
  }
  return entry;
}

/** The optional fields of a message, for `XADD`. */
export function messageFields(message: StreamMessage): string[] {
  const fields: string[] = [];
  if (message.room !== undefined) fields.push('r', message.room);
  if (message.except !== undefined) fields.push('x', message.except);
  if (message.session !== undefined) fields.push('n', message.session);
  if (message.local) fields.push('l', '1');
  return fields;
}
