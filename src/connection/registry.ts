/**
 * Which element owns which connection, in either mode, and how a sender finds its connection.
 *
 * @module
 */
import type { SocketConnection } from './socket-connection.js';

const connections = new WeakMap<Element, SocketConnection>();

/** `connection` now belongs to `host` (it entered the page). */
export function register(host: Element, connection: SocketConnection): void {
  connections.set(host, connection);
}

/** `connection` no longer belongs to `host` (unless another took its place). */
export function unregister(host: Element, connection: SocketConnection): void {
  if (connections.get(host) === connection) connections.delete(host);
}

/** The connection attached to `element` (either mode), if any. */
export function connectionOf(element: Element): SocketConnection | undefined {
  return connections.get(element);
}

/** The element above `node`, crossing out of shadow roots to their hosts. */
function composedParent(node: Node): Node | null {
  if (node.parentNode instanceof ShadowRoot) return node.parentNode.host;
  return node.parentNode;
}

/**
 * Finds the connection a sender should use: the element whose id is `forId` (in the sender's
 * root, then the document), else the nearest composed ancestor (the sender itself included)
 * with a connection.
 */
export function findConnection(from: Element, forId?: string | null): SocketConnection | undefined {
  if (forId) {
    const root = from.getRootNode() as Document | ShadowRoot;
    const el = root.getElementById?.(forId) ?? document.getElementById(forId);
    return el ? connections.get(el) : undefined;
  }
  for (let n: Node | null = from; n; n = composedParent(n)) {
    const c = n instanceof Element ? connections.get(n) : undefined;
    if (c) return c;
  }
  return undefined;
}
