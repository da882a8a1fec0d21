/// <reference types="node" />
/**
 * Which upgrade requests are ours (the path) and how a refused one is answered.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Which upgrade requests a server takes: an exact pathname or a predicate on it. */
export type PathOption = string | ((pathname: string, req: IncomingMessage) => boolean);

/** The URL's pathname, without the query string. */
export function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

/** A test for the `path` option; every request passes when it is not set. */
export function pathMatcher(path: PathOption | undefined): (pathname: string, req: IncomingMessage) => boolean {
  if (path === undefined) return () => true;
  if (typeof path === 'function') return path;
  return (pathname) => pathname === path;
}

/** Answers an upgrade request with HTTP 403 and drops the socket. */
export function refuse(socket: Duplex, status: 403): void {
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nForbidden`);
  socket.once('finish', () => socket.destroy());
}
