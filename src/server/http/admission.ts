/// <reference types="node" />
/**
 * Which upgrade requests the server takes ({@link Admission}): its path, then the Host and Origin
 * (the rules are in origin.ts), then the connection counts. The others are answered with an HTTP
 * error instead of a socket: 403 for a Host or Origin it does not allow, 503 and 429 over the
 * connection limits, and 404 for an upgrade to a path that no `upgrade` listener takes (without
 * it, a page whose socket path is wrong waits forever for an answer that never comes). The app
 * hears of the 403 and 404 refusals, and of those by `authenticate` (http/authenticate.ts, run
 * after these checks), as an {@link UpgradeRefusedError}.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostChecker, originChecker, type OriginOptions } from './origin.js';

/** Which upgrade requests a server takes: an exact pathname or a predicate on it. */
export type PathOption = string | ((pathname: string, req: IncomingMessage) => boolean);

/**
 * HTTP status of a refused upgrade the app hears of: 403 for its Host or Origin, 404 for a path
 * nobody serves; from `authenticate`: 401 or 403 (its refusal), 500 (it threw something else),
 * 503 (it did not answer within `authenticateTimeoutMs`).
 */
export type UpgradeRefusalStatus = 401 | 403 | 404 | 500 | 503;

/**
 * An upgrade request was answered with an HTTP error instead of a socket. It reaches the app's
 * `onError` with no connection (`ctx` is undefined): none was made.
 */
export class UpgradeRefusedError extends Error {
  /** The HTTP status the upgrade got. */
  readonly status: UpgradeRefusalStatus;
  /** The request's pathname (no query string). */
  readonly path: string;
  /** The request's Origin header, if it had one. */
  readonly origin: string | undefined;
  /** The request's Host header, if it had one. */
  readonly host: string | undefined;

  /**
   * @param details status, pathname, Origin and Host of the refused request
   * @param message why, in words; by default a sentence built from the status and path
   */
  constructor(details: { status: UpgradeRefusalStatus; path: string; origin?: string; host?: string }, message?: string, options?: ErrorOptions) {
    super(message ?? `upgrade to ${details.path} refused (${details.status})`, options);
    this.name = 'UpgradeRefusedError';
    this.status = details.status;
    this.path = details.path;
    this.origin = details.origin;
    this.host = details.host;
  }
}

/** What {@link Admission} reads of the server options (documented on `HxWsServerOptions`). */
export interface AdmissionOptions extends OriginOptions {
  path?: PathOption;
  unclaimedUpgradeMs?: number | null;
  allowedHosts?: readonly string[];
  addressOf?: (req: IncomingMessage) => string;
}

/** The HTTP statuses an upgrade can be refused with. */
type RefusalStatus = 401 | 403 | 404 | 429 | 500 | 503;

const STATUS_TEXT: Record<RefusalStatus, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with an HTTP error status and drops the socket. */
function refuse(socket: Duplex, status: RefusalStatus): void {
  const text = STATUS_TEXT[status];
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  socket.once('finish', () => socket.destroy());
}

/** The URL's pathname, without the query string. */
function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

/** A test for the `path` option; every request passes when it is not set. */
function pathMatcher(path: PathOption | undefined): (pathname: string, req: IncomingMessage) => boolean {
  if (path === undefined) return () => true;
  if (typeof path === 'function') return path;
  return (pathname) => pathname === path;
}

/** Which rule refused the upgrade, as the refusal message describes it. */
type OriginRule = 'same-origin' | 'list' | 'function' | 'missing' | 'host';

/** The 403 error for an upgrade refused for its Origin, saying how to allow it. */
function originRefusal(req: IncomingMessage, path: string, rule: OriginRule): UpgradeRefusedError {
  const origin = req.headers.origin;
  const host = req.headers.host;
  const quoted = JSON.stringify(origin);
  let why: string;
  if (rule === 'host') why = `Host ${JSON.stringify(host)} is not in attachHxWs({ allowedHosts })`;
  else if (rule === 'missing') why = 'the request has no Origin header and allowMissingOrigin is false';
  else if (rule === 'function') why = `the origins function refused Origin ${quoted}`;
  else if (rule === 'list') why = `Origin ${quoted} is not in attachHxWs({ origins }); add it there to allow it`;
  else {
    why = `Origin ${quoted} is not the server's own (Host ${host ?? 'missing'}); add it to attachHxWs({ origins: [...] }) to allow it`;
  }
  return new UpgradeRefusedError({ status: 403, path, origin, host }, `upgrade to ${path} refused (403): ${why}`);
}

/** The 404 error for an upgrade no listener took. */
function pathRefusal(req: IncomingMessage, path: string, served: string): UpgradeRefusedError {
  return new UpgradeRefusedError(
    { status: 404, path, origin: req.headers.origin, host: req.headers.host },
    `upgrade to ${path} refused (404): no upgrade listener serves this path (attachHxWs serves ${served})`,
  );
}

