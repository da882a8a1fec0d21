/** Lit glue shared by both elements: ties a plain class to the host's connected lifecycle. */
import type { ReactiveController, ReactiveControllerHost } from '@lit/reactive-element';

/** What the lifecycle drives: a {@link Connection} or a {@link Sender}. */
export interface Attachable {
  connect(): void;
  disconnect(): void;
}

/** Calls `connect()` in `hostConnected` and `disconnect()` in `hostDisconnected`. */
export class LifecycleController<T extends Attachable> implements ReactiveController {
  constructor(
    host: ReactiveControllerHost,
    /** The object this controller drives. */
    readonly target: T,
  ) {
    host.addController(this);
  }
  hostConnected(): void {
    this.target.connect();
  }
  hostDisconnected(): void {
    this.target.disconnect();
  }
}
