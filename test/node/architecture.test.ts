// docs/architecture.md is the map of src/: this fails when a folder of src/ is missing from it,
// or when it names a folder that no longer exists.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../../src/', import.meta.url).pathname;
const DOC = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');

/** Every folder under src/, as `part/` or `part/sub/` (relative to src/). */
function folders(dir = SRC): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory())
    .flatMap((path) => [`${relative(SRC, path)}/`, ...folders(path)]);
}

/** How the doc may name `folder`: its full path from src/, or (in the tree) its last part. */
function named(folder: string): boolean {
  const parts = folder.split('/').filter(Boolean);
  const last = `${parts.at(-1)}/`;
  return DOC.includes(folder) || new RegExp(`^\\s+${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm').test(DOC);
}

test('docs/architecture.md names every folder of src/', () => {
  const missing = folders().filter((f) => !named(f));
  assert.deepEqual(missing, [], `add these folders to docs/architecture.md: ${missing.join(', ')}`);
});

test('every src/ file named in the folder map exists', () => {
  const mentioned = [...DOC.matchAll(/`src\/([\w/.-]+\.ts)`/g)].map((m) => m[1]!);
  const gone = mentioned.filter((file) => {
    try {
      return !statSync(join(SRC, file)).isFile();
    } catch {
      return true;
    }
  });
  assert.deepEqual(gone, []);
});
