/// <reference types="node" />

/**
 * WebSocket close codes a {@link ProtocolError} can carry.
 * - `1003` (unsupported data): the client sent something that is not the wire format.
 * - `1008` (policy violation): well-formed, but against a rule (too many files, too slow).
 * - `1009` (message too big): a frame, a file or a whole request is over a size limit.
 */
export type ProtocolCloseCode = 1003 | 1008 | 1009;

/**
 * Machine-readable name of the rule a client broke; stable, so an app can count or filter them.
 */
export type ProtocolErrorKind =
  | 'frame-too-large'
  | 'file-too-large'
  | 'request-too-large'
  | 'too-many-files'
  | 'oob-timeout'
  | 'too-slow'
  | 'frame-timeout'
  | 'too-many-fragments'
  | 'rate-limited'
  | 'invalid-json'
  | 'not-an-object'
  | 'bad-headers'
  | 'bad-descriptor'
  | 'unknown-serialization'
  | 'bad-offset'
  | 'size-mismatch'
  | 'bad-base64'
  | 'unexpected-binary'
  | 'unexpected-text';

const CODE_OF_KIND: Record<ProtocolErrorKind, ProtocolCloseCode> = {
  'frame-too-large': 1009,
  'file-too-large': 1009,
  'request-too-large': 1009,
  'too-many-files': 1008,
  'oob-timeout': 1008,
  'too-slow': 1008,
  'frame-timeout': 1008,
  'too-many-fragments': 1008,
  'rate-limited': 1008,
  'invalid-json': 1003,
  'not-an-object': 1003,
  'bad-headers': 1003,
  'bad-descriptor': 1003,
  'unknown-serialization': 1003,
  'bad-offset': 1003,
  'size-mismatch': 1003,
  'bad-base64': 1003,
  'unexpected-binary': 1003,
  'unexpected-text': 1003,
};

/**
 * A client broke the wire format or a limit. The connection must be closed with {@link code};
 * the message says what broke (field name, sizes) and is meant for logs, not for the client.
 */
export class ProtocolError extends Error {
  /** The WebSocket close code to close the connection with. */
  readonly code: ProtocolCloseCode;
  /** Which rule was broken. */
  readonly kind: ProtocolErrorKind;
  /** The form field the error is about, when there is one. */
  readonly field: string | undefined;

  /**
   * @param kind which rule was broken; it decides {@link code}
   * @param message what broke, for logs
   * @param field the form field concerned, if any
   */
  constructor(kind: ProtocolErrorKind, message: string, field?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.kind = kind;
    this.code = CODE_OF_KIND[kind];
    this.field = field;
  }
}

/** Whatever was thrown, as an Error (a non-Error value as its message). */
export function errorOf(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** An app hook (handler, onConnection, onClose) threw or rejected; `cause` is what it threw. */
export class HookError extends Error {
  /** Which hook failed. */
  readonly hook: 'handler' | 'onConnection' | 'onClose';

  /**
   * @param hook which hook failed
   * @param cause what it threw
   */
  constructor(hook: HookError['hook'], cause: unknown) {
    super(`hx-ws ${hook} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'HookError';
    this.hook = hook;
  }
}

/**
 * One request was refused and the socket kept: the client was sent
 * `<hx-ws-refused id="..." reason="...">` (docs/protocol.md), and the rest of the request's
 * frames are dropped unread. `cause` is the {@link ProtocolError} of the limit it broke, the
 * sink's error, or absent for the handler's own `ctx.refuse(reason)` and the request rate.
 */
export class RequestRefusedError extends Error {
  /** The request's `HX-Request-Id`. */
  readonly requestId: string;
  /** What the client was told. */
  readonly reason: string;

  /**
   * @param requestId the request's `HX-Request-Id`
   * @param reason what the client is told
   * @param cause the error behind it, if any
   */
  constructor(requestId: string, reason: string, cause?: unknown) {
    super(`hx-ws: request ${requestId} refused, the socket kept: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'RequestRefusedError';
    this.requestId = requestId;
    this.reason = reason;
  }
}
