/**
 * `hx-ws-elements`: registers `<hx-ws-connect>` and `<hx-ws-send>` and exports their classes,
 * the events and the configuration.
 */
import { HxWsConnectElement } from './connect-element.js';

HxWsConnectElement.define();

export { HxWsConnectElement } from './connect-element.js';
export { config, type HxWsConfig, type ReconnectDelay } from './config.js';
export * from './events.js';
