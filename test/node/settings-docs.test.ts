// The README's settings tables are made from src/settings.ts: this fails when they drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README, SETTING_WORDS, withTables } from '../../scripts/settings-table.js';
import { CONNECT_SETTINGS, SEND_SETTINGS } from '../../src/settings.js';

test('README settings tables match the settings table (scripts/settings-table.ts --write)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(withTables(readme), readme);
});

test('every setting has docs words, and none is left over', () => {
  const names = [...CONNECT_SETTINGS, ...SEND_SETTINGS].map((r) => r.property).sort();
  assert.deepEqual(Object.keys(SETTING_WORDS).sort(), names);
});
