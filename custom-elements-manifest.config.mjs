// `npm run analyze` -> custom-elements.json, the manifest that editors, Storybook and docs tools
// read (package.json points at it with "customElements"). Generated from the TypeScript sources
// with the analyzer's Lit support: `@property` gives attributes and properties, the class JSDoc's
// `@fires` / `@slot` give events and slots. The plugin below then
// - points every module path at the `dist/*.js` file the package ships (src/ is not shipped),
// - marks each class with a `static define(tag = '...')` as the custom element of that tag (the
//   default) and records that `dist/index.js` (the package's main entry) registers it,
// - leaves private and protected members out: they are not part of what a user can touch.
import { posix } from 'node:path';

/**
 * The modules of the public API (the package's `exports`), `define` for the elements' base
 * class (the analyzer follows the class chain only through modules it reads), and `fragments`,
 * whose parsing helpers `swap` re-exports. Other helpers stay out of the manifest.
 */
const PUBLIC = ['index', 'upgrade', 'elements/connect-element', 'elements/send-element', 'events', 'config', 'features/shim/shim', 'swap/swap', 'elements/wrapper-element', 'swap/fragments'];
/** The module whose import registers every element. */
const REGISTERING_MODULE = 'dist/index.js';

/** `src/a.ts`, `src/a.js`, `./a.js` (seen from `from`) -> `dist/a.js`. */
function shipped(path, from) {
  let p = path;
  if (p.startsWith('./') || p.startsWith('../')) p = posix.join(posix.dirname(from), p);
  return p.replace(/^\/?src\//, 'dist/').replace(/\.ts$/, '.js');
}

function hxWsManifest() {
  return {
    name: 'hx-ws:manifest',
    packageLinkPhase({ customElementsManifest: manifest }) {
      const definitions = [];
      for (const mod of manifest.modules) {
        const from = mod.path;
        mod.path = shipped(mod.path, from);
        // Every reference to a module (exports, superclasses, inheritedFrom, ...).
        const walk = (node) => {
          if (!node || typeof node !== 'object') return;
          for (const [key, value] of Object.entries(node)) {
            if (key === 'module' && typeof value === 'string') node[key] = shipped(value, from);
            else walk(value);
          }
        };
        walk(mod.exports);
        walk(mod.declarations);
        for (const decl of mod.declarations ?? []) {
          if (decl.members) decl.members = decl.members.filter((m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.name.startsWith('#'));
          if (decl.kind !== 'class') continue;
          const define = decl.members?.find((m) => m.kind === 'method' && m.static && m.name === 'define');
          const tag = /^['"]([a-z][a-z0-9]*-[a-z0-9-]*)['"]$/.exec(define?.parameters?.[0]?.default ?? '')?.[1];
          // A base class (no define of its own) is not registered under any tag.
          if (!tag) continue;
          // The analyzer spots elements by a customElements.define call it can see or a Lit base
          // class; ours register through define(), so the tag marks them.
          decl.customElement = true;
          decl.tagName = tag;
          definitions.push({ kind: 'custom-element-definition', name: tag, declaration: { name: decl.name, module: mod.path } });
        }
      }
      const main = manifest.modules.find((m) => m.path === REGISTERING_MODULE);
      if (!main) throw new Error(`${REGISTERING_MODULE} is not in the manifest`);
      main.exports = [...(main.exports ?? []), ...definitions];
    },
  };
}

export default {
  globs: PUBLIC.map((name) => `src/${name}.ts`),
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [hxWsManifest()],
};
