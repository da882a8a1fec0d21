/**
 * Attribute mode: gives `hx-ws="connect:..."` and `hx-ws="send"` (or `data-hx-ws`) the behaviour
 * of `<hx-ws-connect>` and `<hx-ws-send>`, on the very element that carries the attribute, with
 * the same {@link SocketConnection} and {@link Sender} classes, reading the same settings table.
 * No side effects until called.
 */
import { readAttribute } from '../../core/attributes.js';
import { SocketConnection } from '../../connection/socket-connection.js';
import { checkDisabled, describeElement } from '../../core/disable.js';
import { reportProblem } from '../../core/dispatch.js';
import { parseHxWs } from './grammar.js';
import { Sender } from '../../send/sender.js';
import { attributeSetting } from '../../settings.js';
import { features } from '../../core/features.js';

export { connectionOf, type SocketConnection, type ConnectionStatus } from '../../connection/socket-connection.js';

const SELECTOR = '[hx-ws],[data-hx-ws]';

/** Up to this many live elements, removals are checked on them rather than on what was removed. */
const FEW = 32;

interface Behaviour {
  /** The attribute value the behaviour was built from. */
  value: string;
  /** `scheme:url` of the connect part, to tell whether a new value needs a new socket. */
  connectKey?: string;
  connection?: SocketConnection;
  sender?: Sender;
}

const behaviours = new WeakMap<Element, Behaviour>();

/** What {@link observeHxWs} returns. */
export interface ShimHandle {
  /** Stops watching, closes every socket the shim opened and removes every listener it added. */
  stop(): void;
  /** Elements that currently have attribute behaviour (connected to the page). */
  readonly elements: ReadonlySet<Element>;
}

const valueOf = (el: Element): string | null => readAttribute(el, 'hx-ws');

/** htmx 1.x implements `hx-ws` itself; the shim must not open a second socket beside it. */
function htmx1Present(): boolean {
  const version = (window as { htmx?: { version?: unknown } }).htmx?.version;
  return typeof version === 'string' && version.startsWith('1.');
}

/**
 * Gives every `[hx-ws]` / `[data-hx-ws]` element under `root` its behaviour, now and as the
 * content changes (added, removed, attribute changed). Call it for a shadow root to cover it too.
 *
 * Nothing inside an `hx-disable` (or `data-hx-disable`) element is upgraded, content swapped
 * into such an element included; each such element says so once (`hx-ws-error` `disabled`).
 * Adding `hx-disable` later drops the behaviour of what is inside (sockets close); removing it
 * upgrades that content.
 *
 * When htmx 1.x is on the page it handles `hx-ws` itself: the shim then attaches nothing (and
 * says so once on the console), and drops what it attached before htmx 1.x processes an element.
 */
