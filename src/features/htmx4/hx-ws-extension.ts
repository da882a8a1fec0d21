/**
 * htmx 4's `hx-ws` extension (built against `htmx.org` 4.0.1) on this library's
 * {@link SocketConnection} and {@link Sender}: the markup `hx-ws:connect` (with `hx-trigger`,
 * default `load`) and `hx-ws:send`; the events `htmx:ws:before:connection` (cancelable),
 * `htmx:ws:after:connection`, `htmx:ws:close` (`reason`, `code`), `htmx:ws:error`,
 * `htmx:ws:before:message:outgoing` / `htmx:ws:before:message:incoming` (cancelable, with
 * `cancelled` and `waitUntil`), `htmx:ws:after:message:outgoing` / `:incoming`; the wire format
 * (`{...values, headers}`, htmx 4's own request headers); and incoming messages as htmx 4 reads
 * them: a JSON envelope `{content, target, swap, select}` or raw HTML, swapped by `htmx.swap`
 * into `hx-target` (default: the connecting element) with `hx-swap`; JSON without `content` is
 * data only. Underneath: files (oob by default, `hx-encoding` inline), upload progress, a bounded
 * queue (overflow reported), opt-in recovery (`hx-ws:recover`, with `hx-ws-elements/recovery`).
 *
 * @module
 */
import { findConnection, SocketConnection } from '../../connection/socket-connection.js';
import { nextRequestId } from '../../connection/outbox.js';
import type { Features } from '../../core/features.js';
import { reportProblem } from '../../core/dispatch.js';
import type { HxWsBeforeMessageEvent, HxWsBeforeSendEvent, HxWsCloseEvent, HxWsConfigSendEvent, HxWsErrorEvent, HxWsEvent, OutgoingRequest } from '../../events.js';
import { frameBytes } from '../../protocol.js';
import { Sender } from '../../send/sender.js';
import { htmxBridge } from '../htmx/htmx-bridge.js';

/** The parts of htmx 4's internal API the extension uses. */
interface Api {
  attributeValue(elt: Element, name: string): string | null | undefined;
  onTrigger(elt: Element, spec: string, handler: (evt: Event) => void): void;
  createRequestContext(elt: Element, evt: Event | null): { request: { headers: Record<string, string> } };
  /** The element's htmx data: htmx 4 cleans up (and tells extensions about) elements that have it. */
  htmxProp(elt: Element): Record<string, unknown>;
}

interface Htmx4 {
  config: Record<string, unknown>;
  registerExtension(name: string, ext: Record<string, unknown>): boolean | undefined;
  swap(options: Record<string, unknown>): Promise<unknown>;
}

/** An outgoing message as htmx 4's events show it. */
interface Outgoing {
  headers: Record<string, string>;
  values: Record<string, unknown>;
  data: unknown;
}

/** What the events call `connection`. */
export interface Htmx4Connection {
  readonly url: string;
  /** The current socket, if any. */
  readonly socket: WebSocket | null;
  /** Requests waiting for the socket to open (a copy, read when asked). */
  readonly queue: { element: Element; message: string | Blob }[];
}

let api: Api | undefined;
let htmx: Htmx4 | undefined;

const owned = new WeakMap<Element, SocketConnection>();
const views = new WeakMap<SocketConnection, Htmx4Connection>();
const senders = new WeakMap<Element, Sender>();
/** Connections whose element htmx cleaned up: their close was already said (`removed`). */
const removed = new WeakSet<SocketConnection>();
/** Outgoing messages by the headers object of their request (ours) or by request (raw sends). */
const outgoing = new WeakMap<object, Outgoing>();
/** Each connection's incoming messages, one after the other. */
const receiving = new WeakMap<SocketConnection, Promise<void>>();

const attr = (el: Element, name: string): string | null => api?.attributeValue(el, name) ?? el.getAttribute(name);

function viewOf(connection: SocketConnection, url: string): Htmx4Connection {
  let v = views.get(connection);
  if (!v) {
    v = {
      url,
      get socket() {
        return connection.socket ?? null;
      },
      get queue() {
        return connection.queued.map((r) => ({ element: r.source, message: r.frames[0]! }));
      },
    };
    views.set(connection, v);
  }
  return v;
}

function fire(on: EventTarget, name: string, detail: Record<string, unknown>, cancelable: boolean): boolean {
  return on.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, cancelable, detail }));
}

function connect(el: Element, url: string): void {
  if (owned.has(el)) return;
  const connection = new SocketConnection(el, () => ({
    url,
    recover: el.hasAttribute('hx-ws:recover'),
    queueLimit: el.getAttribute('hx-ws:queue-limit'),
  }));
  owned.set(el, connection);
  viewOf(connection, url);
  connection.hostConnected();
}

