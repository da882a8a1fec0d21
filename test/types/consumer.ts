// What a browser app sees: the main entry, the upgrade entry and the side-effect-free modules.
import {
  config,
  HxWsConnectElement,
  HxWsOpenEvent,
  HxWsSendElement,
  type HxWsErrorReason,
  type HxWsEventMap,
  type OutgoingRequest,
  type SocketConnection,
} from 'hx-ws-elements';
import { connectionOf, observeHxWs, shim, type ShimHandle } from 'hx-ws-elements/upgrade';
import { type connectionOf as connectionOfShim } from 'hx-ws-elements/shim.js';
import { HxWsConnectElement as ConnectClass } from 'hx-ws-elements/connect-element.js';
import { HxWsSendElement as SendClass } from 'hx-ws-elements/send-element.js';
import { HxWsCloseEvent } from 'hx-ws-elements/events.js';
import { config as sameConfig, type ReconnectDelay } from 'hx-ws-elements/config.js';
import { observeHxWs as observe } from 'hx-ws-elements/shim.js';
import { parseSwapSpec, swapMessage } from 'hx-ws-elements/swap.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const yes = <T extends true>(): T => true as T;

// The runtime exports exist (these are values, not only types).
void [HxWsConnectElement, ConnectClass, HxWsSendElement, SendClass, HxWsOpenEvent, HxWsCloseEvent, sameConfig, observe, observeHxWs];

// One class, whichever entry it came through.
yes<Equal<typeof HxWsConnectElement, typeof ConnectClass>>();
yes<Equal<typeof HxWsSendElement, typeof SendClass>>();
yes<Equal<typeof config, typeof sameConfig>>();
yes<Equal<typeof observeHxWs, typeof observe>>();
yes<Equal<typeof connectionOf, typeof connectionOfShim>>();

// Attribute mode reaches the same connection object the element exposes.
const found: SocketConnection | undefined = connectionOf(document.body);
const viaElement: SocketConnection = new HxWsConnectElement().connection;
void [found?.status, viaElement.queued];

// The tag name map.
const connect = document.createElement('hx-ws-connect');
yes<Equal<typeof connect, HxWsConnectElement>>();
const send = document.querySelector('hx-ws-send');
yes<Equal<typeof send, HxWsSendElement | null>>();

// Properties, including the function forms.
connect.url = () => `/chat?token=${Date.now()}`;
connect.url = '/chat';
connect.reconnectDelay = (retryCount) => retryCount * 100;
const delay: ReconnectDelay = 'full-jitter';
config.wsReconnectDelay = delay;
send!.vals = { room: 'lobby' };
send!.maxFileSize = '10MB';
// @ts-expect-error url is a string or a function returning one
connect.url = 42;

// Events: typed on elements, the document and window-less listeners alike.
connect.addEventListener('hx-ws-open', (e) => {
  yes<Equal<typeof e, HxWsOpenEvent>>();
  const socket: WebSocket = e.socket;
  void socket;
});
document.addEventListener('hx-ws-close', (e) => {
  yes<Equal<typeof e, HxWsCloseEvent>>();
  const again: boolean = e.willReconnect;
  void again;
});
document.body.addEventListener('hx-ws-error', (e) => {
  const reason: HxWsErrorReason = e.reason;
  const request: OutgoingRequest | undefined = e.request;
  void reason, request;
});
send!.addEventListener('hx-ws-config-send', (e) => {
  e.values.extra = 1;
  e.headers['X-Token'] = 'abc';
});
const names: (keyof HxWsEventMap)[] = ['hx-ws-open', 'hx-ws-upload-progress', 'hx-ws-oob-after-swap'];
void names;

// Methods.
void send!.send().then((r) => r?.frames.length);
connect.close(1000, 'bye');
connect.reconnect();

// The upgrade entry's handle.
const handle: ShimHandle = shim;
handle.stop();

// The swap engine on its own.
const spec = parseSwapSpec('beforeend:#log');
void spec?.style;
swapMessage('<div id="x">hi</div>', document.body);
