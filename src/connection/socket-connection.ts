/**
 * One element's WebSocket: one status field, the host entering and leaving the page, the app's
 * `close()` / `reconnect()`, and sends. Each socket's life (open, messages, errors, closes) is
 * {@link SocketLink}'s; retry scheduling, the outbox, delivery (acks, progress, chunked-upload
 * resumes), recovery, the connect and idle clocks and the swap of a message live in their own
 * modules. A plain class with no Lit in it (it is the Lit controller of `<hx-ws-connect>`), so
 * the element and the `hx-ws="connect:..."` shim share every line of it.
 *
 * @module
 */
import type { ReactiveController } from '@lit/reactive-element';
import { config } from '../config.js';
import type { OutgoingRequest } from '../events.js';
import { frameBytes } from '../protocol.js';
import { nextRequestId } from './outbox.js';
import { register, unregister } from './registry.js';
import { SocketLink } from './socket-link.js';

export type { ConnectionSettings } from '../settings.js';
export type { ConnectionSeams, ConnectionStatus } from './socket-link.js';
export { connectionOf, findConnection } from './registry.js';

let leaveCalls = 0;

/** A socket owned by an element. */
export class SocketConnection extends SocketLink implements ReactiveController {
  /** Key of the stop that waits a microtask after the host left; 0 when none. */
  #leaving = 0;

  /** `WebSocket.readyState` of the current socket, or `CLOSED` (3) when there is none. */
  get readyState(): number {
    return this.socket?.readyState ?? WebSocket.CLOSED;
  }

  /** Requests waiting for the socket to open. */
  get queued(): readonly OutgoingRequest[] {
    return this.outbox.queued;
  }

  /** Ack mode: whether requests made now carry `HX-Request-Id` and wait for the server's ack. */
  get ack(): boolean {
    const s = this.settings();
    return !!(s.ack || s.recover);
  }

  /** Recovery mode: the position of the last message applied, if any. */
  get position(): string | undefined {
    return this.recovery.position;
  }

  /**
   * Ack mode: requests sent on the current socket that the server has not acknowledged yet; in
   * recovery mode also those kept from an earlier socket, to be sent again on the next open.
   */
  get unconfirmed(): readonly OutgoingRequest[] {
    return this.delivery.unconfirmed;
  }

  /** The host entered the page: start owning a socket. Idempotent. */
  hostConnected(): void {
    this.#leaving = 0;
    if (this.status === 'pending') this.#scheduleOpen(); // back before the stop, first open skipped
    if (this.status !== 'stopped') return;
    this.status = 'pending';
    register(this.host, this);
    this.retry.listen();
    this.#scheduleOpen();
  }

  /**
   * Opens a microtask later, so properties set right after insertion (as frameworks do) count. An
   * element that has left the page by then opens nothing (and stays `pending`): a socket aborted
   * while connecting costs a handshake, and Chrome counts it as a failure and delays the page's
   * next connections.
   */
  #scheduleOpen(): void {
    queueMicrotask(() => {
      if (this.status === 'pending' && !this.#leaving && this.host.isConnected) this.open();
    });
  }

  /**
   * The host left the page: stop owning the socket. The stop waits a microtask so that moving
   * the element (remove + insert in one task) keeps the same socket.
   */
  hostDisconnected(): void {
    if (this.status === 'stopped' || this.#leaving) return;
    const key = (this.#leaving = ++leaveCalls);
    queueMicrotask(() => {
      if (this.#leaving === key) this.stop();
    });
  }

  /** Closes the socket with 1000, drops every timer and listener, reports unsent requests. */
  stop(): void {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.#leaving = 0;
    unregister(this.host, this);
    this.retry.unlisten();
    this.closeSocket(1000, 'element removed');
    const why = 'the connecting element was removed';
    this.delivery.giveUp(why);
    this.recovery.giveUp(why);
    this.outbox.abandon(why);
  }

  /** Closes the socket at the app's request: no reconnect until {@link reconnect}. */
  close(code = 1000, reason = ''): void {
    this.retry.cancel();
    if (this.status !== 'stopped') this.status = 'closed';
    this.closeSocket(code, reason);
    this.delivery.giveUp('the connection was closed');
    this.recovery.giveUp('the socket was closed by the page');
  }

  /** Drops the current socket (if any) and opens a new one now, with the retry count at 0. */
  reconnect(): void {
    this.retryCount = 0;
    this.retry.cancel();
    this.closeSocket(1000, 'reconnecting');
    if (this.status === 'stopped') return;
    this.status = 'idle';
    this.open();
  }

  /**
   * Sends raw data (a string, Blob or buffer) now, or queues it until the socket opens. It goes
   * after any send made before it that is still reading files.
   */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    const frame = ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? new Blob([data as BlobPart]) : data;
    const request: OutgoingRequest = {
      id: nextRequestId(),
      source: this.host,
      values: {},
      headers: {},
      frames: [frame],
      bytes: frameBytes(frame),
    };
    if (this.outbox.busy) void this.outbox.after(() => this.sendRequest(request));
    else this.sendRequest(request);
  }

  /**
   * Sends a request's frames back to back, or queues the request (in order) while the socket is
   * not open. A full queue drops this request with an error event that carries it.
   */
  sendRequest(request: OutgoingRequest): void {
    if (this.status === 'open' && this.socket && this.outbox.queued.length === 0 && !this.delivery.busy) {
      this.delivery.transmit(this.socket, request);
      return;
    }
    if (!this.outbox.hold(request, this.number('queueLimit') ?? config.queueLimit)) return;
    if (this.status === 'idle' || this.status === 'pending') this.open();
  }


}
