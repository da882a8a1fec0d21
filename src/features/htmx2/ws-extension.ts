/**
 * An htmx 2 extension named `ws` that takes the place of `htmx-ext-ws`: the same markup
 * (`hx-ext="ws"`, `ws-connect`, `ws-send`, `hx-trigger`), the same `htmx:ws*` events with the
 * same `detail` fields, the same `socketWrapper` and the same JSON on the wire, with this
 * library's {@link SocketConnection} and {@link Sender} underneath: file inputs are sent (oob by
 * default, `hx-encoding` chooses inline), upload progress (`hx-ws-upload-progress`), a bounded
 * queue whose overflow is reported, and opt-in recovery (`ws-recover` on the connecting element,
 * or `htmx.config.wsRecover = true`, with `hx-ws-elements/recovery` loaded).
 *
 * The events: our connection and sender fire their `hx-ws-*` events; the `twin` slot turns those
 * of a `ws-connect` element (and of its senders) into htmx-ext-ws's `htmx:ws*` events and details;
 * every other element's twins are the htmx integration's.
 *
 * @module
 */
import { findConnection, SocketConnection } from '../../connection/socket-connection.js';
import { nextRequestId } from '../../connection/outbox.js';
import type { Features } from '../../core/features.js';
import { reportProblem } from '../../core/dispatch.js';
import type {
  HxWsAfterMessageEvent,
  HxWsBeforeMessageEvent,
  HxWsBeforeSendEvent,
  HxWsCloseEvent,
  HxWsConfigSendEvent,
  HxWsErrorEvent,
  HxWsEvent,
  OutgoingRequest,
} from '../../events.js';
import { frameBytes } from '../../protocol.js';
import { Sender } from '../../send/sender.js';
import { htmxBridge } from '../htmx/htmx-bridge.js';

/** The parts of htmx's internal API the extension uses (given to `init`). */
interface HtmxApi {
  getAttributeValue(elt: Element, name: string): string | null;
  getHeaders(elt: Element, target: Element | null): Record<string, string>;
  getTarget(elt: Element): Element | null;
}

interface Htmx2 {
  version?: string;
  config: Record<string, unknown>;
  createWebSocket?: (url: string) => WebSocket;
  defineExtension(name: string, ext: Record<string, unknown>): void;
}

/** A queued raw send, as htmx-ext-ws lists it. */
interface Queued {
  message: string | Blob;
  sendElt: Element;
}

/** `socketWrapper` as htmx-ext-ws hands it to listeners. */
export interface PublicSocketWrapper {
  /** Sends `message` now when open, else queues it (bounded: an overflow is an `hx-ws-error` `queue-overflow`). */
  send(message: string, sendElt?: Element): void;
  /** Sends `message` now if the socket is open (else it waits in the queue, as `send`). */
  sendImmediately(message: string, sendElt?: Element): void;
  /** Closes the socket and opens a new one. */
  reconnect(): void;
  /** The requests waiting for the socket to open (a copy, read when asked). */
  readonly queue: Queued[];
}

let api: HtmxApi | undefined;
let htmx: Htmx2 | undefined;

/** The wrapper of each connection this extension made, by connection. */
const wrappers = new WeakMap<SocketConnection, PublicSocketWrapper>();
/** Connections by `ws-connect` element. */
const owned = new WeakMap<Element, SocketConnection>();
/** Senders by `ws-send` element. */
const senders = new WeakMap<Element, Sender>();
/** Raw sends made through a wrapper: which wrapper, for their events. */
const rawSends = new WeakMap<OutgoingRequest, PublicSocketWrapper>();

const attr = (el: Element, name: string): string | null => api?.getAttributeValue(el, name) ?? el.getAttribute(name) ?? el.getAttribute(`data-${name}`);

/** `ws-connect` as written: `ws:` / `wss:` in front of a path force that scheme. */
function parseSource(value: string): { url: string; scheme: string | null } {
  const m = /^(wss?):(?!\/\/)(.*)$/i.exec(value.trim());
  return m ? { url: m[2]!, scheme: m[1]!.toLowerCase() } : { url: value.trim(), scheme: null };
}

