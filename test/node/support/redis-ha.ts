/// <reference types="node" />
/**
 * Throwaway highly available Redis for the tests: a Sentinel set (one master, one replica, three
 * sentinels) and a Cluster (three masters), each on free loopback ports in a temporary
 * directory, with no persistence, started and stopped by the test. Uses the `redis-server` (and
 * for the cluster, the `redis-cli` beside it) that support/redis.ts finds.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { findRedisServer, freePort, INSTALL_HINT, redisSkip } from './redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `redis-server` process of a set. */
interface Proc {
  readonly port: number;
  child: ChildProcess | undefined;
}

function kill(proc: Proc): Promise<void> {
  return new Promise((resolve) => {
    const child = proc.child;
    proc.child = undefined;
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function answers(port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      if (Date.now() > end) throw new Error(`redis-server did not answer on port ${port}`);
      await sleep(20);
    }
  }
}

function server(bin: string, args: string[]): ChildProcess {
  return spawn(bin, args, { stdio: 'ignore' });
}

/** A master, a replica and three sentinels watching them (quorum 2). */
export interface TestSentinels {
  /** The master's name, for ioredis's `name`. */
  readonly name: string;
  /** The sentinels, for ioredis's `sentinels`. */
  readonly sentinels: { host: string; port: number }[];
  /** The port of the master now, as the sentinels say. */
  master(): Promise<number>;
  /** Kills the current master (SIGKILL) and resolves once the sentinels name another. */
  failover(): Promise<{ from: number; to: number; ms: number }>;
  stop(): Promise<void>;
}

/**
 * Starts the Sentinel set, and waits until the sentinels know the replica (a failover needs
 * it), so that a killed master is replaced within a few seconds (down after 500 ms).
 */
export async function startSentinels(name = 'hxws-master'): Promise<TestSentinels> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found; ${INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'hxws-sentinel-'));
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'];
  const [mPort, rPort, ...sPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const data: Proc[] = [
    { port: mPort!, child: undefined },
    { port: rPort!, child: undefined },
  ];
  data[0]!.child = server(bin, ['--port', String(mPort), ...common]);
  data[1]!.child = server(bin, ['--port', String(rPort), ...common, '--replicaof', '127.0.0.1', String(mPort)]);
  const sentinels: Proc[] = sPorts.map((port) => ({ port, child: undefined }));
  for (const [i, s] of sentinels.entries()) {
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${s.port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${mPort} 2`,
        `sentinel down-after-milliseconds ${name} 500`,
        `sentinel failover-timeout ${name} 2000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    s.child = server(bin, [conf, '--sentinel']);
  }
  const stop = async (): Promise<void> => {
    await Promise.all([...data, ...sentinels].map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([...data, ...sentinels].map((p) => answers(p.port)));
    // Every sentinel must see the replica with a working link before a failover can pick it.
    const end = Date.now() + 15_000;
    for (;;) {
      const replicas = (await Promise.all(
        sentinels.map(async (s) => {
          const c = new Redis({ port: s.port, host: '127.0.0.1' });
          try {
            return (await c.call('SENTINEL', 'REPLICAS', name)) as string[][];
          } finally {
            c.disconnect();
          }
        }),
      )) as string[][][];
      const ok = replicas.every((list) => list.some((r) => r[r.indexOf('port') + 1] === String(rPort) && r[r.indexOf('master-link-status') + 1] === 'ok'));
      if (ok) break;
      if (Date.now() > end) throw new Error('the sentinels never saw the replica');
      await sleep(200);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const master = async (): Promise<number> => {
    const c = new Redis({ port: sentinels[0]!.port, host: '127.0.0.1' });
    try {
      const [, port] = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  };
  return {
    name,
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    master,
    async failover() {
      const from = await master();
      const started = Date.now();
      await kill(data.find((d) => d.port === from)!);
      const end = started + 20_000;
      for (;;) {
        const to = await master();
        if (to !== from) return { from, to, ms: Date.now() - started };
        if (Date.now() > end) throw new Error('no failover within 20 s');
        await sleep(100);
      }
    },
    stop,
  };
}

/** Three masters of a Redis Cluster, no replicas. */
export interface TestCluster {
  readonly nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** `redis-cli` beside `redis-server` (or on PATH). */
function findRedisCli(bin: string): string | undefined {
  for (const name of ['redis-cli', 'valkey-cli']) {
    const candidate = join(dirname(bin), name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The `skip` option for the Cluster test: as {@link redisSkip}, and also when `redis-cli` (which
 * creates the cluster) is missing.
 * @throws {Error} under CI=true when either is missing
 */
export function clusterSkip(): false | string {
  const server = redisSkip();
  if (server) return server;
  if (findRedisCli(findRedisServer()!)) return false;
  const reason = `redis-cli not found beside ${findRedisServer()}: the Redis Cluster test is SKIPPED; ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  return reason;
}

/** Starts three `--cluster-enabled yes` servers and joins them with `redis-cli --cluster create`. */
export async function startCluster(): Promise<TestCluster> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found; ${INSTALL_HINT}`);
  const cli = findRedisCli(bin);
  if (!cli) throw new Error(`redis-cli not found beside ${bin}`);
  const dir = mkdtempSync(join(tmpdir(), 'hxws-cluster-'));
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const procs: Proc[] = ports.map((port, i) => ({
    port,
    child: server(bin, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${i}.conf`),
      '--cluster-node-timeout',
      '2000',
    ]),
  }));
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(procs.map((p) => answers(p.port)));
    await new Promise<void>((resolve, reject) =>
      execFile(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { timeout: 20_000 }, (error, _out, err) =>
        error ? reject(new Error(`redis-cli --cluster create failed: ${err || error.message}`)) : resolve(),
      ),
    );
    // Until every node agrees the cluster is up.
    const end = Date.now() + 15_000;
    for (const port of ports) {
      for (;;) {
        const c = new Redis({ port, host: '127.0.0.1' });
        const info = String(await c.call('CLUSTER', 'INFO'));
        c.disconnect();
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > end) throw new Error('the cluster never came up');
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}
