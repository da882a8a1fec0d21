/**
 * Socket URL resolution: `ws://`/`wss://` as given, `http(s)://` mapped to `ws(s)://`,
 * `//host/path`, `/path` and `path` resolved against the document's base URL with `wss` on
 * https pages and `ws` elsewhere. A forced `scheme` wins over all of these.
 */

/** The two socket schemes. */
export type SocketScheme = 'ws' | 'wss';

/** Thrown when a URL or scheme cannot be used; `part` is the offending input. */
export class SocketUrlError extends Error {
  constructor(
    message: string,
    /** The input that was refused. */
    readonly part: string,
    /** Which input was bad. */
    readonly field: 'url' | 'scheme',
  ) {
    super(message);
    this.name = 'SocketUrlError';
  }
}

/** Checks a `scheme` value: `ws`, `wss`, or empty (meaning: follow the page). */
export function parseScheme(value: string | null | undefined): SocketScheme | undefined {
  if (value == null || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'ws' || v === 'wss') return v;
  throw new SocketUrlError(`scheme "${value}" is not "ws" or "wss"`, value, 'scheme');
}

const SCHEME_RE = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Turns a `url` as written into an absolute socket URL.
 * @param raw the URL as written
 * @param scheme a forced scheme, if any
 * @param base the base URL relative URLs resolve against (default: the document's)
 */
export function resolveSocketUrl(raw: string, scheme?: SocketScheme, base: string = document.baseURI): string {
  const input = raw.trim();
  if (input === '') throw new SocketUrlError('url is empty', raw, 'url');
  const given = SCHEME_RE.exec(input)?.[1]?.toLowerCase();
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new SocketUrlError(`url "${raw}" is not a valid URL`, raw, 'url');
  }
  let proto: SocketScheme;
  if (given === undefined) {
    // Relative (`/path`, `path`, `//host/path`): the page decides, unless forced.
    proto = url.protocol === 'https:' ? 'wss' : 'ws';
  } else if (given === 'ws' || given === 'http') {
    proto = 'ws';
  } else if (given === 'wss' || given === 'https') {
    proto = 'wss';
  } else {
    throw new SocketUrlError(
      `url "${raw}" has scheme "${given}:"; use ws:, wss:, http:, https: or a relative URL`,
      raw,
      'url',
    );
  }
  if (!url.host) throw new SocketUrlError(`url "${raw}" has no host`, raw, 'url');
  url.protocol = `${scheme ?? proto}:`;
  url.hash = '';
  return url.href;
}
