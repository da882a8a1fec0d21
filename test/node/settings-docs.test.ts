// The settings tables of docs/elements.md are made from src/settings.ts: this fails when they drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README, SETTING_WORDS, withTables } from '../../scripts/settings-table.js';
import { CONNECT_SETTINGS, SEND_SETTINGS } from '../../src/settings.js';
import type { HxWsConnectAttributes, HxWsConnectProperties, HxWsSendAttributes, HxWsSendProperties } from '../../src/elements/element-props.js';

// The React and Vue prop types come from the table: a table row missing from them fails to compile.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Names<T extends readonly { property: string }[]> = T[number]['property'];
type Attrs<T extends readonly { property: string; attribute: string | null }[]> = Exclude<T[number]['attribute'], null | T[number]['property']>;
const propTypesFollowTheTable: [
  Equal<keyof HxWsConnectProperties, Names<typeof CONNECT_SETTINGS>>,
  Equal<keyof HxWsSendProperties, Names<typeof SEND_SETTINGS>>,
  Equal<keyof HxWsConnectAttributes, Attrs<typeof CONNECT_SETTINGS>>,
  Equal<keyof HxWsSendAttributes, Attrs<typeof SEND_SETTINGS>>,
] = [true, true, true, true];
void propTypesFollowTheTable;

test('docs/elements.md settings tables match the settings table (scripts/settings-table.ts --write)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(withTables(readme), readme);
});

test('every setting has docs words, and none is left over', () => {
  const names = [...CONNECT_SETTINGS, ...SEND_SETTINGS].map((r) => r.property).sort();
  assert.deepEqual(Object.keys(SETTING_WORDS).sort(), names);
});
