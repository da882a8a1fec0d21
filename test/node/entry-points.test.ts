/// <reference types="node" />
/**
 * `hx-ws-elements/server` must never load `ioredis` (an optional peer dependency that only
 * `hx-ws-elements/server/redis` needs). Checked at run time: a resolve hook that refuses
 * `ioredis` is installed in a child Node, which then imports each entry point.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) throw new Error('IOREDIS LOADED from ' + context.parentURL);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** Imports `entry` in a child Node where resolving ioredis throws; returns its exit status and output. */
function importWithoutIoredis(entry: string) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, '--input-type=module', '-e', `await import(${JSON.stringify(entry)});`],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('entry points and ioredis', () => {
  it('the Redis entry point does load ioredis (so the hook below can fail)', () => {
    const { status, output } = importWithoutIoredis('./src/server/redis.ts');
    assert.notEqual(status, 0);
    assert.match(output, /IOREDIS LOADED/);
  });

  it('hx-ws-elements/server (source) never imports ioredis', () => {
    const { status, output } = importWithoutIoredis('./src/server/index.ts');
    assert.equal(status, 0, output);
  });

  it('hx-ws-elements/server (built, when dist/ exists) never imports ioredis', (t) => {
    if (!existsSync('dist/server/index.js')) return t.skip('no dist/ (run npm run build)');
    const { status, output } = importWithoutIoredis('./dist/server/index.js');
    assert.equal(status, 0, output);
  });
});
