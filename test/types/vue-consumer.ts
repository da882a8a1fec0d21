// What a Vue 3 app sees once it imports the template types: the tags are in GlobalComponents,
// with the elements' properties as props and the hx-ws events as emits.
import type {} from 'hx-ws-elements/vue';
import type { HxWsConnectElement, HxWsOpenEvent } from 'hx-ws-elements';
import type { GlobalComponents } from 'vue';

type ConnectComponent = InstanceType<GlobalComponents['hx-ws-connect']>;
type SendComponent = InstanceType<GlobalComponents['hx-ws-send']>;

const connectProps: ConnectComponent['$props'] = {
  url: () => '/chat',
  maxRetries: 3,
  'max-retries': 3,
  class: 'chat',
};
const sendProps: SendComponent['$props'] = { vals: { room: 'lobby' }, maxFiles: 2, for: 'chat', chunkSize: '1MB', 'chunk-size': '1MB', encoding: 'multipart/json-files-inline' };
// @ts-expect-error encoding is one of the two encodings
const badEncoding: SendComponent['$props'] = { encoding: 'multipart/form-data' };
void badEncoding;
// @ts-expect-error maxRetries is a number
const wrong: ConnectComponent['$props'] = { maxRetries: {} };
void connectProps, sendProps, wrong;

// The component instance is the element.
const el: HxWsConnectElement = {} as ConnectComponent;
void el;

// Emits carry the event classes.
declare const component: ConnectComponent;
component.$emit('hx-ws-open', {} as HxWsOpenEvent);
// @ts-expect-error not one of the element's events
component.$emit('hx-ws-nope', new Event('x'));
