// One-file build for a plain `<script type="module">` (no bundler on the page), and the
// bundling + gzip measurement the benchmarks use for every contender.
//
//   node scripts/bundle.mjs               -> dist/hx-ws.js (Lit included, minified)
//   node scripts/bundle.mjs --entry src/upgrade.ts --out dist/hx-ws-upgrade.js
//
// Entry: src/standalone.ts when it exists, else src/index.ts. As a module:
//   import { bundle, gzipSize, defaultEntry, LIT_EXTERNAL } from './scripts/bundle.mjs';
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/**
 * package.json's `sideEffects` names the built files (`./dist/index.js`, ...), which is right for
 * people who install the package, but it makes esbuild drop side-effect imports between the
 * *source* files (`import './index.js'` in `src/upgrade.ts` registers the elements). Everything
 * under `src/` is kept as having side effects.
 */
const sourceHasSideEffects = {
  name: 'src-has-side-effects',
  setup(build) {
    const src = join(ROOT, 'src') + sep;
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'inner' || !args.importer.startsWith(src)) return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (r.errors.length > 0 || !r.path.startsWith(src)) return undefined;
      return { ...r, sideEffects: true };
    });
  },
};

/** Bytes of `code` after zlib gzip at level 9. */
export function gzipSize(code) {
  return gzipSync(typeof code === 'string' ? Buffer.from(code) : code, { level: 9 }).length;
}

/**
 * Bundles one entry as a browser ES module: minified (Lit's production build, no dev mode),
 * ES2022, legal comments kept at the end (esbuild's default).
 *
 * @param {object} o
 * @param {string} o.entry         file to bundle (absolute or relative to the repo root)
 * @param {string} [o.outfile]     write the result there (directories are created)
 * @param {string[]} [o.external]  specifiers left as imports (e.g. LIT_EXTERNAL)
 * @param {Record<string,string>} [o.alias] package aliases (esbuild `alias`)
 * @param {boolean} [o.minify=true]
 * @param {boolean} [o.breakdown=false] also return minified bytes per input file
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
  const code = (result.outputFiles.find((f) => f.path.endsWith('.js')) ?? result.outputFiles[0]).text;
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

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const entry = opt('--entry') ?? defaultEntry();
  const outfile = opt('--out') ?? 'dist/hx-ws.js';
  const external = args.includes('--no-lit') ? LIT_EXTERNAL : [];
  const r = await bundle({ entry, outfile, external });
  console.log(`${relative(ROOT, resolve(ROOT, outfile))}: ${r.bytes} bytes, ${r.gzip} gzipped (from ${relative(ROOT, resolve(ROOT, entry))})`);
}
