/// <reference types="node" />
// bench/drops.mjs, short: through a proxy that cuts the network again and again, recover mode
// delivers every message once; plain mode (and Socket.IO without recovery) lose some, which
// shows the cuts really happened.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

interface Row {
  name: string;
  expected: number;
  delivered: number;
  duplicates: number;
  reconnects: number;
}

test('bench:drops in short: recover mode 100 % and no duplicates across repeated cuts', { timeout: 60_000 }, async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['bench/drops.mjs', '--clients', '4', '--rate', '40', '--seconds', '6', '--period', '2000', '--cut', '800', '--json'],
      { cwd: root, timeout: 55_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const { rows, cuts } = JSON.parse(out.trim().split('\n').at(-1)!) as { rows: Row[]; cuts: number };
  assert.ok(cuts >= 2, `cuts: ${cuts}`);
  const by = new Map(rows.map((r) => [r.name, r]));
  const recover = by.get('hx-ws recover mode')!;
  const plain = by.get('hx-ws plain mode')!;
  assert.equal(recover.expected, 4 * 240);
  assert.equal(recover.delivered, recover.expected, 'recover mode: every message');
  assert.equal(recover.duplicates, 0, 'recover mode: none twice');
  assert.ok(recover.reconnects >= 4 * 2, `recover mode reconnected after each cut (${recover.reconnects})`);
  assert.ok(plain.delivered < plain.expected, 'plain mode lost what was sent during the cuts');
  assert.equal(plain.duplicates, 0);
});
