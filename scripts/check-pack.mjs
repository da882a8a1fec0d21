// `npm run check:pack`: packs the package for real, as a fresh clone would, and checks the
// tarball.
//
// 1. The project's files as git sees them (no dist/, nothing ignored) are copied to a temp dir
//    and `npm pack` runs there, so the `prepack` script has to build everything that ships.
// 2. The tarball's file list must pass the rules in scripts/pack-rules.mjs (every src/ module
//    built, the one-file build, every `exports` target, nothing stray, only declared imports).
// 3. The tarball is unpacked into a throwaway app as node_modules/hx-ws-elements; Node resolves
//    every `exports` entry from there, and `import('hx-ws-elements/server')` must work.
// 4. The two ways (docs/getting-started.md) to load it on a page without a bundler work in Chromium from that
//    app (scripts/plain-page.mjs).
// 5. custom-elements.json is what `npm run analyze` makes of today's sources.
//
// `--keep` leaves the temp dir (its path is printed) for a look inside.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageProblems } from './pack-rules.mjs';
import { checkPlainPages } from './plain-page.mjs';
import { freshCopy, installTarball, pack, ROOT, tarballFiles, tempDir } from './packed.mjs';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const keep = process.argv.includes('--keep');
const tmp = tempDir('hxws-pack-');
const problems = [];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const modules = walk(join(ROOT, 'src'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => relative(join(ROOT, 'src'), f).replace(/\.ts$/, ''));

try {
  // 1. pack a fresh copy
  const clone = freshCopy(join(tmp, 'clone'));
  if (existsSync(join(clone, 'dist'))) throw new Error('the fresh copy has a dist/ (is dist/ tracked by git?)');
  let packed;
  try {
    packed = pack(clone, tmp);
  } catch (e) {
    throw new Error(`npm pack failed in a fresh copy:\n${e.stderr ?? e.message}`);
  }
  const { report, tarball } = packed;
  const files = tarballFiles(tarball);

  // 3 (first: the rules read shipped files from the unpacked tarball)
  const app = join(tmp, 'app');
  const links = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const installed = installTarball(tarball, app, pkg.name, links);

  // 2. the rules
  const manifest = JSON.parse(readFileSync(join(ROOT, 'custom-elements.json'), 'utf8'));
  problems.push(...packageProblems({ files, pkg, modules, manifest, read: (p) => readFileSync(join(installed, p), 'utf8') }));

  // 3. Node resolves every entry point from the app, and the server entry loads.
  const subpaths = Object.keys(pkg.exports).map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
  const probe = `
    const out = {};
    for (const s of ${JSON.stringify(subpaths)}) {
      try { out[s] = import.meta.resolve(s); } catch (e) { out[s] = 'ERROR ' + e.message; }
    }
    const server = await import('${pkg.name}/server');
    out.server = Object.keys(server).sort();
    console.log(JSON.stringify(out));`;
  let resolved;
  try {
    resolved = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    );
  } catch (e) {
    problems.push(`import('${pkg.name}/server') from an app that installed the tarball failed:\n${e.stderr ?? e.message}`);
  }
  if (resolved) {
    for (const s of subpaths) {
      const url = resolved[s];
      if (url.startsWith('ERROR')) problems.push(`${s} does not resolve in an app: ${url.slice(6)}`);
      else if (!existsSync(fileURLToPath(url))) problems.push(`${s} resolves to ${url}, which is not in the tarball`);
    }
    for (const name of ['attachHxWs', 'HxWsDecoder', 'html', 'oob', 'ProtocolError']) {
      if (!resolved.server.includes(name)) problems.push(`${pkg.name}/server does not export ${name}`);
    }
  }

  // 4. the plain pages of docs/getting-started.md
  problems.push(...(await checkPlainPages(app)));

  // 5. the manifest is fresh
  const freshDir = 'node_modules/.cache/hx-ws-check-pack';
  execFileSync(process.execPath, [join(ROOT, 'node_modules/@custom-elements-manifest/analyzer/cem.js'), 'analyze', '--outdir', freshDir], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  if (readFileSync(join(ROOT, freshDir, 'custom-elements.json'), 'utf8') !== readFileSync(join(ROOT, 'custom-elements.json'), 'utf8')) {
    problems.push('custom-elements.json is out of date with src/ (run npm run analyze and commit it)');
  }

  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  if (problems.length) {
    console.error(`check-pack: ${problems.length} problem(s) in ${report.filename}:`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log(
      `check-pack: ${report.filename} (packed from a fresh copy) is fine: ${report.entryCount} files, ${kb(report.size)} packed, ` +
        `${kb(report.unpackedSize)} unpacked; ${subpaths.length} entry points resolve, ${pkg.name}/server loads, the plain pages of docs/getting-started.md work`,
    );
  }
} catch (e) {
  console.error(`check-pack: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`check-pack: kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
