/// <reference types="node" />
/**
 * The child-process server of the memory tests (test/node/child-server.ts): started with options
 * (and an optional handler delay), then driven with commands over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Options } from '../server-helpers.js';

/** Starts the child server with `options`; `handlerMs` makes its handler take that long. */
export async function startChild(t: TestContext, options: Options, handlerMs?: number) {
  const child: ChildProcess = fork(fileURLToPath(new URL('../child-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  t.after(() => void child.kill());
  const replies: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  child.on('message', (m: Record<string, unknown>) => {
    const w = waiting.shift();
    if (w) w(m);
    else replies.push(m);
  });
  const next = () => new Promise<Record<string, unknown>>((resolve) => (replies.length ? resolve(replies.shift()!) : waiting.push(resolve)));
  const ask = async (command: Record<string, unknown>) => {
    child.send(command);
    return next();
  };
  await next(); // alive
  const { port } = (await ask({ type: 'start', options, ...(handlerMs ? { handlerMs } : {}) })) as { port: number };
  return { port, ask };
}
