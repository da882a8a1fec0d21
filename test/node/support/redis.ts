/// <reference types="node" />
/**
 * A real, throwaway Redis for the tests: finds `redis-server` (or `valkey-server`) on PATH,
 * starts it on a free loopback port in a temporary directory with no persistence, and stops it.
 * Without one, the Redis tests are skipped with a reason that says how to install it; under
 * `CI=true` a missing server is an error instead (see {@link redisSkip}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How to get a server, for the skip message. */
export const INSTALL_HINT = 'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`';

/** The first `redis-server` or `valkey-server` on PATH (or REDIS_SERVER), if any. */
export function findRedisServer(): string | undefined {
  const explicit = process.env.REDIS_SERVER;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin', '/opt/homebrew/bin'];
  for (const name of ['redis-server', 'valkey-server']) {
    for (const dir of dirs) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/**
 * The `skip` option for a Redis test suite: false when a server exists, else the reason.
 * @throws {Error} under CI=true when there is no server (CI must run these tests)
 */
export function redisSkip(): false | string {
  if (findRedisServer()) return false;
  const reason = `redis-server not found: the Redis adapter tests are SKIPPED; ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  return reason;
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.write('PING\r\n');
        socket.once('data', () => {
          socket.destroy();
          resolve();
        });
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > until) reject(new Error(`redis-server did not answer on port ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** One running test Redis. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: no goodbye to its clients), keeping its port for {@link start}. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: there is no persistence). */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port with `--save '' --appendonly no` in a temporary dir. */
export async function startRedis(): Promise<TestRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found; ${INSTALL_HINT}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hxws-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'], {
      stdio: 'ignore',
    });
    child = proc;
    await waitForPort(port, 5000);
  };
  const kill = (): Promise<void> =>
    new Promise((resolve) => {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
