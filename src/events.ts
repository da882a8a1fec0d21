/**
 * Every event hx-ws-elements dispatches, in one module.
 *
 * Naming: `hx-ws-<step>` in kebab case, on the element that owns the step (the connecting element
 * for socket and swap events, the sending element for send events). All bubble and are composed,
 * so a listener on `document` hears events from inside shadow roots too.
 *
 * With the htmx feature loaded (`hx-ws-elements/htmx`) and `window.htmx` on the page, each event
 * is followed by its htmx twin (`htmx:wsOpen`, `htmx:oobAfterSwap`, ...), a `CustomEvent` whose
 * `detail` has the shape htmx listeners expect. Cancelling either cancels the step.
 *
 * This module is the catalogue only: the classes, their map and the error reasons.
 */

/** Why an {@link HxWsErrorEvent} was fired. */
export type HxWsErrorReason =
  /** The `url` (or what the `url` function returned) could not be turned into a socket URL. */
  | 'bad-url'
  /** `scheme` is neither `ws` nor `wss`. */
  | 'bad-scheme'
  /** A part of an `hx-ws` attribute is not understood. */
  | 'bad-grammar'
  /** The socket reported an error (the browser gives no detail). */
  | 'socket'
  /**
   * The socket has not opened within `connect-timeout` (nothing answered the upgrade): the
   * attempt is dropped and retried like a 1006 close; queued requests stay queued.
   */
  | 'connect-timeout'
  /** A message could not be swapped (for example, a selector that is not valid CSS). */
  | 'swap'
  /** The send queue was full: the dropped request is on the event. */
  | 'queue-overflow'
  /**
   * The socket closed before every byte of a request had left the browser. When the server
   * closed it, the message ends with its close code and reason.
   */
  | 'send-interrupted'
  /**
   * The server closed the socket with a code that signals a problem (anything but 1000, 1001,
   * 1005, 1006, 1012 and 1013) while no request was in flight; the message gives the code and
   * the server's reason. `request` is the last request sent on that socket, if any: after a
   * 1003, 1008 or 1009 from the server helper, the one it refused.
   */
  | 'server-closed'
  /**
   * Ack mode (`<hx-ws-connect ack>`): the socket closed before the server acknowledged the
   * request. It may or may not have reached the server's handler; it is not sent again.
   */
  | 'send-unconfirmed'
  /**
   * The server refused one request and kept the socket (`<hx-ws-refused>`, ack or recover mode):
   * a file over its size limit, too many files, a request too big, a file it could not store, or
   * the app's own `ctx.refuse(reason)`. The message and `part` give the server's reason; the
   * request is on the event. It is not sent again, and what was left of a chunked upload of it
   * is not sent.
   */
  | 'request-refused'
  /**
   * A chunked upload (`chunk-size`) was cut off by a drop and, after reconnecting, the server no
   * longer had it (its resume window ended, or another server answered): its files are sent
   * again from the start. The request is on the event.
   */
  | 'upload-restarted'
  /** The element was removed (or the shim stopped) with requests still queued. */
  | 'send-abandoned'
  /**
   * Recovery mode (`<hx-ws-connect recover>`): the server answered the offer without a session
   * (recovery is off there), or did not answer it within `connect-timeout`; the connection
   * carries on in ack mode, without recovery.
   */
  | 'no-recovery'
  /** `idle-timeout`: an open socket received nothing for that long; it is dropped and reconnected. */
  | 'idle-timeout'
  /**
   * A setting or attribute needs a feature module the page has not imported (`recover` needs
   * `hx-ws-elements/recovery`, ...). Said once per element and setting; the message names the
   * import. The element goes on without the feature.
   */
  | 'feature-missing'
  /** `vals` / `hx-vals` is not a JSON object. */
  | 'bad-vals'
  /** `headers` / `hx-headers` is not a JSON object. */
  | 'bad-headers'
  /** `params` / `hx-params` is not one of the known forms. */
  | 'bad-params'
  /** `include` / `hx-include` is not a valid selector. */
  | 'bad-include'
  /** `encoding` / `hx-encoding` is not a known encoding. */
  | 'bad-encoding'
  /** `trigger` / `hx-trigger` could not be parsed. */
  | 'bad-trigger'
  /** `max-file-size` or `max-files` is not a size / a whole number. */
  | 'bad-limit'
  /** A file was refused by `accept`, `max-file-size` or `max-files`. */
  | 'file-rejected'
  /** A file could not be read (inline encodings). */
  | 'file-read'
  /**
   * The element sits inside an `hx-disable` (or `data-hx-disable`) element: it opens no socket
   * and sends nothing. Reported once per element, with a `console.warn`.
   */
  | 'disabled'
  /**
   * A `js:` / `javascript:` value (`hx-vals`, `hx-headers`) or an `hx-vars` value was left out
   * because evaluation is off (`config.allowEval`) or the eval feature (`hx-ws-elements/eval`)
   * is not loaded; the rest of the request was sent.
   */
  | 'eval-disallowed';

