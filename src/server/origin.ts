/// <reference types="node" />
/**
 * The Origin check of an upgrade request: an explicit list of origins, a function, or by default
 * the same-origin rule (the Origin header's host:port equals the Host header's).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

/**
 * Which origins may connect: a list of exact origins (`"https://app.example"`; compared after
 * URL normalization, so case and default ports do not matter), or a function deciding per request
 * (`origin` is undefined when the request had no Origin header).
 */
export type OriginPolicy = readonly string[] | ((origin: string | undefined, req: IncomingMessage) => boolean);

/** What {@link originChecker} reads of the server options. */
export interface OriginOptions {
  /** The allowed origins; default the same-origin rule. */
  origins?: OriginPolicy;
  /** Whether a request without an Origin header passes. Default true. */
  allowMissingOrigin?: boolean;
}

function parseOrigin(origin: string): URL | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The Origin's host:port equals the Host header's, ignoring the scheme's default port. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  const url = parseOrigin(origin);
  if (!url || !host) return false;
  let hostPort = host.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  if (hostPort.endsWith(defaultPort)) hostPort = hostPort.slice(0, -defaultPort.length);
  return url.host === hostPort;
}

/** An exact-origin test for a list of origins. */
function listChecker(policy: readonly string[]): (origin: string) => boolean {
  const list = new Set(
    policy.map((entry) => {
      const url = parseOrigin(entry);
      if (!url) throw new TypeError(`attachHxWs: origins entry ${JSON.stringify(entry)} is not an http(s) origin`);
      return url.origin;
    }),
  );
  return (origin) => {
    const url = parseOrigin(origin);
    return url !== undefined && list.has(url.origin);
  };
}

/**
 * Builds the Origin test of the server options.
 * @throws {TypeError} when an `origins` entry is not an http(s) origin
 */
export function originChecker(options: OriginOptions): (req: IncomingMessage) => boolean {
  const policy = options.origins;
  if (typeof policy === 'function') return (req) => policy(req.headers.origin, req);
  const allowMissing = options.allowMissingOrigin ?? true;
  const allowed: (origin: string, req: IncomingMessage) => boolean = policy
    ? listChecker(policy)
    : (origin, req) => isSameOrigin(origin, req.headers.host);
  return (req) => {
    const origin = req.headers.origin;
    return origin === undefined ? allowMissing : allowed(origin, req);
  };
}
