/// <reference types="node" />
/**
 * Who is knocking, before any socket exists: the app's `authenticate(req)` run on an upgrade
 * request the door let through ({@link authenticateUpgrade}), with its deadline, and what it
 * may answer: an identity (any value; it becomes `ctx.user`) or a refusal
 * ({@link AuthRefusal}), which becomes a plain HTTP 401 or 403 answer. Also the identity's key
 * ({@link defaultUserKey}), by which recovery sessions, chunked-upload resumes and request-id
 * deduplication are bound to the user who opened them.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

/** The statuses the app may refuse an upgrade with. */
export type AuthRefusalStatus = 401 | 403;

/**
 * Thrown (or returned) by `authenticate` to refuse an upgrade: the request gets the HTTP
 * `status` and no socket, and the app's `onError` gets an `UpgradeRefusedError` with `reason`.
 * The reason is not sent to the client (a browser cannot read an upgrade's HTTP answer anyway).
 */
export class AuthRefusal extends Error {
  /** 401 (who are you?) or 403 (not you). */
  readonly status: AuthRefusalStatus;

  /**
   * @param status 401 or 403
   * @param reason why, in words, for the app's log
   */
  constructor(status: AuthRefusalStatus, reason: string) {
    super(reason);
    this.name = 'AuthRefusal';
    if (status !== 401 && status !== 403) throw new RangeError(`hx-ws authenticate: a refusal's status is 401 or 403, got ${String(status)}`);
    this.status = status;
  }
}

/**
 * A refusal for `authenticate` to throw or return:
 * `throw refuseUpgrade(401, 'no session cookie')`.
 */
export function refuseUpgrade(status: AuthRefusalStatus, reason: string): AuthRefusal {
  return new AuthRefusal(status, reason);
}

/** The app's authentication hook, as `attachHxWs({ authenticate })` takes it. */
export type Authenticate = (req: IncomingMessage) => unknown;

/** What {@link authenticateUpgrade} decided. */
export type AuthOutcome = { user: unknown } | { status: 401 | 403 | 500 | 503; reason: string; cause?: unknown };

/**
 * Runs `authenticate(req)` with a deadline. An identity (anything but `undefined`, `null`,
 * `false` or an {@link AuthRefusal}) admits the upgrade. `undefined`, `null` and `false` are a
 * 401; a thrown or returned {@link AuthRefusal} its own status; any other throw is the app's bug,
 * a 500; no answer within `timeoutMs`, a 503.
 */
export async function authenticateUpgrade(authenticate: Authenticate, req: IncomingMessage, timeoutMs: number): Promise<AuthOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<AuthOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 503, reason: `authenticate did not answer within authenticateTimeoutMs (${timeoutMs} ms)` }), timeoutMs);
    timer.unref?.();
  });
  const decided = (async (): Promise<AuthOutcome> => {
    try {
      const user = await authenticate(req);
      if (user instanceof AuthRefusal) return { status: user.status, reason: user.message };
      if (user === undefined || user === null || user === false) return { status: 401, reason: 'authenticate returned no identity' };
      return { user };
    } catch (error) {
      if (error instanceof AuthRefusal) return { status: error.status, reason: error.message };
      const message = error instanceof Error ? error.message : String(error);
      return { status: 500, reason: `authenticate threw: ${message}`, cause: error };
    }
  })();
  try {
    return await Promise.race([decided, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The default key of an identity, by which what a user opened is bound to that user: `user.id`
 * when the identity is an object with a string or number `id`, the value itself for a string or
 * number, else its JSON. `undefined` (no `authenticate`) is the key of nobody.
 */
export function defaultUserKey(user: unknown): string | undefined {
  if (user === undefined) return undefined;
  if (typeof user === 'string') return `s:${user}`;
  if (typeof user === 'number' || typeof user === 'bigint' || typeof user === 'boolean') return `s:${String(user)}`;
  if (typeof user === 'object' && user !== null) {
    const id = (user as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return `s:${String(id)}`;
  }
  try {
    return `j:${JSON.stringify(user)}`;
  } catch {
    throw new TypeError('hx-ws: the identity authenticate returned has no `id` and is not JSON; give attachHxWs a userKey function');
  }
}
