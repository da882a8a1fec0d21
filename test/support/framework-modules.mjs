// Test-runner plugin: lets browser tests import React and Vue by their bare names.
//
// React 19 ships CommonJS only, which a browser cannot import. The plugin bundles react,
// react-dom and their JSX runtimes once, with esbuild, into one ES module (so there is one copy
// of React), and serves a small module per package name that re-exports that package's names
// from it. `vue` is mapped to Vue's own ES build with the template compiler
// (`vue/dist/vue.esm-browser.js`), so tests can compile templates at run time.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PREFIX = '/__framework-modules/';
const REACT_PACKAGES = ['react', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'react-dom', 'react-dom/client'];
const VUE = '/node_modules/vue/dist/vue.esm-browser.js';

/**
 * The names each package exports, read in a child process: loading React's development build in
 * the runner's own process would meddle with the runner's console.
 * @type {Record<string, string[]> | undefined}
 */
let exportNames;
function namesOf(spec) {
  exportNames ??= JSON.parse(
    execFileSync(
      process.execPath,
      ['-e', `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(REACT_PACKAGES)}.map((s) => [s, Object.keys(require(s))]))))`],
      { cwd: ROOT, encoding: 'utf8' },
    ),
  );
  return exportNames[spec];
}

const urlOf = (spec) => `${PREFIX}${spec.replaceAll('/', '__')}.js`;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function frameworkModules() {
  /** @type {Promise<string> | undefined} */
  let shared;
  const bundle = () =>
    (shared ??= build({
      stdin: {
        contents: [
          ...REACT_PACKAGES.map((spec, i) => `import * as m${i} from '${spec}';`),
          `export const modules = { ${REACT_PACKAGES.map((spec, i) => `'${spec}': m${i}`).join(', ')} };`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'js',
      },
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"development"' },
    }).then((result) => result.outputFiles[0].text));

  return {
    name: 'framework-modules',
    resolveImport({ source }) {
      if (REACT_PACKAGES.includes(source)) return urlOf(source);
      if (source === 'vue') return VUE;
      return undefined;
    },
    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      if (context.path === `${PREFIX}bundle.js`) return { body: await bundle(), type: 'js' };
      const spec = REACT_PACKAGES.find((s) => context.path === urlOf(s));
      if (!spec) return undefined;
      const names = namesOf(spec).filter((n) => n !== 'default' && IDENTIFIER.test(n));
      const body = [
        `import { modules } from '${PREFIX}bundle.js';`,
        `const ns = modules['${spec}'];`,
        `const cjs = ns.default ?? ns;`,
        `export default cjs;`,
        `export const { ${names.join(', ')} } = cjs;`,
      ].join('\n');
      return { body, type: 'js' };
    },
  };
}
