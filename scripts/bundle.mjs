// One-file build for a plain `<script type="module">` (no bundler on the page), and the
// bundling + gzip measurement the benchmarks use for every contender.
//
//   node scripts/bundle.mjs               -> dist/hx-ws.js (everything) and dist/hx-ws-lite.js
//                                            (core + attribute mode), Lit included, minified
//   node scripts/bundle.mjs --entry src/upgrade.ts --out dist/hx-ws-upgrade.js
//
// Entry: src/standalone.ts when it exists, else src/index.ts. As a module:
//   import { bundle, gzipSize, defaultEntry, LIT_EXTERNAL } from './scripts/bundle.mjs';
import { build } from 'esbuild';
import { minify as terse } from 'terser';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every module specifier that belongs to Lit: pass as `external` to measure without Lit. */
export const LIT_EXTERNAL = [
  'lit',
  'lit/*',
  'lit-html',
  'lit-html/*',
  'lit-element',
  'lit-element/*',
  '@lit/*',
];

/** The entry of the one-file build: `src/standalone.ts` if present, else `src/index.ts`. */
export function defaultEntry(root = ROOT) {
  const standalone = join(root, 'src/standalone.ts');
  return existsSync(standalone) ? standalone : join(root, 'src/index.ts');
}

/** The lite one-file build's entry: the core elements and attribute mode, no other feature. */
export const LITE_ENTRY = 'src/upgrade.ts';

/**
 * package.json's `sideEffects` names the built files (`./dist/index.js`, ...), which is right for
 * people who install the package, but it makes esbuild drop side-effect imports between the
 * *source* files (`import './index.js'` in `src/upgrade.ts` registers the elements). Everything
 * under `src/` is kept as having side effects, whoever imports it.
 */
const sourceHasSideEffects = {
  name: 'src-has-side-effects',
  setup(build) {
    const src = join(ROOT, 'src') + sep;
    build.onResolve({ filter: /^(\.\.?)?\// }, async (args) => {
      if (args.pluginData === 'inner') return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (r.errors.length > 0 || !r.path.startsWith(src)) return undefined;
      return { ...r, sideEffects: true };
    });
  },
};

/**
 * esbuild's legal comments block (`Bundled license information: <file>: (** @license ... *)`)
 * condensed to one line per holder and license, with the packages it covers: the same notices,
 * without a copy per file. A block it cannot read is kept as it is.
 */
export function condenseLicenses(block) {
  const groups = new Map();
  let pkg = null;
  for (const line of block.split('\n')) {
    const file = /^(\S.*):$/.exec(line);
    if (file) {
      const parts = file[1].split('/');
      pkg = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      continue;
    }
    const copyright = /Copyright\s+(?:\(c\)\s*)?(\d{4})(?:-(\d{4}))?\s+(.+?)\s*$/i.exec(line);
    const spdx = /SPDX-License-Identifier:\s*(\S+)/.exec(line);
    if (!pkg || (!copyright && !spdx)) continue;
    const g = groups.get(pkg) ?? { years: [], holder: '', license: '' };
    groups.set(pkg, g);
    if (copyright) {
      g.years.push(Number(copyright[1]), Number(copyright[2] ?? copyright[1]));
      g.holder = copyright[3];
    }
    if (spdx) g.license = spdx[1];
  }
  const byNotice = new Map();
  for (const [name, g] of groups) {
    if (!g.holder || !g.license) return block;
    const years = [Math.min(...g.years), Math.max(...g.years)];
    const notice = `Copyright ${years[0] === years[1] ? years[0] : years.join('-')} ${g.holder}, ${g.license}`;
    byNotice.set(notice, [...(byNotice.get(notice) ?? []), name]);
  }
  if (byNotice.size === 0) return block;
  return [...byNotice].map(([notice, names]) => `/*! ${names.join(', ')}: ${notice} */`).join('\n');
}

/**
 * The second minifier pass: terser (three compress passes) over esbuild's minified bundle, which
 * saves about 3 % of the gzipped size that esbuild alone leaves; the legal comments are
 * condensed ({@link condenseLicenses}) and put back at the end.
 */