/** A request as it goes to the socket: the JSON frame, then binary frames (oob files). */
export interface OutgoingRequest {
  /** A number unique within the page, in the order requests were made. */
  readonly id: number;
  /** The element that made the request (an `<hx-ws-send>` or an `hx-ws="send"` element). */
  readonly source: Element;
  /** The form values sent, `HEADERS` excluded. */
  readonly values: Record<string, unknown>;
  /** The `HEADERS` object sent. */
  readonly headers: Record<string, string>;
  /** The JSON text frame, then one `Blob` per out-of-band file, in offset order. */
  readonly frames: readonly (string | Blob)[];
  /** Bytes of all frames together (the JSON text measured in UTF-8). */
  readonly bytes: number;
}

/** The common base: bubbling and composed. */
export abstract class HxWsEvent extends Event {
  constructor(type: string, cancelable = false) {
    super(type, { bubbles: true, composed: true, cancelable });
  }
}


/** Fired when a socket is about to be opened (first time and every reconnect). */
export class HxWsConnectingEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-connecting';
  constructor(
    /** The resolved socket URL. */
    readonly url: string,
    /** How many reconnect attempts came before this one since the last open (0 the first time). */
    readonly retryCount: number,
  ) {
    super(HxWsConnectingEvent.eventName);
  }
}

/** Fired when the socket is open. */
export class HxWsOpenEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-open';
  constructor(
    /** The open socket. */
    readonly socket: WebSocket,
    /**
     * Recovery mode: whether the server carried on the page's session (every message missed
     * while down follows, and unacknowledged requests were sent again); `false` for a new
     * session (the server sends a fresh snapshot). `undefined` outside recovery mode.
     */
    readonly recovered?: boolean,
  ) {
    super(HxWsOpenEvent.eventName);
  }
}

/** Fired when the socket has closed, whoever closed it. */
export class HxWsCloseEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-close';
  constructor(
    /** The close code (1006 when the connection dropped with no close frame). */
    readonly code: number,
    /** The close reason the peer gave, if any. */
    readonly reason: string,
    /**
     * The browser's `CloseEvent.wasClean`. For a close the page asked for (removal, `close()`,
     * `reconnect()`) the event fires at once, before the handshake, and says `true`.
     */
    readonly wasClean: boolean,
    /** Milliseconds until the next attempt, or `null` when no reconnect follows. */
    readonly reconnectDelay: number | null,
  ) {
    super(HxWsCloseEvent.eventName);
  }
  /** Whether a reconnect has been scheduled. */
  get willReconnect(): boolean {
    return this.reconnectDelay !== null;
  }
}

/** Fired for every problem: bad configuration, bad input, socket errors, lost requests. */
export class HxWsErrorEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-error';
  constructor(
    /** What went wrong, as a stable code. */
    readonly reason: HxWsErrorReason,
    /** A sentence that names the bad part. */
    readonly message: string,
    /** More about it. */
    readonly info: {
      /** The offending input (attribute value, URL, selector, ...). */
      part?: string;
      /** The request that was dropped or cut short. */
      request?: OutgoingRequest;
      /** The file that was refused. */
      file?: File;
      /** The underlying error, if one was thrown. */
      cause?: unknown;
    } = {},
  ) {
    super(HxWsErrorEvent.eventName);
  }
  /** Shorthand for `info.part`. */
  get part(): string | undefined {
    return this.info.part;
  }
  /** Shorthand for `info.request`. */
  get request(): OutgoingRequest | undefined {
    return this.info.request;
  }
}

/** Fired before a received message is swapped. Cancel it to handle the message yourself. */
export class HxWsBeforeMessageEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-before-message';
  constructor(
    /** The message: a string for text frames, an `ArrayBuffer` or `Blob` for binary ones. */
    readonly data: string | ArrayBuffer | Blob,
  ) {
    super(HxWsBeforeMessageEvent.eventName, true);
  }
}

/** Fired after a received message was handled (swapped, or left alone). */
export class HxWsAfterMessageEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-after-message';
  constructor(
    /** The message. */
    readonly data: string | ArrayBuffer | Blob,
    /** Whether the message was parsed and swapped (false for binary and cancelled messages). */
    readonly swapped: boolean,
  ) {
    super(HxWsAfterMessageEvent.eventName);
  }
}

/**
 * Fired before a request is built. Cancel it to send nothing; change `values` or `headers` in
 * place to change what is sent.
 */
export class HxWsConfigSendEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-config-send';
  constructor(
    /** The values to send (mutable). */
    readonly values: Record<string, unknown>,
    /** The `HEADERS` to send (mutable). */
    readonly headers: Record<string, string>,
    /** The event that triggered the send, if any. */
    readonly triggeringEvent: Event | null,
  ) {
    super(HxWsConfigSendEvent.eventName, true);
  }
}

