/// <reference types="node" />
// The packaging rules of `npm run check:pack` (scripts/pack-rules.mjs), on file lists: a tarball
// packed without building is refused with every missing entry point named, a built one passes.
// check:pack itself applies them to a real `npm pack` of a fresh copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

type Rules = {
  packageProblems(input: { files: Iterable<string>; pkg: unknown; modules: string[]; manifest?: unknown }): string[];
};
const rulesPath: string = '../../scripts/pack-rules.mjs';
const { packageProblems } = (await import(rulesPath)) as Rules;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

const modules = ['index', 'upgrade', 'full', 'ack', 'recovery', 'chunked', 'htmx', 'eval', 'morph', 'htmx2', 'htmx4', 'elements/connect-element', 'elements/send-element', 'events', 'config', 'features/shim/shim', 'swap/swap', 'react', 'vue', 'server/index', 'server/redis'];
const top = ['package.json', 'README.md', 'LICENSE', 'custom-elements.json', 'docs/protocol.md', 'docs/migrating.md', 'docs/scale-out.md'];
const built = [...modules.flatMap((m) => ['.js', '.d.ts', '.js.map'].map((ext) => `dist/${m}${ext}`)), 'dist/hx-ws.js', 'dist/hx-ws-lite.js'];

describe('pack rules', () => {
  it('package.json has a prepack script that builds the modules and the one-file build', () => {
    const prepack = pkg.scripts.prepack ?? '';
    assert.match(prepack, /npm run build(?!:)/);
    assert.match(prepack, /npm run build:standalone/);
  });

  it('refuse a tarball without dist/, naming each missing entry point', () => {
    const problems = packageProblems({ files: top, pkg, modules });
    assert.ok(problems.some((p) => p.includes('no dist/ at all')), problems.join('\n'));
    assert.ok(problems.includes('exports ./server types -> ./dist/server/index.d.ts is not in the package'), problems.join('\n'));
    assert.ok(problems.includes('exports ./server default -> ./dist/server/index.js is not in the package'));
    assert.ok(problems.includes('exports ./hx-ws.js -> ./dist/hx-ws.js is not in the package'));
    assert.ok(problems.some((p) => p.startsWith('missing dist/hx-ws.js')));
  });

  it('pass a tarball with every module built and the one-file build', () => {
    assert.deepEqual(packageProblems({ files: [...top, ...built], pkg, modules }), []);
  });

  it('refuse a leftover in dist/ and a file outside the shipped set', () => {
    const problems = packageProblems({ files: [...top, ...built, 'dist/old.js', 'demo/index.html'], pkg, modules });
    assert.deepEqual(problems, [
      'unexpected dist/old.js: not built from src/ (a leftover? delete dist/ and rebuild)',
      'unexpected demo/index.html in the package',
    ]);
  });

  it('the one-file build is an entry point of its own', () => {
    assert.equal(pkg.exports['./hx-ws.js'], './dist/hx-ws.js');
  });
});