async function minifyMore(code) {
  const at = code.lastIndexOf('/*! Bundled license information:');
  const body = at >= 0 ? code.slice(0, at) : code;
  const legal = at >= 0 ? condenseLicenses(code.slice(at).trim()) : '';
  const r = await terse(body, { module: true, compress: { passes: 3 }, mangle: true, format: { comments: false } });
  return legal ? `${r.code}\n${legal}\n` : r.code;
}

/** Bytes of `code` after zlib gzip at level 9. */
export function gzipSize(code) {
  return gzipSync(typeof code === 'string' ? Buffer.from(code) : code, { level: 9 }).length;
}

/**
 * Bundles one entry as a browser ES module: minified by esbuild then terser (Lit's production
 * build, no dev mode), ES2022, legal comments condensed at the end.
 *
 * @param {object} o
 * @param {string} o.entry         file to bundle (absolute or relative to the repo root)
 * @param {string} [o.outfile]     write the result there (directories are created)
 * @param {string[]} [o.external]  specifiers left as imports (e.g. LIT_EXTERNAL)
 * @param {Record<string,string>} [o.alias] package aliases (esbuild `alias`)
 * @param {boolean} [o.minify=true]
 * @param {boolean} [o.breakdown=false] also return minified bytes per input file (esbuild's
 *   output, before the terser pass)
 * @returns {Promise<{ code: string, bytes: number, gzip: number, inputs?: Record<string, number> }>}
 */
export async function bundle({ entry, outfile, external = [], alias, minify = true, breakdown = false }) {
  const result = await build({
    entryPoints: [resolve(ROOT, entry)],
    absWorkingDir: ROOT,
    // Entries outside the repo (experiments) still resolve the repo's packages.
    nodePaths: [join(ROOT, 'node_modules')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    external,
    alias,
    tsconfig: join(ROOT, 'tsconfig.json'),
    plugins: [sourceHasSideEffects],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    metafile: breakdown,
    outdir: breakdown ? join(ROOT, 'dist') : undefined,
    logLevel: 'warning',
  });
  const built = (result.outputFiles.find((f) => f.path.endsWith('.js')) ?? result.outputFiles[0]).text;
  const code = minify ? await minifyMore(built) : built;
  if (outfile) {
    const out = resolve(ROOT, outfile);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  const out = { code, bytes: Buffer.byteLength(code), gzip: gzipSize(code) };
  if (breakdown) {
    out.inputs = {};
    for (const o of Object.values(result.metafile.outputs)) {
      for (const [file, { bytesInOutput }] of Object.entries(o.inputs ?? {})) out.inputs[file] = bytesInOutput;
    }
  }
  return out;
}

/**
 * The gzipped bytes a module adds on top of another (a feature entry on top of the core
 * elements): one bundle of both, less the bundle of `on` alone. Same options as {@link bundle}.
 */
export async function bundleOnTop({ entry, on, ...o }) {
  const dir = mkdtempSync(join(tmpdir(), 'hxws-size-'));
  try {
    const both = join(dir, 'both.js');
    // `export *` keeps what `on` exports, as its own bundle does.
    writeFileSync(both, `export * from ${JSON.stringify(resolve(ROOT, on))};\nimport ${JSON.stringify(resolve(ROOT, entry))};\n`);
    const [sum, base] = await Promise.all([bundle({ ...o, entry: both }), bundle({ ...o, entry: on })]);
    return { code: sum.code, bytes: sum.bytes - base.bytes, gzip: sum.gzip - base.gzip };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const external = args.includes('--no-lit') ? LIT_EXTERNAL : [];
  // Without --entry: both one-file builds, the full one and the lite one (core + attribute mode).
  const jobs = opt('--entry')
    ? [[opt('--entry'), opt('--out') ?? 'dist/hx-ws.js']]
    : [[defaultEntry(), 'dist/hx-ws.js'], [LITE_ENTRY, 'dist/hx-ws-lite.js']];
  for (const [entry, outfile] of jobs) {
    const r = await bundle({ entry, outfile, external });
    console.log(`${relative(ROOT, resolve(ROOT, outfile))}: ${r.bytes} bytes, ${r.gzip} gzipped (from ${relative(ROOT, resolve(ROOT, entry))})`);
  }
}
