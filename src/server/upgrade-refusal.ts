/// <reference types="node" />
/**
 * Upgrades the server helper turns down, and how the app hears of them: a Host or an Origin it
 * does not allow (403), and an upgrade to a path that no `upgrade` listener takes (404). Without
 * the second, a page whose socket path is wrong waits forever for an answer that never comes.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { refuse } from './upgrade.js';

/** HTTP status of a refused upgrade the app hears of: 403 for its Host or Origin, 404 for a path nobody serves. */
export type UpgradeRefusalStatus = 403 | 404;

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
  constructor(details: { status: UpgradeRefusalStatus; path: string; origin?: string; host?: string }, message?: string) {
    super(message ?? `upgrade to ${details.path} refused (${details.status})`);
    this.name = 'UpgradeRefusedError';
    this.status = details.status;
    this.path = details.path;
    this.origin = details.origin;
    this.host = details.host;
  }
}

/** Which rule refused the upgrade, as the refusal message describes it. */
export type OriginRule = 'same-origin' | 'list' | 'function' | 'missing' | 'host';

/** The 403 error for an upgrade refused for its Origin, saying how to allow it. */
export function originRefusal(req: IncomingMessage, path: string, rule: OriginRule): UpgradeRefusedError {
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
export function refuseUnclaimed(
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
