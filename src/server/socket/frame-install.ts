/// <reference types="node" />
/**
 * How a {@link FrameGuard} is attached: `ws` feeds every chunk of the TCP stream to its
 * receiver's `write()`; the guard replaces that method on the one receiver instance
 * (`ws._receiver`, present in ws 7 and 8) and calls the original with what it lets through. If a
 * future `ws` has no such receiver, {@link installFrameGuard} returns undefined and the socket
 * runs with `ws`'s own limit only.
 *
 * @module
 */
import type { Buffer } from 'node:buffer';
import type { WebSocket } from 'ws';
import { FrameGuard, type FrameGuardOptions } from './frames.js';

let warned = false;

/**
 * Puts a {@link FrameGuard} in front of the socket's frame parser.
 * @returns the guard, or undefined when this `ws` has no receiver to guard (warned once)
 */
export function installFrameGuard(socket: WebSocket, options: FrameGuardOptions): FrameGuard | undefined {
  const receiver = (socket as unknown as { _receiver?: { write?: unknown } })._receiver;
  if (!receiver || typeof receiver.write !== 'function') {
    if (!warned) console.warn('hx-ws: this ws version has no _receiver; frame limits fall back to ws maxPayload');
    warned = true;
    return undefined;
  }
  const original = (receiver.write as (chunk: Buffer) => boolean).bind(receiver);
  const guard = new FrameGuard(original, options);
  receiver.write = (chunk: Buffer) => guard.write(chunk);
  return guard;
}
