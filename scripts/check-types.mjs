// `npm run check:types` (after `npm run build`): the package's types as consumers see them, under
// the TypeScript this project builds with (5.9) and the newest major on the registry (7, the
// `typescript7` alias). For each:
//
// 1. test/types/*: every entry point through the package's own name and `exports`, with
//    `moduleResolution` bundler and node16 (see test/types/README.md).
// 2. A consumer app that installed the real tarball (`npm pack` of today's dist/) plus what the
//    README tells a TypeScript user of the server helper to add (`ws`, `@types/ws`,
//    `@types/node`), compiling the server snippet of docs/server.md as it stands, in strict mode, with
//    a tsconfig that leaves `types` at the compiler's default (TypeScript 7's is empty).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installTarball, pack, readmeBlocks, ROOT, tempDir } from './packed.mjs';

const compilers = ['typescript', 'typescript7'].map((name) => {
  const dir = join(ROOT, 'node_modules', name);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { label: `TypeScript ${version}`, bin: join(dir, 'bin', 'tsc') };
});

if (!existsSync(join(ROOT, 'dist/server/index.d.ts'))) {
  console.error('check-types: no dist/ (run npm run build first)');
  process.exit(1);
}

const failures = [];
function tsc(compiler, args, what) {
  try {
    execFileSync(process.execPath, [compiler.bin, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    console.log(`check-types: ${compiler.label}: ${what}: ok`);
  } catch (e) {
    failures.push(`${compiler.label}: ${what}:\n${e.stdout}${e.stderr}`);
  }
}

const tmp = tempDir('hxws-types-');
try {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const { tarball } = pack(ROOT, tmp, { ignoreScripts: true });
  const app = join(tmp, 'app');
  installTarball(tarball, app, pkg.name, ['lit', '@lit/reactive-element', 'ws', '@types/ws', '@types/node']);
  writeFileSync(join(app, 'server.ts'), readmeBlocks('## attachHxWs', 'docs/server.md')[0]);
  writeFileSync(
    join(app, 'client.ts'),
    [
      "import { HxWsConnectElement, HxWsSendElement, type HxWsErrorEvent } from 'hx-ws-elements';",
      "const connect: HxWsConnectElement | null = document.querySelector('hx-ws-connect');",
      "connect?.addEventListener('hx-ws-error', (e: HxWsErrorEvent) => console.log(e.reason, e.message));",
      "const send: HxWsSendElement = document.createElement('hx-ws-send');",
      'void send;',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', lib: ['ES2022', 'DOM'], strict: true, noEmit: true }, files: ['server.ts', 'client.ts'] }, null, 2),
  );
  for (const compiler of compilers) {
    tsc(compiler, ['-p', 'test/types/tsconfig.bundler.json'], 'test/types, moduleResolution bundler');
    tsc(compiler, ['-p', 'test/types/tsconfig.node16.json'], 'test/types, moduleResolution node16');
    tsc(compiler, ['-p', join(app, 'tsconfig.json')], "an app with the tarball installed, the server snippet of docs/server.md, strict");
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (failures.length) {
  for (const f of failures) console.error(`check-types: FAILED ${f}`);
  process.exit(1);
}
