/**
 * `hx-ws-elements/ack`: delivery acknowledgements (`<hx-ws-connect ack>`, `hx-ws-ack`). Every
 * request carries an `HX-Request-Id` and stays unconfirmed until the server's ack; requests
 * still unconfirmed when the socket closes are reported (`send-unconfirmed`).
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/ack';
 */
import { addFeature } from './core/features.js';
import { ackFeature } from './features/acks/ack-tracker.js';

addFeature(ackFeature);
