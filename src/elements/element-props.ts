/**
 * The settable surface of the two elements, as types only: which properties frameworks may set
 * and which attributes they may write. `react.ts` and `vue.ts` build their declarations from
 * these lists, so a property added to an element is added here once.
 *
 * @module
 */
import type { HxWsConnectElement } from './connect-element.js';
import type { HxWsEventMap } from '../events.js';
import type { HxWsSendElement } from './send-element.js';

/** Properties of `<hx-ws-connect>` a template may set (`url` may be a function). */
export type HxWsConnectPropertyName =
  | 'url'
  | 'scheme'
  | 'protocols'
  | 'reconnectDelay'
  | 'reconnectCodes'
  | 'maxRetries'
  | 'queueLimit'
  | 'pauseWhileHidden'
  | 'connectTimeout'
  | 'warnAfter'
  | 'ack'
  | 'recover'
  | 'resumeFrom'
  | 'idleTimeout';

/** Properties of `<hx-ws-send>` a template may set. */
export type HxWsSendPropertyName =
  | 'for'
  | 'trigger'
  | 'include'
  | 'vals'
  | 'params'
  | 'headers'
  | 'encoding'
  | 'maxFileSize'
  | 'maxFiles';

/** `<hx-ws-connect>`'s properties, all optional. */
export type HxWsConnectProperties = Partial<Pick<HxWsConnectElement, HxWsConnectPropertyName>>;

/** `<hx-ws-send>`'s properties, all optional. */
export type HxWsSendProperties = Partial<Pick<HxWsSendElement, HxWsSendPropertyName>>;

/** Attribute spellings of the properties whose attribute name differs (for server rendering). */
export interface HxWsConnectAttributes {
  'max-retries'?: number | string;
  'queue-limit'?: number | string;
  'pause-while-hidden'?: boolean | '';
  'connect-timeout'?: number | string;
  'resume-from'?: string;
  'idle-timeout'?: number | string;
}

/** Attribute spellings of `<hx-ws-send>`'s properties whose attribute name differs. */
export interface HxWsSendAttributes {
  'max-file-size'?: number | string;
  'max-files'?: number | string;
}

/** Every event name the elements fire (they bubble, so either element may hear any of them). */
export type HxWsEventName = keyof HxWsEventMap;
