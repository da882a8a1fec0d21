// What a published tarball must hold, as one pure function over its file list, so the rules can
// be tested without packing (test/node/pack.test.ts) and `check:pack` applies them to a real one.
//
// - Every module of src/ is there as .js + .d.ts (+ .js.map), nothing else is in dist/ but the
//   one-file builds (dist/hx-ws*.js): a leftover from an old build fails the check.
// - Outside dist/ only package.json, README, LICENSE, custom-elements.json and docs/*.md.
// - Every `exports` target, `types` and `customElements` is in the package, and so is every
//   module the manifest names.
// - Every bare import in the shipped JavaScript is a dependency, a peer dependency or `node:`.

export const ONE_FILE_BUILD = /^dist\/hx-ws[\w.-]*\.js(\.map)?$/;
const TOP = /^(package\.json|README\.md|LICENSE(\.md)?|custom-elements\.json|docs\/[\w.-]+\.md)$/i;
const IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[\w*${}\s,]+\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * @param {object} input
 * @param {Iterable<string>} input.files paths in the tarball, without `package/`
 * @param {any} input.pkg the package.json
 * @param {string[]} input.modules src/ modules without extension (`index`, `server/attach`)
 * @param {any} [input.manifest] custom-elements.json
 * @param {(path: string) => string} [input.read] a shipped file's text, for the import scan
 * @returns {string[]} the problems, empty when the tarball is fine
 */
export function packageProblems({ files: list, pkg, modules, manifest, read }) {
  const files = new Set(list);
  const problems = [];
  const built = [...files].some((f) => f.startsWith('dist/'));
  if (!built) problems.push('no dist/ at all: the package was packed without building (is the prepack script there?)');

  // 1. dist/ mirrors src/
  const expected = new Set();
  let missing = 0;
  for (const m of modules) {
    for (const ext of ['.js', '.d.ts', '.js.map']) {
      const path = `dist/${m}${ext}`;
      expected.add(path);
      if (!files.has(path)) {
        missing++;
        if (built) problems.push(`missing ${path} (run npm run build)`);
      }
    }
  }
  if (!built && missing) problems.push(`missing all ${missing} built files of src/`);
  for (const path of files) {
    if (path.startsWith('dist/') && !expected.has(path) && !ONE_FILE_BUILD.test(path)) {
      problems.push(`unexpected ${path}: not built from src/ (a leftover? delete dist/ and rebuild)`);
    }
  }
  if (!files.has('dist/hx-ws.js')) problems.push('missing dist/hx-ws.js, the one-file build (run npm run build:standalone)');

  // 2. nothing else
  for (const path of files) {
    if (!path.startsWith('dist/') && !TOP.test(path)) problems.push(`unexpected ${path} in the package`);
  }
  for (const path of ['package.json', 'README.md', 'custom-elements.json', 'docs/protocol.md', 'docs/migrating.md', 'docs/scale-out.md']) {
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
    if (value && typeof value === 'object' && (!value.types || Object.keys(value)[0] !== 'types')) {
      problems.push(`exports ${key}: "types" must be present and come first`);
    }
  }
  for (const mod of manifest?.modules ?? []) {
    if (!files.has(mod.path)) problems.push(`custom-elements.json names ${mod.path}, which is not in the package`);
  }
  if (manifest) {
    const tags = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement).map((d) => d.tagName);
    for (const tag of ['hx-ws-connect', 'hx-ws-send']) {
      if (!tags.includes(tag)) problems.push(`custom-elements.json has no <${tag}>`);
    }
  }

  // 4. imports of the shipped JavaScript
  if (read) {
    const allowed = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    for (const path of files) {
      if (!path.endsWith('.js') || ONE_FILE_BUILD.test(path)) continue;
      // Comments out (JSDoc examples show imports too); tsc output keeps strings on their own lines.
      const code = read(path).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const m of code.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!allowed.has(name)) problems.push(`${path} imports ${spec}, which is neither a dependency nor a peer dependency`);
      }
    }
  }
  return problems;
}