function initConnect(el: Element): void {
  const url = attr(el, 'hx-ws:connect');
  if (!url || owned.has(el)) return;
  api?.htmxProp(el);
  const spec = el.getAttribute('hx-trigger')?.trim() || 'load';
  if (spec === 'load') connect(el, url);
  else api?.onTrigger(el, spec, () => connect(el, url));
}

function initSend(el: Element): void {
  if (senders.has(el)) return;
  api?.htmxProp(el);
  const sender = new Sender(el, () => ({ headersKey: 'headers' }));
  senders.set(el, sender);
  sender.hostConnected();
}

function cleanup(el: Element): void {
  const connection = owned.get(el);
  if (connection) {
    removed.add(connection);
    fire(el, 'htmx:ws:close', { connection: views.get(connection), reason: 'removed', code: null }, false);
    connection.stop();
    owned.delete(el);
  }
  senders.get(el)?.hostDisconnected();
  senders.delete(el);
}

/** Sends `data` as it is, from `el`, on `connection`; `message` is what the events show. */
function sendRaw(connection: SocketConnection, el: Element, data: string, message: Outgoing): void {
  const request: OutgoingRequest = { id: nextRequestId(), source: el, values: {}, headers: {}, frames: [data], bytes: frameBytes(data) };
  outgoing.set(request, message);
  connection.sendRequest(request);
}

const extension = {
  init(internal: Api): void {
    api = internal;
    if (htmx && !htmx.config.ws) htmx.config.ws = {};
  },
  htmx_after_process(el: Element): void {
    const nodes = [el, ...Array.from(el.querySelectorAll?.('*') ?? [])];
    for (const n of nodes) {
      if (n.hasAttribute('hx-ws:connect')) initConnect(n);
      if (n.hasAttribute('hx-ws:send')) initSend(n);
    }
  },
  htmx_before_cleanup(el: Element): void {
    cleanup(el);
  },
};

/**
 * Registers the `ws` extension with `h` (default: the page's `window.htmx`), in place of htmx 4's
 * `hx-ws` extension. @returns whether htmx 4 took it
 */
export function defineHxWsExtension(h?: unknown): boolean {
  const candidate = (h ?? (window as { htmx?: unknown }).htmx) as Htmx4 | undefined;
  if (!candidate || typeof candidate.registerExtension !== 'function') return false;
  htmx = candidate;
  return candidate.registerExtension('ws', extension) !== false;
}

/** The connection of an event's element, when it is one this extension made (or a sender in it). */
function ownerOf(target: EventTarget): SocketConnection | undefined {
  if (!(target instanceof Element)) return undefined;
  const c = owned.get(target) ?? findConnection(target);
  return c && owned.get(c.host) === c ? c : undefined;
}

type Twin = NonNullable<Features['twin']>;

/** htmx 4's events for the elements this extension manages; other elements get the htmx integration's twins. */
export const hxWsTwin: Twin = (target, event) => {
  const request = (event as Partial<HxWsBeforeSendEvent>).request;
  const raw = request ? outgoing.get(request) : undefined;
  const connection = ownerOf(request && raw ? request.source : target) ?? (raw ? ownerOf(target) : undefined);
  if (!connection && !raw) return htmxBridge.twin!(target, event);
  const view = connection ? views.get(connection) : undefined;
  switch (event.type) {
    case 'hx-ws-connecting': {
      const detail = { connection: view, cancelled: false };
      if (!fire(target, 'htmx:ws:before:connection', detail, true) || detail.cancelled) {
        queueMicrotask(() => {
          removed.add(connection!);
          connection!.stop();
          owned.delete(connection!.host);
          fire(target, 'htmx:ws:close', { connection: view, reason: 'cancelled', code: null }, false);
        });
      }
      return true;
    }
    case 'hx-ws-open':
      return fire(target, 'htmx:ws:after:connection', { connection: view }, false);
    case 'hx-ws-close':
      if (connection && removed.has(connection)) return true;
      return fire(target, 'htmx:ws:close', { connection: view, reason: 'closed', code: (event as HxWsCloseEvent).code }, false);
    case 'hx-ws-error':
      return fire(target, 'htmx:ws:error', { connection: view, error: (event as HxWsErrorEvent).message, reason: (event as HxWsErrorEvent).reason }, false);
    case 'hx-ws-before-message':
      if (connection) receive(connection, target as Element, (event as HxWsBeforeMessageEvent).data);
      return false; // htmx 4 reads and swaps it (below), not our out-of-band engine
    case 'hx-ws-after-message':
      return true;
    case 'hx-ws-config-send':
      return connection ? configSend(connection, target as Element, event as HxWsConfigSendEvent) : true;
    case 'hx-ws-after-send': {
      const message = raw ?? (request ? outgoing.get(request.headers) : undefined);
      if (!message) return true;
      if (message.data === undefined) message.data = request?.frames[0];
      return fire(target, 'htmx:ws:after:message:outgoing', { connection: view, message }, false);
    }
    case 'hx-ws-before-send':
      return true;
    default:
      return htmxBridge.twin!(target, event as HxWsEvent);
  }
};