function wrapperOf(connection: SocketConnection): PublicSocketWrapper {
  let w = wrappers.get(connection);
  if (w) return w;
  const send = (message: string, sendElt?: Element): void => {
    const request: OutgoingRequest = {
      id: nextRequestId(),
      source: sendElt ?? connection.host,
      values: {},
      headers: {},
      frames: [message],
      bytes: frameBytes(message),
    };
    rawSends.set(request, w!);
    connection.sendRequest(request);
  };
  w = {
    send,
    sendImmediately: send,
    reconnect: () => connection.reconnect(),
    get queue() {
      return connection.queued.map((r) => ({ message: r.frames[0]!, sendElt: r.source }));
    },
  };
  wrappers.set(connection, w);
  return w;
}

function ensureConnection(el: Element): void {
  if (owned.has(el)) return;
  const value = attr(el, 'ws-connect');
  if (!value) return;
  const { url, scheme } = parseSource(value);
  const connection = new SocketConnection(
    el,
    () => ({
      url,
      scheme,
      recover: el.hasAttribute('ws-recover') || htmx?.config.wsRecover === true,
      queueLimit: el.getAttribute('ws-queue-limit'),
    }),
    { createSocket: (u) => (htmx?.createWebSocket ?? createWebSocket)(u) },
  );
  owned.set(el, connection);
  connection.hostConnected();
}

function ensureSender(el: Element): void {
  if (senders.has(el)) return;
  const sender = new Sender(el, () => ({}));
  senders.set(el, sender);
  sender.hostConnected();
}

function cleanup(el: Element): void {
  owned.get(el)?.stop();
  owned.delete(el);
  senders.get(el)?.hostDisconnected();
  senders.delete(el);
}

/** This element and the ones under it that carry `name` (or `data-name`). */
function withAttribute(el: Element, name: string): Element[] {
  const found = el.hasAttribute(name) || el.hasAttribute(`data-${name}`) ? [el] : [];
  return found.concat(Array.from(el.querySelectorAll(`[${name}],[data-${name}]`)));
}

/** htmx-ext-ws's default socket factory, kept as `htmx.createWebSocket`. */
function createWebSocket(url: string): WebSocket {
  const socket = new WebSocket(url, []);
  const type = htmx?.config.wsBinaryType;
  if (type === 'blob' || type === 'arraybuffer') socket.binaryType = type;
  return socket;
}

/** The extension object given to `htmx.defineExtension('ws', ...)`. */
const extension = {
  init(apiRef: HtmxApi): void {
    api = apiRef;
    if (!htmx) return;
    htmx.createWebSocket ??= createWebSocket;
    htmx.config.wsReconnectDelay ??= 'full-jitter';
  },
  onEvent(name: string, evt: Event): void {
    const el = (evt.target ?? (evt as CustomEvent<{ elt?: Element }>).detail?.elt) as Element | null;
    if (!(el instanceof Element)) return;
    if (name === 'htmx:beforeCleanupElement') cleanup(el);
    else if (name === 'htmx:beforeProcessNode') {
      for (const c of withAttribute(el, 'ws-connect')) ensureConnection(c);
      for (const s of withAttribute(el, 'ws-send')) ensureSender(s);
    }
  },
};

/**
 * Registers the `ws` extension with `h` (default: the page's `window.htmx`). Call it after htmx
 * 2 has loaded and instead of loading `htmx-ext-ws`. @returns whether htmx was there
 */
export function defineWsExtension(h?: unknown): boolean {
  const candidate = (h ?? (window as { htmx?: unknown }).htmx) as Htmx2 | undefined;
  if (!candidate || typeof candidate.defineExtension !== 'function') return false;
  htmx = candidate;
  candidate.defineExtension('ws', extension);
  return true;
}

type Twin = NonNullable<Features['twin']>;

/** Fires htmx event `name` on `on`. @returns `false` when cancelled */
function fire(on: EventTarget, name: string, detail: Record<string, unknown>, cancelable: boolean): boolean {
  return on.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, cancelable, detail: { elt: on, ...detail } }));
}

/** Whose event it is: a connection of this extension (by its element or a sender in it), or a raw send's wrapper. */
interface Owner {
  connection?: SocketConnection;
  wrapper: PublicSocketWrapper;
}

/** Of an event on a `ws-connect` element or one of its senders: the connection, if ours. */
function ownerOf(target: EventTarget, event: HxWsEvent): Owner | undefined {
  const request = (event as Partial<HxWsBeforeSendEvent>).request;
  const raw = request && rawSends.get(request);
  if (raw) return { wrapper: raw };
  if (!(target instanceof Element)) return undefined;
  // The element itself first: a stopped connection is no longer found from its senders.
  const connection = owned.get(target) ?? findConnection(target);
  if (!connection || owned.get(connection.host) !== connection) return undefined;
  return { connection, wrapper: wrapperOf(connection) };
}

