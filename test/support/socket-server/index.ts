/// <reference types="node" />
/**
 * The test socket server: real `ws` servers attached to the test runner's own HTTP server (same
 * origin as the test page), driven by the tests through the `ws` runner command (typed in
 * commands.ts; the browser's side is test/support/server.ts). Every channel records its
 * connections and what it received, and can send, close, drop or refuse on demand. No fake
 * WebSocket anywhere.
 *
 * The kinds of endpoint, one module each, share the channels (channels.ts):
 * - `/ws/<channel>` (ws-endpoint.ts): a bare `ws` server that records every frame;
 * - `/hx/<channel>` and `/hxu/<channel>` (hx-endpoint.ts): the project's real server helper
 *   (`attachHxWs` from src/server), which records every request its handler got and acks those
 *   with HX-Request-Id; `/hxu/` forgets a dropped chunked upload at once;
 * - `/hxr/<channel>` (hxr-endpoint.ts): the server helper with recovery on;
 * - `/hxa/<channel>` (hxa-endpoint.ts): the server helper with `authenticate` and recovery;
 * - `/hxz/<channel>` (hxz-endpoint.ts): the server helper with compression (permessage-deflate);
 * - `/hxrr/<channel>` (hxrr-endpoint.ts): two of them, A and B, on a throwaway redis-server;
 * - `/chat` (chat-endpoint.ts): the demo's chat room.
 * The commands of channels.ts (`state`, `send`, `close`, `drop`, `refuse`, ...) work on every kind.
 *
 * Loaded by test/support/ws-test-server.mjs through tsx, for web-test-runner.config.mjs.
 *
 * @module
 */
import type { Server as HttpServer } from 'node:http';
import type { TestRunnerPlugin } from '@web/test-runner';
import { SERVER_COMMAND, type CommandName, type CommandPayload } from './commands.js';
import { channelCommands, Channels, type Channel, type Handlers } from './channels.js';
import { chatEndpoint } from './chat-endpoint.js';
import { hxEndpoint } from './hx-endpoint.js';
import { hxaEndpoint } from './hxa-endpoint.js';
import { hxrEndpoint } from './hxr-endpoint.js';
import { hxrrEndpoint } from './hxrr-endpoint.js';
import { hxzEndpoint } from './hxz-endpoint.js';
import { wsEndpoint } from './ws-endpoint.js';

type ServeContext = Parameters<NonNullable<TestRunnerPlugin['serve']>>[0];

export interface WsTestServerOptions {
  /** The prefix of the bare channels (default `/ws/`). */
  prefix?: string;
}

/** The web-test-runner plugin: the endpoints while the runner's server runs, and the command. */
export function wsTestServer({ prefix = '/ws/' }: WsTestServerOptions = {}): TestRunnerPlugin {
  const channels = new Channels();
  const ws = wsEndpoint(channels, prefix);
  const hx = hxEndpoint(channels);
  const hxr = hxrEndpoint(hx);
  const hxa = hxaEndpoint(hx);
  const hxrr = hxrrEndpoint(channels, hx);
  const hxz = hxzEndpoint(hx);
  const chat = chatEndpoint();
  // In the order their `upgrade` listeners must run: /hx/'s gate before any helper's own listener.
  const endpoints = [ws, hx, hxr, hxa, hxrr, hxz, chat];

  /** Every command's handler: the build fails if one is missing, or takes or gives other types than commands.ts says. */
  const handlers = {
    ...channelCommands(channels),
    ...ws.commands,
    ...hx.commands,
    ...hxr.commands,
    ...hxa.commands,
    ...hxrr.commands,
    ...hxz.commands,
    ...chat.commands,
  } satisfies Handlers<CommandName>;

  return {
    name: 'ws-test-server',
    async serverStart({ server }) {
      // The runner's server is an HTTP one (its type says net.Server).
      // Each endpoint adds an `upgrade` listener (some two): more than Node's default warning count.
      const http = server as HttpServer;
      http.setMaxListeners(Math.max(http.getMaxListeners(), 2 * endpoints.length + 4));
      for (const endpoint of endpoints) await endpoint.start(http);
    },
    async serve(context: ServeContext) {
      // The demo chat room's uploaded files, as `npm start` serves them.
      const found = await chat.file(context.path);
      if (!found) return undefined;
      for (const [name, value] of Object.entries(found.headers)) context.set(name, value);
      // Koa sends a Buffer body as it is; the hook's type only names strings.
      return { body: found.body as unknown as string, type: found.type };
    },
    async serverStop() {
      channels.cutAll();
      // Last started, first stopped: /hxr/ and /hxrr/ are built on /hx/ (its upload directory).
      for (const endpoint of [...endpoints].reverse()) await endpoint.stop();
    },
    async executeCommand({ command, payload }) {
      if (command !== SERVER_COMMAND) return undefined;
      const { channel: name, action, ...args } = payload as CommandPayload<CommandName>;
      if (!Object.hasOwn(handlers, action)) throw new Error(`ws test server: unknown action ${action}`);
      const handler = handlers[action] as (c: Channel, a: typeof args) => unknown;
      return (await handler(channels.get(name), args)) ?? null;
    },
  };
}
