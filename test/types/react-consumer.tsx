// What a React 19 app sees once it imports the JSX types.
import type {} from 'hx-ws-elements/react';
import type { HxWsCloseEvent, HxWsOpenEvent } from 'hx-ws-elements';
import { useState, type JSX } from 'react';

export function Chat({ token }: { token: string }): JSX.Element {
  const [count, setCount] = useState(0);
  return (
    <hx-ws-connect
      url={() => `/chat?token=${token}`}
      maxRetries={5}
      queue-limit="50"
      className="chat"
      onhx-ws-open={(e) => console.log(e.socket.url)}
      onhx-ws-close={(e) => console.log(e.code, e.willReconnect)}
      onhx-ws-oob-after-swapCapture={(e) => console.log(e.swapTarget)}
    >
      <ul id="messages" />
      <hx-ws-send vals={{ room: 'lobby' }} max-file-size="10MB" chunkSize="1MB" encoding="multipart/json-files-oob" onhx-ws-after-send={(e) => setCount(count + e.request.id)}>
        <form>
          <input name="message" />
        </form>
      </hx-ws-send>
    </hx-ws-connect>
  );
}

export const wrongEvent = (
  // @ts-expect-error an open listener gets an open event, not a close event
  <hx-ws-connect onhx-ws-open={(e: HxWsCloseEvent) => e.code} />
);
export const wrongProp = (
  // @ts-expect-error maxRetries is a number
  <hx-ws-connect maxRetries={{}} />
);
export const rightEvent = <hx-ws-connect onhx-ws-open={(e: HxWsOpenEvent) => e.socket} />;
export const wrongEncoding = (
  // @ts-expect-error encoding is one of the two encodings
  <hx-ws-send encoding="multipart/form-data" />
);
export const chunkAttribute = <hx-ws-send chunk-size="256KB" />;