/**
 * `htmx:ws:before:message:outgoing`: htmx 4's headers replace ours; a listener may change
 * `message.values` / `message.headers` in place (files included), cancel, set `message.data`
 * (sent instead), or hand promises to `waitUntil` (then the message is sent once they settle,
 * as JSON built from `values` and `headers`: its files are left out, and reported).
 */
function configSend(connection: SocketConnection, el: Element, e: HxWsConfigSendEvent): boolean {
  const { values, headers } = e;
  if (api) {
    try {
      const theirs = { ...api.createRequestContext(el, e.triggeringEvent).request.headers };
      delete theirs.Accept;
      for (const k of Object.keys(headers)) delete headers[k];
      Object.assign(headers, theirs);
    } catch (cause) {
      reportProblem(el, 'bad-vals', `htmx could not compute the headers of this send: ${(cause as Error)?.message ?? cause}`, { cause });
    }
  }
  const message: Outgoing = { headers, values, data: undefined };
  const pending: Promise<unknown>[] = [];
  const detail = {
    connection: views.get(connection),
    message,
    cancelled: false,
    waitUntil(p: unknown) {
      pending.push(Promise.resolve(p));
    },
  };
  const go = fire(el, 'htmx:ws:before:message:outgoing', detail, true);
  if (!go || detail.cancelled) return false;
  if (pending.length === 0 && message.data === undefined) {
    outgoing.set(headers, message);
    return true;
  }
  void Promise.all(pending).then(
    () => {
      if (detail.cancelled) return;
      const hasFile = Object.values(message.values).some((v) => v instanceof Blob || (Array.isArray(v) && v.some((x) => x instanceof Blob)));
      if (hasFile && message.data === undefined) reportProblem(el, 'file-rejected', 'a send that waited for waitUntil() promises goes as JSON only: its files were left out');
      const data = message.data ?? JSON.stringify({ ...message.values, headers: message.headers });
      sendRaw(connection, el, String(data), message);
    },
    (error: unknown) => fire(el, 'htmx:ws:error', { connection: views.get(connection), error }, false),
  );
  return false;
}

/** An incoming message, read as htmx 4 reads it, after the ones before it on the same connection. */
function receive(connection: SocketConnection, el: Element, data: string | ArrayBuffer | Blob): void {
  const text = (): Promise<string> =>
    typeof data === 'string' ? Promise.resolve(data) : data instanceof Blob ? data.text() : Promise.resolve(new TextDecoder().decode(data));
  const message = { data, text, json: () => text().then((t) => JSON.parse(t) as unknown) };
  const view = views.get(connection);
  const run = async (): Promise<void> => {
    if (!el.isConnected) return;
    const pending: Promise<unknown>[] = [];
    const detail = { connection: view, message, cancelled: false, waitUntil: (p: unknown) => void pending.push(Promise.resolve(p)) };
    const go = fire(el, 'htmx:ws:before:message:incoming', detail, true);
    await Promise.all(pending);
    if (!go || detail.cancelled) return;
    type Envelope = { content?: unknown; payload?: unknown; target?: string; swap?: string; select?: string };
    let json: Envelope | null = null;
    let html: string | undefined;
    if (typeof data === 'string') {
      try {
        const parsed = JSON.parse(data) as unknown;
        // Any JSON is data; only an object's content (or payload) is swapped.
        json = parsed && typeof parsed === 'object' ? (parsed as Envelope) : {};
      } catch {
        html = data;
      }
    }
    if (json) {
      if (json.content !== undefined) html = String(json.content);
      else if (json.payload !== undefined) html = String(json.payload);
    }
    if (html != null && htmx) {
      let swap = json?.swap || attr(el, 'hx-swap') || String(htmx.config.defaultSwap ?? 'innerHTML');
      if (!/(?:^|\s)swapEmpty(?::(?:true|false))?(?=\s|$)/.test(swap)) swap += ' swapEmpty:false';
      await htmx.swap({
        sourceElement: el,
        target: json?.target || attr(el, 'hx-target') || el,
        swap,
        select: json?.select ?? attr(el, 'hx-select'),
        selectOOB: attr(el, 'hx-select-oob'),
        text: html,
        transition: false,
      });
    }
    fire(el, 'htmx:ws:after:message:incoming', { connection: view, message }, false);
  };
  const next = (receiving.get(connection) ?? Promise.resolve()).then(run).catch((error: unknown) => {
    if (el.isConnected) fire(el, 'htmx:ws:error', { connection: view, error }, false);
  });
  receiving.set(connection, next);
}
