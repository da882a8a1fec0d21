/// <reference types="node" />
/**
 * The Redis adapter against a real `redis-server` (started by the test on a free port, no
 * persistence) with three server processes, each `attachHxWs` on its own port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterNode, type Client } from './support/cluster.js';
import { redisSkip, startRedis, type TestRedis } from './support/redis.js';

const skip = redisSkip();
if (skip) console.warn(`\n*** ${skip} ***\n`);

/** Resolves when `probe` returns true, polling; rejects after `timeoutMs`. */
async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The messages `client` got that start with `<p>tag`, as their numbers. */
function numbered(client: Client, tag: string): number[] {
  const out: number[] = [];
  for (const m of client.received) {
    const match = /^<p>([\w]+)-(\d+)<\/p>$/.exec(m);
    if (match && match[1] === tag) out.push(Number(match[2]));
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A Redis, three server processes on it, and `perNode` clients of each in room `r`. */
function cluster(prefix: string, perNode = 3, env: Record<string, string> = {}) {
  const state = { redis: undefined as unknown as TestRedis, nodes: [] as ClusterNode[], members: [] as Client[][], outsiders: [] as Client[] };
  before(async () => {
    state.redis = await startRedis();
    state.nodes = await Promise.all([0, 1, 2].map(() => ClusterNode.start(state.redis.url, { REDIS_PREFIX: prefix, ...env })));
    for (const node of state.nodes) {
      const clients = await Promise.all(range(perNode).map(() => node.client()));
      for (const c of clients) await c.request({ op: 'join', room: 'r' });
      state.members.push(clients);
      const outsider = await node.client();
      await outsider.request({ op: 'join', room: 'elsewhere' });
      state.outsiders.push(outsider);
    }
  });
  after(async () => {
    for (const c of [...state.members.flat(), ...state.outsiders]) c.close();
    await Promise.all(state.nodes.map((n) => n.stop()));
    await state.redis?.stop();
  });
  return state;
}

describe('Redis adapter: three processes, one room', { skip }, () => {
  const c = cluster('t-order');

  it('a room message from each process reaches every member on all three exactly once, in order', async () => {
    const N = 300;
    const sent = await Promise.all(c.nodes.map((node, i) => node.call<number>('burst', { room: 'r', count: N, prefix: `n${i}` })));
    // The returned count is this process's members that got it: 3 members x N messages.
    assert.deepEqual(sent, [3 * N, 3 * N, 3 * N]);
    const members = c.members.flat();
    await Promise.all(members.map((m) => m.until(() => m.received.length >= 3 * N)));
    await sleep(200); // any duplicate would have arrived by now
    for (const m of members) {
      assert.equal(m.received.length, 3 * N, `client ${m.id}: ${m.received.length} messages`);
      for (const i of [0, 1, 2]) assert.deepEqual(numbered(m, `n${i}`), range(N), `client ${m.id}, messages of process ${i}`);
    }
    for (const o of c.outsiders) assert.equal(o.received.length, 0, 'a client outside the room got room messages');
  });

  it('broadcast reaches every connection of every process once', async () => {
    const before = [...c.members.flat(), ...c.outsiders].map((x) => x.received.length);
    assert.equal(await c.nodes[1]!.call('broadcast', { html: '<p>all-0</p>' }), 4);
    const everyone = [...c.members.flat(), ...c.outsiders];
    await Promise.all(everyone.map((x, k) => x.until(() => x.received.length > before[k]!)));
    await sleep(100);
    for (const x of everyone) assert.deepEqual(numbered(x, 'all'), [0]);
  });

  it('except names a connection of another process by its id', async () => {
    const skipped = c.members[2]![1]!;
    assert.ok(skipped.id.startsWith(c.nodes[2]!.serverId), 'connection ids start with their server id');
    const others = c.members.flat().filter((m) => m !== skipped);
    assert.equal(await c.nodes[0]!.call('toRoom', { room: 'r', html: '<p>ex-0</p>', except: skipped.id }), 3);
    await Promise.all(others.map((m) => m.until(() => numbered(m, 'ex').length === 1)));
    // A later message from the same process arrives after the skipped one would have.
    await c.nodes[0]!.call('toRoom', { room: 'r', html: '<p>ex-1</p>' });
    await skipped.until(() => numbered(skipped, 'ex').length === 1);
    await Promise.all(others.map((m) => m.until(() => numbered(m, 'ex').length === 2)));
    assert.deepEqual(numbered(skipped, 'ex'), [1]);
    for (const m of others) assert.deepEqual(numbered(m, 'ex'), [0, 1]);
  });

  it("a connection's own toRoom with except: ctx skips only the sender, on every process", async () => {
    const sender = c.members[1]![0]!;
    await sender.request({ op: 'say', room: 'r', text: '<p>self-0</p>', exceptSelf: true });
    const others = c.members.flat().filter((m) => m !== sender);
    await Promise.all(others.map((m) => m.until(() => m.received.some((x) => x.includes('self-0')))));
    await sleep(100);
    assert.equal(sender.received.filter((x) => x.includes('self-0')).length, 0);
    for (const m of others) assert.equal(m.received.filter((x) => x.includes('self-0')).length, 1);
  });

  it('local: true stays on the publishing process', async () => {
    assert.equal(await c.nodes[0]!.call('toRoom', { room: 'r', html: '<p>local-0</p>', local: true }), 3);
    await Promise.all(c.members[0]!.map((m) => m.until(() => numbered(m, 'local').length === 1)));
    await c.nodes[0]!.call('toRoom', { room: 'r', html: '<p>local-1</p>' });
    const remote = [...c.members[1]!, ...c.members[2]!];
    await Promise.all(remote.map((m) => m.until(() => numbered(m, 'local').length >= 1)));
    for (const m of remote) assert.deepEqual(numbered(m, 'local'), [1]);
  });

  it('leave: a member that left gets no more room messages from any process', async () => {
    const leaver = c.members[0]![2]!;
    await leaver.request({ op: 'leave', room: 'r' });
    await c.nodes[2]!.call('toRoom', { room: 'r', html: '<p>left-0</p>' });
    await c.nodes[0]!.call('toRoom', { room: 'r', html: '<p>left-1</p>' });
    const stay = c.members[0]![0]!;
    await stay.until(() => numbered(stay, 'left').length === 2);
    await sleep(100);
    assert.deepEqual(numbered(leaver, 'left'), []);
    await leaver.request({ op: 'join', room: 'r' });
  });
});

describe('Redis adapter: presence across processes', { skip }, () => {
  const c = cluster('t-presence', 2);

  it('counts the connections of a room on all processes, and drops a SIGKILLed process within the TTL', async () => {
    const counts = async () => Promise.all(c.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.call<number>('count', { room: 'r' })));
    await eventually(async () => (await counts()).every((n) => n === 6), 5000, 'count r = 6 on every process');
    assert.deepEqual(await counts(), [6, 6, 6]);
    assert.equal(await c.nodes[0]!.call('count', {}), 9, 'every connection: 3 x (2 members + 1 outsider)');
    assert.equal(await c.nodes[0]!.call('count', { room: 'elsewhere' }), 3);

    c.members[1]![0]!.close();
    await eventually(async () => (await c.nodes[2]!.call<number>('count', { room: 'r' })) === 5, 5000, 'a closed client leaves the count');

    const killedAt = Date.now();
    await c.nodes[2]!.kill();
    await eventually(async () => (await c.nodes[0]!.call<number>('count', { room: 'r' })) === 3, 5000, 'the killed process drops out');
    const took = Date.now() - killedAt;
    // PRESENCE_TTL is 1000 ms in the test processes; a heartbeat may have just been sent.
    assert.ok(took <= 1500, `dropped out after ${took} ms`);
    assert.equal(await c.nodes[1]!.call('count', { room: 'r' }), 3);

    await c.nodes[1]!.stop();
    assert.equal(await c.nodes[0]!.call('count', { room: 'r' }), 2, 'a graceful stop leaves at once');
  });
});

describe('Redis adapter: Redis killed and restarted mid-run', { skip }, () => {
  const c = cluster('t-restart', 2);

  it('reports every publish made during the outage and resumes delivery by itself', async () => {
    const members = c.members.flat();
    await Promise.all(c.nodes.map((node, i) => node.call('burst', { room: 'r', count: 20, prefix: `pre${i}` })));
    await Promise.all(members.map((m) => m.until(() => m.received.length >= 60)));

    await c.redis.kill();
    await Promise.all(c.nodes.map((n) => n.waitFor((e) => e.event === 'status' && e.state === 'down')));
    const during = await Promise.all(c.nodes.map((node, i) => node.call<number>('burst', { room: 'r', count: 25, prefix: `out${i}` })));
    assert.deepEqual(during, [50, 50, 50], 'local members still get local messages');
    for (const [i, node] of c.nodes.entries()) {
      await eventually(() => node.events.filter((e) => e.event === 'publish-error').length === 25, 5000, `process ${i}: 25 reported`);
      const reported = node.events.filter((e) => e.event === 'publish-error').map((e) => e.html);
      assert.deepEqual(reported, range(25).map((k) => `<p>out${i}-${k}</p>`), 'each report carries its message');
    }
    for (const [i, group] of c.members.entries()) {
      for (const m of group) {
        await m.until(() => numbered(m, `out${i}`).length === 25);
        for (const j of [0, 1, 2]) if (j !== i) assert.deepEqual(numbered(m, `out${j}`), [], 'nothing crossed during the outage');
      }
    }

    await c.redis.start();
    await Promise.all(c.nodes.map((n) => n.waitFor((e) => e.event === 'status' && e.state === 'up' && n.events.some((d) => d.state === 'down') && n.events.lastIndexOf(e) > n.events.findIndex((d) => d.state === 'down'))));
    await Promise.all(c.nodes.map((node, i) => node.call('burst', { room: 'r', count: 100, prefix: `post${i}` })));
    await Promise.all(members.map((m) => m.until(() => [0, 1, 2].every((i) => numbered(m, `post${i}`).length >= 100))));
    await sleep(200);
    for (const m of members) {
      for (const i of [0, 1, 2]) {
        assert.deepEqual(numbered(m, `post${i}`), range(100), `client ${m.id}, process ${i} after the restart`);
        // Each process added its last messages again after the reconnect; none arrives twice.
        assert.deepEqual(numbered(m, `pre${i}`), range(20), `client ${m.id}: messages from before the outage, once`);
      }
    }
    await eventually(async () => (await c.nodes[0]!.call<number>('count', { room: 'r' })) === 6, 5000, 'presence written again after the restart');
    for (const node of c.nodes) assert.deepEqual(node.events.filter((e) => e.event === 'error'), [], 'no other adapter errors');
  });
});

describe('Redis adapter: what Redis lost in a restart is added again', { skip }, () => {
  const c = cluster('t-resend', 2);

  it('entries that one process had not read when Redis restarted reach it after, once', async () => {
    const [p0, p1, p2] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    // Process 2 stands still (SIGSTOP) while process 0 publishes, so it reads nothing.
    p2.child.kill('SIGSTOP');
    try {
      await p0.call('burst', { room: 'r', count: 30, prefix: 'gap' });
      await Promise.all(c.members[1]!.map((m) => m.until(() => numbered(m, 'gap').length === 30)));
      await c.redis.kill();
      await Promise.all([p0, p1].map((n) => n.waitFor((e) => e.event === 'status' && e.state === 'down')));
      await c.redis.start();
    } finally {
      p2.child.kill('SIGCONT');
    }
    for (const m of c.members[2]!) await m.until(() => numbered(m, 'gap').length >= 30);
    await sleep(300);
    for (const m of c.members.flat()) assert.deepEqual(numbered(m, 'gap'), range(30), `client ${m.id}: each message once, in order`);
    for (const node of c.nodes) assert.deepEqual(node.events.filter((e) => e.event === 'publish-error'), []);
  });
});

describe('Redis adapter: a reader that fell behind past maxLen', { skip }, () => {
  const c = cluster('t-trim', 1, { MAX_LEN: '10' });

  it('reports the messages trimmed from the stream before it read them', async () => {
    const [p0, , p2] = c.nodes as [ClusterNode, ClusterNode, ClusterNode];
    await p0.call('toRoom', { room: 'r', html: '<p>warm-0</p>' });
    await Promise.all(c.members.flat().map((m) => m.until(() => numbered(m, 'warm').length === 1)));
    p2.child.kill('SIGSTOP');
    try {
      await p0.call('burst', { room: 'r', count: 500, prefix: 'trim' });
      await sleep(300);
    } finally {
      p2.child.kill('SIGCONT');
    }
    const missedBy = (node: ClusterNode) =>
      node.events.filter((e) => e.event === 'error').reduce((sum, e) => sum + Number(/: (\d+) message\(s\) from server .* never reached this process/.exec(e.message ?? '')?.[1] ?? NaN), 0);
    // Every message either reached a reader's sockets or is counted in that reader's reports.
    for (const i of [1, 2]) {
      const member = c.members[i]![0]!;
      await eventually(() => numbered(member, 'trim').length + missedBy(c.nodes[i]!) === 500, 5000, `process ${i}: arrived + reported = 500`);
    }
    assert.ok(missedBy(p2) > 0, 'the process that stood still lost some to trimming, and said so');
    assert.deepEqual(p0.events.filter((e) => e.event === 'error'), [], 'the publisher reads nothing of its own');
  });
});