/**
 * An upgrade whose path is not ours. When our listener is the server's only `upgrade` listener
 * nobody else can take it: answer 404 now. Otherwise wait `waitMs` and answer 404 if the socket
 * is still open and no listener has written to it. Either way `report` hears of the refusal.
 * `waitMs` null leaves such upgrades alone (another listener may answer late).
 */
function refuseUnclaimed(
  server: HttpServer | HttpsServer,
  req: IncomingMessage,
  socket: Duplex,
  path: string,
  served: string,
  waitMs: number | null,
  report: (error: UpgradeRefusedError) => void,
): void {
  if (waitMs === null) return;
  const answer = (): void => {
    const written = (socket as Partial<Socket>).bytesWritten ?? 0;
    if (socket.destroyed || !socket.writable || written > 0) return;
    refuse(socket, 404);
    report(pathRefusal(req, path, served));
  };
  if (server.listenerCount('upgrade') <= 1) {
    answer();
    return;
  }
  const timer = setTimeout(answer, waitMs);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * The door of one server: decides each upgrade request, and counts open connections, in total
 * and per remote address, against their limits.
 */
export class Admission {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly matchPath: (pathname: string, req: IncomingMessage) => boolean;
  private readonly hostAllowed: (req: IncomingMessage) => boolean;
  private readonly originAllowed: (req: IncomingMessage) => boolean;
  private readonly addressOf: (req: IncomingMessage) => string;
  private readonly unclaimedMs: number | null;
  /** The paths served, as a refusal names them. */
  private readonly served: string;

  /**
   * @param server the HTTP(S) server whose upgrades these are
   * @param options path, Host and Origin rules, how to tell a client's address
   * @param limits most connections in all, and from one address
   * @param report where refusals the app hears of go (its `onError`, with no connection)
   * @param counted told the status of the refusals the app does not hear of (429, 503), for the stats
   * @throws {TypeError} when an `origins` entry is not an http(s) origin
   */
  constructor(
    private readonly server: HttpServer | HttpsServer,
    private readonly options: AdmissionOptions,
    private readonly limits: { readonly maxConnections: number; readonly maxConnectionsPerAddress: number },
    private readonly report: (error: UpgradeRefusedError) => void,
    private readonly counted?: (status: number) => void,
  ) {
    this.matchPath = pathMatcher(options.path);
    this.hostAllowed = hostChecker(options.allowedHosts);
    this.originAllowed = originChecker(options);
    this.addressOf = options.addressOf ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? '');
    this.unclaimedMs = options.unclaimedUpgradeMs === undefined ? 3000 : options.unclaimedUpgradeMs;
    this.served = typeof options.path === 'string' ? options.path : 'the paths its path function accepts';
  }

  /**
   * Decides an upgrade request. Admitted, it counts against the limits until `socket` closes;
   * refused, it has been answered (or left to another listener) and reported.
   * @returns whether to upgrade it
   */
  admit(req: IncomingMessage, socket: Duplex): boolean {
    const pathname = pathnameOf(req.url);
    if (!this.matchPath(pathname, req)) {
      refuseUnclaimed(this.server, req, socket, pathname, this.served, this.unclaimedMs, this.report);
      return false;
    }
    const host = this.hostAllowed(req);
    if (!host || !this.originAllowed(req)) {
      refuse(socket, 403);
      this.report(originRefusal(req, pathname, host ? this.originRule(req) : 'host'));
      return false;
    }
    const refusal = this.count(this.addressOf(req), socket);
    if (refusal) {
      refuse(socket, refusal);
      this.counted?.(refusal);
      return false;
    }
    return true;
  }

  /**
   * `authenticate` refused an upgrade that {@link admit} let through: answered with `status`
   * (nothing else is said to the client) and reported with `reason`.
   */
  refuseAuthentication(req: IncomingMessage, socket: Duplex, status: 401 | 403 | 500 | 503, reason: string, cause?: unknown): void {
    const path = pathnameOf(req.url);
    if (!socket.destroyed && socket.writable) refuse(socket, status);
    this.report(
      new UpgradeRefusedError(
        { status, path, origin: req.headers.origin, host: req.headers.host },
        `upgrade to ${path} refused (${status}) by authenticate: ${reason}`,
        cause === undefined ? undefined : { cause },
      ),
    );
  }

  private originRule(req: IncomingMessage): OriginRule {
    const { origins } = this.options;
    return typeof origins === 'function' ? 'function' : req.headers.origin === undefined ? 'missing' : origins ? 'list' : 'same-origin';
  }

  /**
   * Counts a new connection from `address` if the limits allow it, until `socket` closes.
   * @returns undefined when admitted, else the status to refuse it with
   */
  private count(address: string, socket: Duplex): RefusalStatus | undefined {
    if (this.total >= this.limits.maxConnections) return 503;
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.limits.maxConnectionsPerAddress) return 429;
    this.total += 1;
    this.perAddress.set(address, count + 1);
    // `on`, not `once`: a socket closes once, and `once` would add a wrapper, a bound function
    // and its state to every connection.
    socket.on('close', () => this.release(address));
    return undefined;
  }

  private release(address: string): void {
    this.total -= 1;
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count > 0) this.perAddress.set(address, count);
    else this.perAddress.delete(address);
  }
}
