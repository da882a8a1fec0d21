// The test socket server lives in test/support/socket-server/ (TypeScript, one module per kind
// of endpoint; index.ts says which). web-test-runner.config.mjs is plain ESM, so this shim
// loads it through tsx, as the server helper it attaches is loaded from src/.
import { tsImport } from 'tsx/esm/api';

/** @type {typeof import('./socket-server/index.ts').wsTestServer} */
export const { wsTestServer } = await tsImport('./socket-server/index.ts', import.meta.url);
