// `npm run check:pack`: checks what `npm pack` would publish, without publishing.
// Run it after `npm run build` (and `npm run bundle`, for the one-file build).
//
// - Every module of src/ is there as .js + .d.ts (+ .js.map), nothing else is in dist/ but the
//   one-file builds (dist/hx-ws*.js): a leftover from an old build fails the check.
// - Outside dist/ only package.json, README, LICENSE, custom-elements.json and docs/*.md.
// - Every `exports` target, `types` and `customElements` is in the package, and so is every
//   module the manifest names, and custom-elements.json is what `npm run analyze` makes today.
// - Every bare import in the shipped JavaScript is a dependency, a peer dependency or `node:`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const problems = [];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
});
const [report] = JSON.parse(out);
const files = new Set(report.files.map((f) => f.path));

// 1. dist/ mirrors src/
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const modules = walk(join(root, 'src'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => relative(join(root, 'src'), f).replace(/\.ts$/, ''));
const expected = new Set();
for (const m of modules) {
  for (const ext of ['.js', '.d.ts', '.js.map']) {
    const path = `dist/${m}${ext}`;
    expected.add(path);
    if (!files.has(path)) problems.push(`missing ${path} (run npm run build)`);
  }
}
const ONE_FILE_BUILD = /^dist\/hx-ws[\w.-]*\.js(\.map)?$/;
for (const path of files) {
  if (!path.startsWith('dist/')) continue;
  if (!expected.has(path) && !ONE_FILE_BUILD.test(path)) {
    problems.push(`unexpected ${path}: not built from src/ (a leftover? delete dist/ and rebuild)`);
  }
}
if (!files.has('dist/hx-ws.js')) problems.push('missing dist/hx-ws.js, the one-file build (run npm run bundle)');

// 2. nothing else
const TOP = /^(package\.json|README\.md|LICENSE(\.md)?|custom-elements\.json|docs\/[\w.-]+\.md)$/i;
for (const path of files) {
  if (!path.startsWith('dist/') && !TOP.test(path)) problems.push(`unexpected ${path} in the package`);
}
for (const path of ['README.md', 'custom-elements.json', 'docs/protocol.md', 'docs/migrating.md', 'docs/scale-out.md']) {
  if (!files.has(path)) problems.push(`missing ${path}`);
}

// 3. entry points
const targets = [];
const collect = (key, value) => {
  if (typeof value === 'string') targets.push([key, value]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(`${key} ${k}`, v);
};
collect('exports', pkg.exports);
collect('types', pkg.types);
collect('customElements', pkg.customElements);
for (const [key, target] of targets) {
  const path = target.replace(/^\.\//, '');
  if (!files.has(path)) problems.push(`${key} -> ${target} is not in the package`);
}
for (const [key, value] of Object.entries(pkg.exports)) {
  if (typeof value === 'object' && (!value.types || Object.keys(value)[0] !== 'types')) {
    problems.push(`exports ${key}: "types" must be present and come first`);
  }
}
const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8'));
for (const mod of manifest.modules) {
  if (!files.has(mod.path)) problems.push(`custom-elements.json names ${mod.path}, which is not in the package`);
}
// The committed manifest is what the analyzer makes of today's sources.
const freshDir = 'node_modules/.cache/hx-ws-check-pack';
execFileSync(process.execPath, [join(root, 'node_modules/@custom-elements-manifest/analyzer/cem.js'), 'analyze', '--outdir', freshDir], {
  cwd: root,
  stdio: 'ignore',
});
if (readFileSync(join(root, freshDir, 'custom-elements.json'), 'utf8') !== readFileSync(join(root, 'custom-elements.json'), 'utf8')) {
  problems.push('custom-elements.json is out of date with src/ (run npm run analyze and commit it)');
}
const tags = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement).map((d) => d.tagName);
for (const tag of ['hx-ws-connect', 'hx-ws-send']) {
  if (!tags.includes(tag)) problems.push(`custom-elements.json has no <${tag}>`);
}

// 4. imports of the shipped JavaScript
const allowed = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[\w*${}\s,]+\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const path of files) {
  if (!path.endsWith('.js') || ONE_FILE_BUILD.test(path)) continue;
  // Comments out (JSDoc examples show imports too); tsc output keeps strings on their own lines.
  const code = readFileSync(join(root, path), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.') || spec.startsWith('node:')) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!allowed.has(name)) problems.push(`${path} imports ${spec}, which is neither a dependency nor a peer dependency`);
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
if (problems.length) {
  console.error(`check-pack: ${problems.length} problem(s) in ${report.filename}:`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`check-pack: ${report.filename} is fine: ${report.entryCount} files, ${kb(report.size)} packed, ${kb(report.unpackedSize)} unpacked`);
