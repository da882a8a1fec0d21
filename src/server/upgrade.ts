/// <reference types="node" />
/**
 * Which upgrade requests are ours (the path), how many may be open ({@link Admission}), and how
 * a refused one is answered.
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

/** The HTTP statuses an upgrade can be refused with. */
export type RefusalStatus = 403 | 404 | 429 | 503;

const STATUS_TEXT: Record<RefusalStatus, string> = {
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with an HTTP error status and drops the socket. */
export function refuse(socket: Duplex, status: RefusalStatus): void {
  const text = STATUS_TEXT[status];
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  socket.once('finish', () => socket.destroy());
}

/** Counts open connections, in total and per remote address, against their limits. */
export class Admission {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  /**
   * @param maxTotal most connections in all
   * @param maxPerAddress most connections from one address
   */
  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  /**
   * Counts a new connection from `address` if the limits allow it, until `socket` closes.
   * @returns undefined when admitted, else the status to refuse it with
   */
  admit(address: string, socket: Duplex): RefusalStatus | undefined {
    if (this.total >= this.maxTotal) return 503;
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.maxPerAddress) return 429;
    this.total += 1;
    this.perAddress.set(address, count + 1);
    socket.once('close', () => this.release(address));
    return undefined;
  }

  private release(address: string): void {
    this.total -= 1;
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count > 0) this.perAddress.set(address, count);
    else this.perAddress.delete(address);
  }
}
