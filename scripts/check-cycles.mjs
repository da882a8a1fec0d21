// `npm run check:cycles`: finds import cycles among the modules of src/ and prints each as a
// chain (`a.ts -> b.ts -> a.ts`); exits 1 when there is any.
//
//   node scripts/check-cycles.mjs               every cycle in src/
//   node scripts/check-cycles.mjs src/server    only cycles with a module under src/server/
//
// The graph: every src/**/*.ts (no .d.ts), an edge for each relative specifier of `import`,
// `import type`, `export ... from`, `export type ... from`, a bare `import '...'` and a dynamic
// `import('...')`, read with TypeScript's own pre-processor (so nothing in a comment or a string
// counts). A `.js` specifier means the `.ts` file beside it, as under NodeNext. Type-only imports
// count: a cycle through types is still two modules that cannot be understood (or moved) one
// without the other, and two of the cycles this script was written for were type-only.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
/** Elementary cycles printed at most (one tangle can hold very many). */
const MAX_CYCLES = 200;

const toPosix = (path) => path.split(sep).join('/');
const prefixes = process.argv.slice(2).map((p) => toPosix(relative(ROOT, resolve(ROOT, p))).replace(/\/$/, ''));

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The module a relative specifier of `from` names, if it is a .ts module of src/. */
function target(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const path = resolve(dirname(from), specifier);
  for (const candidate of [path.replace(/\.js$/, '.ts'), path, `${path}.ts`, join(path, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const files = walk(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
const name = (file) => toPosix(relative(ROOT, file));
/** @type {Map<string, string[]>} module -> the modules it imports */
const edges = new Map();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const to = new Set();
  for (const { fileName } of importedFiles) {
    const t = target(file, fileName);
    if (t) to.add(name(t));
  }
  edges.set(name(file), [...to].sort());
}

// Strongly connected components (Tarjan): a cycle lies inside one of more than one module, or
// is a module that imports itself.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
let counter = 0;
function connect(v) {
  index.set(v, counter);
  low.set(v, counter);
  counter += 1;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!index.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), index.get(w)));
    }
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component.sort());
  }
}
for (const v of edges.keys()) if (!index.has(v)) connect(v);

// The elementary cycles of each component, each from its first module in sort order.
const cycles = [];
for (const component of components) {
  const members = new Set(component);
  for (const [i, start] of component.entries()) {
    const allowed = new Set(component.slice(i));
    const path = [start];
    const onPath = new Set(path);
    const search = (v) => {
      for (const w of edges.get(v) ?? []) {
        if (cycles.length >= MAX_CYCLES || !members.has(w) || !allowed.has(w)) continue;
        if (w === start) cycles.push([...path, start]);
        else if (!onPath.has(w)) {
          path.push(w);
          onPath.add(w);
          search(w);
          path.pop();
          onPath.delete(w);
        }
      }
    };
    search(start);
  }
}

const underPrefix = (module) => prefixes.length === 0 || prefixes.some((p) => module === p || module.startsWith(`${p}/`));
const shown = cycles.filter((cycle) => cycle.some(underPrefix));
const where = prefixes.length ? ` touching ${prefixes.join(', ')}` : '';
for (const cycle of shown) console.log(`cycle: ${cycle.join(' -> ')}`);
const capped = cycles.length >= MAX_CYCLES ? ` (stopped at ${MAX_CYCLES})` : '';
console.log(`check:cycles: ${shown.length} import cycle(s)${where}${capped} among ${files.length} modules of src/`);
process.exit(shown.length > 0 ? 1 : 0);
