/**
 * The Redis adapter's stream entries: what an entry of `<prefix>:log` holds ({@link StreamEntry}),
 * how it is parsed and written, and the order of stream ids.
 *
 * @module
 */

/** Whether stream id `a` comes after `b` (ids are `<ms>-<seq>`). */
export function idAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
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
