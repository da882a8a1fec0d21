/// <reference types="node" />
/**
 * Drives a test cluster: server processes (support/cluster-node.ts) as children, and `ws`
 * clients that record what they receive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { json } from '../helpers.js';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.ts', import.meta.url));

/** An event a server process reported. */
export interface NodeEvent {
  event: 'status' | 'publish-error' | 'error' | 'listening';
  state?: 'up' | 'down';
  html?: string;
  room?: string;
  message?: string;
}

/** One server process. */
export class ClusterNode {
  readonly events: NodeEvent[] = [];
  port = 0;
  serverId = '';
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly waiters: { test: (e: NodeEvent) => boolean; resolve: () => void }[] = [];

  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const message = raw as { id?: number; result?: unknown } & NodeEvent;
      if (message.id !== undefined) {
        this.pending.get(message.id)?.(message.result);
        this.pending.delete(message.id);
        return;
      }
      this.events.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  }

  /** Starts a server process on Redis at `redisUrl`; resolves once its adapter is up. */
  static async start(redisUrl: string, env: Record<string, string> = {}): Promise<ClusterNode> {
    const child = fork(NODE_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, REDIS_URL: redisUrl, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new ClusterNode(child);
    await node.waitFor((e) => e.event === 'listening');
    const listening = node.events.find((e) => e.event === 'listening') as NodeEvent & { port: number; serverId: string };
    node.port = listening.port;
    node.serverId = listening.serverId;
    return node;
  }

  /** Resolves when an event matching `test` has arrived (or already had). */
  waitFor(test: (e: NodeEvent) => boolean, timeoutMs = 10_000): Promise<void> {
    if (this.events.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server process: no such event in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Sends a command and resolves with its result. */
  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (result: unknown) => void);
      this.child.send({ id, op, ...args });
    });
  }

  /** Opens a client on this process. */
  client(): Promise<Client> {
    return Client.open(`ws://127.0.0.1:${this.port}/ws`);
  }

  /** SIGKILL: no goodbye. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  /** A graceful stop (hx.close), or a kill if it does not stop in time. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    this.child.send({ id: 0, op: 'close' });
    await exited;
    clearTimeout(timer);
  }
}

/** A `ws` client that records every text message. */
export class Client {
  readonly messages: string[] = [];
  id = '';
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      const me = /^<i id="me">(.*)<\/i>$/.exec(text);
      if (me) this.id = me[1]!;
      else this.messages.push(text);
      for (const waiter of [...this.waiters]) {
        if (waiter.test()) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.until(() => client.id !== '');
    return client;
  }

  /** Resolves when `test` holds (checked on each message). */
  until(test: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${this.id}: condition not met in ${timeoutMs} ms; got ${this.messages.length} messages`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Sends a request and waits for the server's `done` for it. */
  async request(values: Record<string, unknown>): Promise<void> {
    const done = this.messages.filter((m) => m.startsWith('<i id="done">')).length;
    this.ws.send(json(values));
    await this.until(() => this.messages.filter((m) => m.startsWith('<i id="done">')).length > done);
  }

  /** Messages other than the server's `done` acknowledgements. */
  get received(): string[] {
    return this.messages.filter((m) => !m.startsWith('<i id="done">'));
  }

  close(): void {
    this.ws.close();
  }
}
