/** Lit glue: ties a {@link Connection} to an element's connected/disconnected lifecycle. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Connection, type ConnectionSettings } from './connection.js';

/** Opens the socket in `hostConnected` and closes it in `hostDisconnected`. */
export class ConnectionController implements ReactiveController {
  /** The connection this controller drives. */
  readonly connection: Connection;
  constructor(host: ReactiveControllerHost & Element, settings: () => ConnectionSettings) {
    this.connection = new Connection(host, settings);
    host.addController(this);
  }
  hostConnected(): void {
    this.connection.connect();
  }
  hostDisconnected(): void {
    this.connection.disconnect();
  }
}
