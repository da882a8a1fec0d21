/**
 * `hx-ws-elements/vue`: template types for Vue 3 (`vue-tsc`, Volar). Nothing runs; import it
 * once, for its types:
 *
 * ```ts
 * import 'hx-ws-elements';                // registers the elements
 * import type {} from 'hx-ws-elements/vue'; // <hx-ws-connect> and <hx-ws-send> in templates
 * ```
 *
 * Tell Vue's compiler the tags are custom elements (`compilerOptions.isCustomElement:
 * (tag) => tag.startsWith('hx-ws-')`). Vue then sets a bound value as a property when the element
 * has a property of exactly that name (`:url="() => ..."`, `:vals="{...}"`); write the others in
 * camelCase (`:reconnectDelay`, `:maxRetries`), since Vue does not camelize names for elements it
 * did not build, or use the attribute spelling with a string (`max-retries="5"`). `@hx-ws-open`
 * listens to the event `hx-ws-open`.
 *
 * @module
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { HxWsConnectElement } from './elements/connect-element.js';
import type { HxWsConnectAttributes, HxWsConnectProperties, HxWsSendAttributes, HxWsSendProperties } from './elements/element-props.js';
import type { HxWsEventMap } from './events.js';
import type { HxWsSendElement } from './elements/send-element.js';

/** Vue's `$emit` shape for a map of event names to event classes. */
type VueEmit<Events extends object> = EmitFn<{
  [K in keyof Events]: (event: Events[K]) => void;
}>;

/**
 * A custom element as a Vue component type: the `$props` and `$emit` members exist only for the
 * template type checker (they are not on the element at run time).
 */
export type HxWsVueElement<E extends HTMLElement, Props extends object, Attributes extends object> = new () => E & {
  /** @deprecated For template type checking only; not on the element. */
  $props: HTMLAttributes & Props & Attributes & PublicProps;
  /** @deprecated For template type checking only; not on the element. */
  $emit: VueEmit<HxWsEventMap>;
};

declare module 'vue' {
  interface GlobalComponents {
    'hx-ws-connect': HxWsVueElement<HxWsConnectElement, HxWsConnectProperties, HxWsConnectAttributes>;
    'hx-ws-send': HxWsVueElement<HxWsSendElement, HxWsSendProperties, HxWsSendAttributes>;
  }
}