export function observeHxWs(root: Document | ShadowRoot | Element = document): ShimHandle {
  const live = new Set<Element>();
  let toldAboutHtmx1 = false;

  const tellAboutHtmx1 = (): void => {
    if (toldAboutHtmx1) return;
    toldAboutHtmx1 = true;
    console.info('hx-ws: htmx 1.x is on the page and handles hx-ws attributes itself; the upgrade shim leaves them to it');
  };

  const detach = (el: Element): void => {
    const b = behaviours.get(el);
    if (!b) return;
    b.connection?.stop();
    b.sender?.hostDisconnected();
    behaviours.delete(el);
    live.delete(el);
  };

  const apply = (el: Element): void => {
    const value = valueOf(el);
    const current = behaviours.get(el);
    // Inside hx-disable nothing is upgraded, and what was upgraded before the region was
    // disabled is dropped (its socket closed). With htmx 1.x on the page it is htmx's to ignore.
    if (value !== null && !htmx1Present() && checkDisabled(el, describeElement(el))) {
      if (current) detach(el);
      return;
    }
    if (current && current.value === value) {
      // The same element again: re-inserted, moved, or seen twice in one batch of mutations (an
      // element and its inserted ancestor). Its grammar errors were reported the first time.
      current.connection?.hostConnected();
      current.sender?.hostConnected();
      if (current.connection || current.sender) live.add(el);
      return;
    }
    if (value === null || htmx1Present()) {
      if (current) detach(el);
      if (value !== null) tellAboutHtmx1();
      return;
    }
    const d = parseHxWs(value);
    for (const e of d.errors) reportProblem(el, 'bad-grammar', e.message, { part: e.part });
    const b: Behaviour = { value };
    // A changed value keeps whichever half it did not change: adding `send` next to an unchanged
    // `connect:` part must not cost the page its socket.
    if (d.connect) {
      const { url, scheme } = d.connect;
      b.connectKey = `${scheme ?? ''}:${url}`;
      if (current?.connection && current.connectKey === b.connectKey) {
        b.connection = current.connection;
      } else {
        b.connection = new SocketConnection(
          el,
          () => ({
            url,
            scheme,
            protocols: attributeSetting(el, 'protocols'),
            queueLimit: attributeSetting(el, 'queueLimit'),
            maxRetries: attributeSetting(el, 'maxRetries'),
            pauseWhileHidden: attributeSetting(el, 'pauseWhileHidden') !== null,
            connectTimeout: attributeSetting(el, 'connectTimeout'),
            warnAfter: attributeSetting(el, 'warnAfter'),
            ack: attributeSetting(el, 'ack') !== null,
            recover: attributeSetting(el, 'recover') !== null,
            resumeFrom: attributeSetting(el, 'resumeFrom'),
            idleTimeout: attributeSetting(el, 'idleTimeout'),
            quiet: attributeSetting(el, 'quiet') !== null,
          }),
          { attributeMode: true },
        );
      }
    }
    if (d.send) b.sender = current?.sender ?? new Sender(el, () => ({
        for: attributeSetting(el, 'for'),
        maxFileSize: attributeSetting(el, 'maxFileSize'),
        maxFiles: attributeSetting(el, 'maxFiles'),
        chunkSize: attributeSetting(el, 'chunkSize'),
      }), true);
    if (current?.connection && current.connection !== b.connection) current.connection.stop();
    if (current?.sender && current.sender !== b.sender) current.sender.hostDisconnected();
    // Kept even with neither half (every part was bad), so the errors are not reported again.
    behaviours.set(el, b);
    if (!b.connection && !b.sender) {
      live.delete(el);
      return;
    }
    live.add(el);
    b.connection?.hostConnected();
    b.sender?.hostConnected();
  };

  const each = (node: Node, fn: (el: Element) => void): void => {
    if (!(node instanceof Element || node instanceof Document || node instanceof DocumentFragment)) return;
    if (node instanceof Element && (node.hasAttribute('hx-ws') || node.hasAttribute('data-hx-ws'))) fn(node);
    // Most swapped nodes are small: skip the subtree query where there is no subtree.
    if (node.firstElementChild) for (const el of node.querySelectorAll(SELECTOR)) fn(el);
  };

  const leave = (el: Element): void => {
    if (el.isConnected) return; // moved, not removed
    const b = behaviours.get(el);
    b?.connection?.hostDisconnected();
    b?.sender?.hostDisconnected();
    live.delete(el);
  };

  // Elements swapped in from a message with no `hx-ws` in it carry none: not looked into.
  const plain = (features.plain ??= new WeakSet());
  const observer = new MutationObserver((records) => {
    let removed = false;
    for (const r of records) {
      if (r.type === 'attributes') {
        const el = r.target as Element;
        if (!el.isConnected) continue;
        const name = r.attributeName;
        if (name === 'hx-trigger' || name === 'data-hx-trigger') behaviours.get(el)?.sender?.rewire();
        else if (name === 'hx-disable' || name === 'data-hx-disable') each(el, apply);
        else apply(el);
        continue;
      }
      // With few live elements, asking each whether it is still in the page beats walking every
      // removed subtree (a swap removes what it replaces).
      if (live.size > FEW) for (const n of r.removedNodes) each(n, leave);
      else removed ||= r.removedNodes.length > 0;
      // A mark is used once: the same element inserted again later is looked into.
      for (const n of r.addedNodes) if (!plain.delete(n) && n.isConnected) each(n, apply);
    }
    if (removed) for (const el of [...live]) leave(el);
  });
  observer.observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['hx-ws', 'data-hx-ws', 'hx-trigger', 'data-hx-trigger', 'hx-disable', 'data-hx-disable'],
  });

  // htmx 1.x loaded after the shim started: it announces each element it is about to process.
  // The check waits a microtask: on a page that has loaded, htmx 1.x processes the body while its
  // script runs, before `window.htmx` is set (and htmx 2 fires the same event).
  const htmx1Takes = (e: Event): void => {
    const el = e.target;
    if (!(el instanceof Element) || !live.has(el)) return;
    queueMicrotask(() => {
      if (!live.has(el) || !htmx1Present()) return;
      detach(el);
      tellAboutHtmx1();
    });
  };
  root.addEventListener('htmx:beforeProcessNode', htmx1Takes);

  each(root, apply);

  return {
    elements: live,
    stop() {
      observer.disconnect();
      root.removeEventListener('htmx:beforeProcessNode', htmx1Takes);
      for (const el of [...live]) detach(el);
    },
  };
}
