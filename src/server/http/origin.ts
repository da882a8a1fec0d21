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

/** A Host value split into its name (lowercased; `[...]` kept for IPv6) and port. */
function splitHost(host: string): { name: string; port: string | undefined } {
  const lower = host.trim().toLowerCase();
  const end = lower.startsWith('[') ? lower.indexOf(']') + 1 : lower.indexOf(':');
  if (end <= 0 || end >= lower.length) return { name: lower, port: undefined };
  return { name: lower.slice(0, end), port: lower.slice(end + 1) };
}

/**
 * Builds the Host test of the `allowedHosts` option (every host passes when it is not set): an
 * entry with a port matches that host and port, one without matches the host on any port.
 * Pinning the host is what stops DNS rebinding: the attacker's page sends its own name as Host.
 */
export function hostChecker(allowedHosts: readonly string[] | undefined): (req: IncomingMessage) => boolean {
  if (allowedHosts === undefined) return () => true;
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const entry of allowedHosts) {
    const { name, port } = splitHost(entry);
    if (port === undefined) anyPort.add(name);
    else exact.add(`${name}:${port}`);
  }
  return (req) => {
    if (req.headers.host === undefined) return false;
    const { name, port } = splitHost(req.headers.host);
    return anyPort.has(name) || exact.has(`${name}:${port ?? ''}`);
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
