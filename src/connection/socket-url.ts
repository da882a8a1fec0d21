/**
 * Socket URL resolution: `ws://`/`wss://` as given, `http(s)://` mapped to `ws(s)://`,
 * `//host/path`, `/path` and `path` resolved against the document's base URL with `wss` on
 * https pages and `ws` elsewhere. A forced `scheme` wins over all of these.
 */
import type { Problem } from '../core/dispatch.js';

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

/**
 * When the page and the socket are on different hosts, a sentence saying so and how to fix it:
 * a server that checks Origin (as the server helper does by default) refuses such an upgrade,
 * and the browser reports it only as an error with no detail. `''` when they are on one host.
 */
export function crossOriginHint(socketUrl: string, page: { origin: string; host: string } = location): string {
  const url = parseUrl(socketUrl);
  if (!url || url.host === page.host) return '';
  return (
    `the page (${page.origin}) is on another origin than the socket (${url.protocol}//${url.host}): ` +
    `if the server checks Origin, allow ${page.origin} there (origins), or open the page on ${url.host}`
  );
}

/** `protocol//host` of a socket URL, or undefined when it does not parse. */
export function socketOrigin(socketUrl: string): string | undefined {
  const url = parseUrl(socketUrl);
  return url && `${url.protocol}//${url.host}`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The socket URL of a connection's `url` (a function is called) and `scheme` settings.
 * @returns the URL, or the problem (`bad-url`, `bad-scheme`) naming the bad part
 */
export function readSocketUrl(url: string | (() => string) | null | undefined, scheme: string | null | undefined): string | Problem {
  try {
    const raw = typeof url === 'function' ? url() : url;
    if (raw == null) throw new SocketUrlError('url is not set', String(raw), 'url');
    return resolveSocketUrl(raw, parseScheme(scheme));
  } catch (err) {
    const e = err instanceof SocketUrlError ? err : undefined;
    return { reason: e?.field === 'scheme' ? 'bad-scheme' : 'bad-url', message: e?.message ?? `url could not be read: ${String(err)}`, part: e?.part, cause: err };
  }
}
