/// <reference types="node" />
/**
 * What the app's hooks get of one connection ({@link HxWsContext}) and what it can send; the
 * contract that socket/connection-context.ts implements.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { SafeHtml } from './html.js';

/** What can be sent to a client: a string of HTML, or {@link SafeHtml} from the fragment helpers. */
export type Sendable = string | SafeHtml;

/** Options of {@link HxWsContext.broadcast} and {@link HxWsContext.toRoom}. */
export interface BroadcastOptions {
  /**
   * A connection to skip, typically the sender: its context, its socket (this process only), or
   * its {@link HxWsContext.id} (any process). Default: none.
   */
  except?: HxWsContext | WebSocket | string;
  /** Only this process's connections: the message is not handed to the adapter. Default false. */
  local?: boolean;
}

/**
 * What a connection keeps of the HTTP upgrade request it was opened with: the URL (path and
 * query), the method, the headers (cookies included) and the TCP (or TLS) socket, the same
 * objects the request had. The `IncomingMessage` itself is not kept: with its stream state and
 * raw header list it cost each idle connection about 0.8 KiB. `authenticate(req)`, `addressOf`
 * and a `path` function still get the whole request, before the upgrade.
 */
export type HxWsUpgradeRequest = Pick<IncomingMessage, 'url' | 'method' | 'headers' | 'socket'>;

/** One connection, as the handler and hooks see it. */
export interface HxWsContext {
  /** This connection's id, unique across every process sharing the adapter (for `except`). */
  readonly id: string;
  /** The `ws` socket. */
  readonly socket: WebSocket;
  /** What is kept of the HTTP upgrade request (URL, method, headers with the cookies, socket). */
  readonly req: HxWsUpgradeRequest;
  /** The rooms this connection is in. */
  readonly rooms: ReadonlySet<string>;
  /** Free-form per-connection state for the app (e.g. the user name after a login). */
  readonly data: Record<string, unknown>;
  /**
   * Recovery: whether this connection carries on an earlier one of its page (its session was
   * known and the log still held its position, or its `resume-from` position), so it has every
   * message since; `false` for a new session, where the app sends a fresh snapshot in
   * `onConnection`. `undefined` when the client did not ask for recovery or the server has it off.
   */
  readonly recovered: boolean | undefined;
  /** Recovery: the session id (128 random bits, base64url) of a recovering connection. */
  readonly sessionId: string | undefined;
  /** The identity `authenticate` gave this connection; undefined without `authenticate`. */
  readonly user: unknown;
  /**
   * Ends the connection because its credentials expired: close code 4401 (`CLOSE_EXPIRED`), with
   * `reason` (default "credentials expired"), after the requests already queued were handled.
   * The page reconnects at once, without backoff, through its `url` (a function is called
   * again and can carry a fresh token); its recovery session and uploads carry on if the new
   * credentials are the same user's.
   */
  expire(reason?: string): void;
  /**
   * Refuses the request being handled, keeping the socket: instead of its ack, the page gets
   * `<hx-ws-refused id="..." reason="...">` and fires `hx-ws-error` `request-refused` with
   * `reason` (sent to the page as it is: say nothing secret) and the request. Call it in the
   * handler's synchronous part (before its first `await`); elsewhere it throws.
   * @returns false (and nothing is sent) when the request has no `HX-Request-Id` (a page not in
   *   ack or recover mode, or htmx's own extension): it cannot be named, so answer it with a
   *   message of your own
   */
  refuse(reason: string): boolean;
  /**
   * Sends HTML to this connection.
   * @returns false (and sends nothing) when the socket is no longer open
   */
  send(html: Sendable): boolean;
  /**
   * Sends HTML to every open connection, on every process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  broadcast(html: Sendable, options?: BroadcastOptions): number;
  /** Adds this connection to a room (no-op if already in). Rooms are left on close. */
  join(room: string): void;
  /** Removes this connection from a room (no-op if not in). */
  leave(room: string): void;
  /**
   * Sends HTML to every open connection in a room (this one included, unless `except`), on every
   * process of the adapter.
   * @returns how many connections of this process it was sent to
   */
  toRoom(room: string, html: Sendable, options?: BroadcastOptions): number;
}
