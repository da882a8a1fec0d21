/**
 * The settable surface of the two elements, as types only, made from the settings table
 * (`src/settings.ts`): which properties frameworks may set and which attributes they may write.
 * `react.ts` and `vue.ts` build their declarations from these, so a setting added to the table is
 * in every framework's types at once.
 *
 * @module
 */
import type { HxWsConnectElement } from './connect-element.js';
import type { HxWsEventMap } from '../events.js';
import type { FileEncoding } from '../protocol.js';
import type { CONNECT_SETTINGS, SEND_SETTINGS, SettingKind } from '../settings.js';
import type { HxWsSendElement } from './send-element.js';

type ConnectRow = (typeof CONNECT_SETTINGS)[number];
type SendRow = (typeof SEND_SETTINGS)[number];

/** Properties of `<hx-ws-connect>` a template may set (`url` may be a function). */
export type HxWsConnectPropertyName = ConnectRow['property'];

/** Properties of `<hx-ws-send>` a template may set. */
export type HxWsSendPropertyName = SendRow['property'];

/** `<hx-ws-connect>`'s properties, all optional. */
export type HxWsConnectProperties = Partial<Pick<HxWsConnectElement, HxWsConnectPropertyName>>;

/** `<hx-ws-send>`'s properties, all optional; `encoding` is one of the two encodings. */
export type HxWsSendProperties = Partial<Omit<Pick<HxWsSendElement, HxWsSendPropertyName>, 'encoding'>> & {
  encoding?: FileEncoding | null;
};

/** What an attribute of a setting of kind `K` may be written as. */
type AttributeValue<K extends SettingKind> = K extends 'flag' ? boolean | '' : K extends 'text' ? string : number | string;

/** The attribute spellings of the rows whose attribute name differs from the property's. */
type Attributes<R extends { property: string; attribute: string | null; kind: SettingKind }> = {
  [Row in R as Row['attribute'] extends string ? (Row['attribute'] extends Row['property'] ? never : Row['attribute']) : never]?: AttributeValue<Row['kind']>;
};

/** Attribute spellings of `<hx-ws-connect>`'s properties whose attribute name differs (for server rendering). */
export type HxWsConnectAttributes = Attributes<ConnectRow>;

/** Attribute spellings of `<hx-ws-send>`'s properties whose attribute name differs. */
export type HxWsSendAttributes = Attributes<SendRow>;

/** Every event name the elements fire (they bubble, so either element may hear any of them). */
export type HxWsEventName = keyof HxWsEventMap;