/** The last message each connection's htmx:wsBeforeMessage cancelled (no htmx:wsAfterMessage follows). */
const cancelledMessage = new WeakMap<SocketConnection, unknown>();

/**
 * The twin of `event` as htmx-ext-ws names and details it, for the elements this extension
 * manages; everything else goes to the htmx integration's twins.
 */
export const wsTwin: Twin = (target, event) => {
  const own = ownerOf(target, event);
  if (!own) return htmxBridge.twin!(target, event);
  const { wrapper: socketWrapper } = own;
  const e = event as HxWsEvent & Record<string, unknown>;
  switch (event.type) {
    case 'hx-ws-connecting':
      return fire(target, 'htmx:wsConnecting', { event: { type: 'connecting' } }, false);
    case 'hx-ws-open':
      return fire(target, 'htmx:wsOpen', { event: new Event('open'), socketWrapper }, false);
    case 'hx-ws-close': {
      const { code, reason, wasClean } = e as unknown as HxWsCloseEvent;
      return fire(target, 'htmx:wsClose', { event: new CloseEvent('close', { code, reason, wasClean }), socketWrapper }, false);
    }
    case 'hx-ws-error': {
      const { message, reason, info } = e as unknown as HxWsErrorEvent;
      return fire(target, 'htmx:wsError', { error: message, reason, ...info, socketWrapper }, false);
    }
    case 'hx-ws-before-message': {
      // htmx-ext-ws closes the socket of an element removed by script at its next message.
      const { connection } = own;
      if (!connection) return true;
      const { data } = e as unknown as HxWsBeforeMessageEvent;
      if (!(target as Element).isConnected) {
        cancelledMessage.set(connection, data);
        connection.stop();
        owned.delete(connection.host);
        return false;
      }
      const go = fire(target, 'htmx:wsBeforeMessage', { message: data, socketWrapper }, true);
      if (go) cancelledMessage.delete(connection);
      else cancelledMessage.set(connection, data);
      return go;
    }
    case 'hx-ws-after-message': {
      const { data } = e as unknown as HxWsAfterMessageEvent;
      if (own.connection && cancelledMessage.get(own.connection) === data) {
        cancelledMessage.delete(own.connection);
        return true;
      }
      return fire(target, 'htmx:wsAfterMessage', { message: data, socketWrapper }, false);
    }
    case 'hx-ws-config-send':
      return configSend(target as Element, e as unknown as HxWsConfigSendEvent, socketWrapper);
    case 'hx-ws-before-send':
    case 'hx-ws-after-send': {
      const { request } = e as unknown as HxWsBeforeSendEvent;
      const name = event.type === 'hx-ws-before-send' ? 'htmx:wsBeforeSend' : 'htmx:wsAfterSend';
      return fire(target, name, { message: request.frames[0], socketWrapper }, event.cancelable);
    }
    default:
      return htmxBridge.twin!(target, event);
  }
};

/**
 * `htmx:wsConfigSend` with htmx-ext-ws's detail. Its headers are htmx's own (`HX-Target` from
 * `hx-target`, as htmx-ext-ws sends it). A listener may change `parameters` and `headers` in place
 * (our send carries the change, files included), or replace them or set `messageBody`: then that
 * text is sent instead, through the wrapper, and our request is dropped.
 */
function configSend(elt: Element, e: HxWsConfigSendEvent, socketWrapper: PublicSocketWrapper): boolean {
  const { values, headers } = e;
  if (api) {
    try {
      Object.assign(headers, api.getHeaders(elt, api.getTarget(elt)));
    } catch (cause) {
      reportProblem(elt, 'bad-vals', `htmx could not compute the headers of this send: ${(cause as Error)?.message ?? cause}`, { cause });
    }
  }
  const detail = {
    parameters: values,
    unfilteredParameters: values,
    headers: headers as Record<string, string> | null,
    errors: [] as unknown[],
    triggeringEvent: e.triggeringEvent,
    messageBody: undefined as unknown,
    socketWrapper,
  };
  if (!fire(elt, 'htmx:wsConfigSend', detail, true)) return false;
  let body = detail.messageBody;
  if (body === undefined && detail.parameters === values && detail.headers === headers) return true;
  body ??= JSON.stringify({ ...detail.parameters, ...(detail.headers ? { HEADERS: detail.headers } : {}) });
  socketWrapper.send(String(body), elt);
  return false;
}
