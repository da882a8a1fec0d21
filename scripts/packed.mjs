// Helpers for `check:pack` and `check:types`: make a real tarball with `npm pack`, list it,
// and install it into a throwaway app the way `npm install <tarball>` would lay it out.
//
// The app's other packages (lit, ws, @types/...) are symlinks into this project's
// node_modules, so nothing is fetched: the checks run offline.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** A new empty directory under the system temp dir. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A copy of the project as a fresh clone has it: the files git tracks or would track (no
 * dist/, no ignored files), with this project's node_modules linked in so scripts can run.
 */
export function freshCopy(dest) {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const path of list) {
    try {
      mkdirSync(dirname(join(dest, path)), { recursive: true });
      cpSync(join(ROOT, path), join(dest, path));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e; // deleted but not yet committed
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}

/**
 * `npm pack` in `cwd` (lifecycle scripts run unless `ignoreScripts`), tarball written to `dest`.
 * Returns npm's JSON report for it plus the tarball's path.
 */
export function pack(cwd, dest, { ignoreScripts = false } = {}) {
  const args = ['pack', '--json', '--pack-destination', dest];
  if (ignoreScripts) args.push('--ignore-scripts');
  // prepack's build output goes to stderr so that stdout is npm's JSON alone.
  const out = execFileSync(npm, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const report = JSON.parse(out.slice(out.indexOf('[')))[0];
  return { report, tarball: join(dest, report.filename) };
}

/** The paths inside a tarball, without npm's leading `package/`. */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((p) => p && !p.endsWith('/'))
    .map((p) => p.replace(/^package\//, ''));
}

/**
 * An app at `dir` with the tarball unpacked as node_modules/<name> and each of `links` (package
 * names) linked from this project's node_modules. Returns the package's directory in the app.
 */
export function installTarball(tarball, dir, name, links = []) {
  const target = join(dir, 'node_modules', name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  for (const link of links) {
    const at = join(dir, 'node_modules', link);
    mkdirSync(dirname(at), { recursive: true });
    rmSync(at, { recursive: true, force: true });
    symlinkSync(join(ROOT, 'node_modules', link), at, 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2));
  return target;
}

/**
 * The fenced code blocks of section `heading` (a whole line, e.g. `## Install`) of the Markdown
 * file `file` (README.md by default, or a page of docs/).
 */
export function readmeBlocks(heading, file = 'README.md') {
  const readme = readFileSync(join(ROOT, file), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${file} has no "${heading}" heading`);
  const level = heading.split(' ')[0];
  const rest = readme.slice(at + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, 'm'));
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (!blocks.length) throw new Error(`${file} has no code block under "${heading}"`);
  return blocks;
}