/** Fired when a request is about to go to the socket. Cancel it to send nothing. */
export class HxWsBeforeSendEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-before-send';
  constructor(
    /** The request. */
    readonly request: OutgoingRequest,
  ) {
    super(HxWsBeforeSendEvent.eventName, true);
  }
}

/** Fired when every frame of a request has been handed to the socket. */
export class HxWsAfterSendEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-after-send';
  constructor(
    /** The request. */
    readonly request: OutgoingRequest,
  ) {
    super(HxWsAfterSendEvent.eventName);
  }
}

/** Fired while a request's bytes leave the browser, until `loaded === total`. */
export class HxWsUploadProgressEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-upload-progress';
  constructor(
    /** The request. */
    readonly request: OutgoingRequest,
    /** Bytes handed to the network so far. */
    readonly loaded: number,
    /** Bytes of the whole request. */
    readonly total: number,
  ) {
    super(HxWsUploadProgressEvent.eventName);
  }
  /** `loaded / total`, from 0 to 1. */
  get fraction(): number {
    return this.total === 0 ? 1 : this.loaded / this.total;
  }
}

/** Fired before one fragment is swapped into its target. Cancel it to skip that fragment. */
export class HxWsOobBeforeSwapEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-oob-before-swap';
  constructor(
    /** The element the fragment will be swapped into. */
    readonly swapTarget: Element,
    /** The top-level element of the message. */
    readonly fragment: Element,
    /** The swap style (`outerHTML`, `beforeend`, ...). */
    readonly swapStyle: string,
  ) {
    super(HxWsOobBeforeSwapEvent.eventName, true);
  }
}

/** Fired after one fragment was swapped into its target. */
export class HxWsOobAfterSwapEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-oob-after-swap';
  constructor(
    /** The element the fragment was swapped into (for `outerHTML`, the element it replaced). */
    readonly swapTarget: Element,
    /** The top-level element of the message. */
    readonly fragment: Element,
    /** The swap style used. */
    readonly swapStyle: string,
  ) {
    super(HxWsOobAfterSwapEvent.eventName);
  }
}

/** Fired when a fragment names no element on the page (or has neither id nor selector). */
export class HxWsOobErrorNoTargetEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-oob-error-no-target';
  constructor(
    /** The top-level element of the message that found no target. */
    readonly fragment: Element,
    /** The selector that matched nothing (`#id` or the `hx-swap-oob` selector), or `null`. */
    readonly selector: string | null,
  ) {
    super(HxWsOobErrorNoTargetEvent.eventName);
  }
}

/** Fired on a sender that found no socket to send to. The request is on the event. */
export class HxWsNoSocketSourceEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-no-socket-source';
  constructor(
    /** What was looked for: the `for` id, or `null` for the nearest ancestor. */
    readonly wanted: string | null,
    /** The values that were not sent. */
    readonly values: Record<string, unknown> | null,
  ) {
    super(HxWsNoSocketSourceEvent.eventName);
  }
}

/** One control that failed native validation. */
export interface HxWsValidationError {
  elt: Element;
  message: string;
  validity: ValidityState;
}

/** Fired when native form validation stopped a send. */
export class HxWsValidationHaltedEvent extends HxWsEvent {
  static readonly eventName = 'hx-ws-validation-halted';
  constructor(
    /** The controls that failed, with the browser's messages. */
    readonly errors: readonly HxWsValidationError[],
  ) {
    super(HxWsValidationHaltedEvent.eventName);
  }
}

/** Event name → event class, for `addEventListener` typing. */
export interface HxWsEventMap {
  'hx-ws-connecting': HxWsConnectingEvent;
  'hx-ws-open': HxWsOpenEvent;
  'hx-ws-close': HxWsCloseEvent;
  'hx-ws-error': HxWsErrorEvent;
  'hx-ws-before-message': HxWsBeforeMessageEvent;
  'hx-ws-after-message': HxWsAfterMessageEvent;
  'hx-ws-config-send': HxWsConfigSendEvent;
  'hx-ws-before-send': HxWsBeforeSendEvent;
  'hx-ws-after-send': HxWsAfterSendEvent;
  'hx-ws-upload-progress': HxWsUploadProgressEvent;
  'hx-ws-oob-before-swap': HxWsOobBeforeSwapEvent;
  'hx-ws-oob-after-swap': HxWsOobAfterSwapEvent;
  'hx-ws-oob-error-no-target': HxWsOobErrorNoTargetEvent;
  'hx-ws-no-socket-source': HxWsNoSocketSourceEvent;
  'hx-ws-validation-halted': HxWsValidationHaltedEvent;
}

declare global {
  // Events bubble and are composed, so every element (and the document) can hear them.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends HxWsEventMap {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DocumentEventMap extends HxWsEventMap {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ElementEventMap extends HxWsEventMap {}
}
