/**
 * `hx-ws-elements/react`: JSX types for React 19. Nothing runs; import it once, for its types:
 *
 * ```ts
 * import 'hx-ws-elements';                  // registers the elements
 * import type {} from 'hx-ws-elements/react'; // <hx-ws-connect> and <hx-ws-send> in JSX
 * ```
 *
 * React 19 hands a custom element every prop whose name the element has as a property
 * (`url={() => ...}`, `reconnectDelay`, `vals={{...}}`) as that property, and writes any other
 * prop as an attribute. A prop named `on` + an event name adds a listener for exactly that event
 * (`onhx-ws-open`, case kept); `on<name>Capture` listens in the capture phase.
 *
 * @module
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { HxWsConnectElement } from './elements/connect-element.js';
import type {
  HxWsConnectAttributes,
  HxWsConnectProperties,
  HxWsSendAttributes,
  HxWsSendProperties,
} from './elements/element-props.js';
import type { HxWsEventMap } from './events.js';
import type { HxWsSendElement } from './elements/send-element.js';

/** Listener props for every hx-ws event, typed with its event class: `onhx-ws-open={(e) => ...}`. */
export type HxWsReactEventProps = {
  [K in keyof HxWsEventMap as `on${K}`]?: (event: HxWsEventMap[K]) => void;
} & {
  [K in keyof HxWsEventMap as `on${K}Capture`]?: (event: HxWsEventMap[K]) => void;
};

/** What React's own props for an element of type `E` are, plus `class` (React 19 writes it as is). */
type Base<E extends HTMLElement> = DetailedHTMLProps<HTMLAttributes<E>, E> & { class?: string };

/** Props of `<hx-ws-connect>` in JSX. */
export type HxWsConnectReactProps = Base<HxWsConnectElement> &
  HxWsConnectProperties &
  HxWsConnectAttributes &
  HxWsReactEventProps;

/** Props of `<hx-ws-send>` in JSX. */
export type HxWsSendReactProps = Base<HxWsSendElement> & HxWsSendProperties & HxWsSendAttributes & HxWsReactEventProps;

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'hx-ws-connect': HxWsConnectReactProps;
      'hx-ws-send': HxWsSendReactProps;
    }
  }
}
