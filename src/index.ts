/**
 * `hx-ws-elements`: registers `<hx-ws-connect>` and `<hx-ws-send>` and exports their classes,
 * the events and the configuration.
 */
import { HxWsConnectElement } from './elements/connect-element.js';
import { HxWsSendElement } from './elements/send-element.js';

HxWsConnectElement.define();
HxWsSendElement.define();

export { HxWsConnectElement } from './elements/connect-element.js';
export { HxWsSendElement } from './elements/send-element.js';
export { config, type HxWsConfig, type ReconnectDelay } from './config.js';
export * from './events.js';
export type { ConnectionSeams, ConnectionStatus, SocketConnection } from './connection/socket-connection.js';
