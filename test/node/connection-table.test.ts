/// <reference types="node" />
// The heartbeat's table on its own (socket/connection-table.ts), on a fake clock: slots, when
// each is visited, and what a late timer does. The interval is 10 ticks throughout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionTable, HEARTBEAT_TICK_MS as TICK } from '../../src/server/socket/connection-table.js';

const INTERVAL = 10 * TICK;

/** A connection that records when it was visited. */
function member(clock: { now: number }) {
  const visits: number[] = [];
  return { slot: -1, visits, heartbeat: () => void visits.push(clock.now) };
}

/** Ticks from `from` to `to` (inclusive), one tick length apart. */
function run(table: ConnectionTable<ReturnType<typeof member>>, clock: { now: number }, from: number, to: number): void {
  for (let t = from; t <= to; t += TICK) {
    clock.now = t;
    table.tick();
  }
}

describe('ConnectionTable', () => {
  it('gives one slot per tick of the interval, round-robin, and visits each connection once per interval', () => {
    const clock = { now: 0 };
    const table = new ConnectionTable<ReturnType<typeof member>>(INTERVAL, () => clock.now);
    assert.equal(table.tickMs, TICK);
    const members = Array.from({ length: 25 }, () => member(clock));
    for (const m of members) table.add(m);
    assert.equal(table.size, 25);
    assert.deepEqual(
      members.slice(0, 11).map((m) => m.slot),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0],
    );
    run(table, clock, TICK, 3 * INTERVAL);
    for (const m of members) {
      assert.equal(m.visits.length, 3, `slot ${m.slot}: ${m.visits.join(', ')}`);
      assert.deepEqual([m.visits[1]! - m.visits[0]!, m.visits[2]! - m.visits[1]!], [INTERVAL, INTERVAL]);
    }
    // A tick touches one slot: at most 3 of the 25.
    const perTick = new Map<number, number>();
    for (const m of members) for (const at of m.visits) perTick.set(at, (perTick.get(at) ?? 0) + 1);
    assert.ok(Math.max(...perTick.values()) <= 3);
    assert.equal(table.delete(members[0]!), true);
    assert.equal(table.delete(members[0]!), false);
    assert.equal(table.size, 24);
    assert.equal([...table].length, 24);
  });

  it('a late timer does not push later ticks back, and never visits a slot again within less than the interval less a tick', () => {
    const clock = { now: 0 };
    const table = new ConnectionTable<ReturnType<typeof member>>(INTERVAL, () => clock.now);
    const members = Array.from({ length: 10 }, () => member(clock));
    for (const m of members) table.add(m);
    run(table, clock, TICK, INTERVAL);
    // The event loop is held up for 2.5 intervals: one late tick visits each slot once, not three times.
    clock.now = 3.5 * INTERVAL;
    table.tick();
    for (const m of members) assert.equal(m.visits.length, 2, `slot ${m.slot}: ${m.visits.join(', ')}`);
    // On time again: the visits of each slot stay at least the interval less a tick apart.
    run(table, clock, 3.5 * INTERVAL + TICK, 6 * INTERVAL);
    for (const m of members) {
      for (let i = 1; i < m.visits.length; i++) {
        assert.ok(m.visits[i]! - m.visits[i - 1]! >= INTERVAL - TICK, `slot ${m.slot} visited at ${m.visits.join(', ')}`);
      }
      assert.ok(m.visits.at(-1)! >= 5 * INTERVAL, `slot ${m.slot} still visited: ${m.visits.join(', ')}`);
    }
  });

  it('an interval under two ticks is one slot: every connection in every tick', () => {
    const clock = { now: 0 };
    const interval = 1.5 * TICK;
    const table = new ConnectionTable<ReturnType<typeof member>>(interval, () => clock.now);
    assert.equal(table.tickMs, interval);
    const members = [member(clock), member(clock)];
    for (const m of members) table.add(m);
    for (const t of [1, 2, 3]) {
      clock.now = t * interval;
      table.tick();
    }
    for (const m of members) assert.deepEqual(m.visits, [1, 2, 3].map((t) => t * interval));
  });
});
