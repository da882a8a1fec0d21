// `npm run lint`: ESLint 9 flat config. TypeScript rules from typescript-eslint, Lit template
// checks from eslint-plugin-lit, custom-element rules from eslint-plugin-wc. Type-checking itself
// is `npm run typecheck` (tsc); these rules catch what the compiler does not.
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'custom-elements.json', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `_name` marks a deliberately unused binding (destructuring a key away, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Type-only imports stay type-only (matches `verbatimModuleSyntax`).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // Browser code: the library and the browser tests.
  {
    files: ['src/**/*.ts', 'test/browser/**/*.{ts,tsx}', 'test/support/**/*.ts', 'demo/**/*.ts', 'bench/pages/**/*.{js,ts}', 'bench/entries/**/*.{js,ts}'],
    ignores: ['src/server/**', 'demo/serve.ts', 'demo/chat.ts', 'demo/status.ts'],
    languageOptions: { globals: globals.browser },
    plugins: { lit, wc },
    rules: {
      ...lit.configs['flat/recommended'].rules,
      ...wc.configs['flat/recommended'].rules,
      ...wc.configs['flat/best-practice'].rules,
    },
    settings: { wc: { elementBaseClasses: ['LitElement'] } },
  },
  // Node code: the server helper, scripts, configs, the test rig's server side, node tests.
  {
    files: ['src/server/**/*.ts', 'scripts/**/*.{js,mjs,ts}', '*.{js,mjs}', 'examples/**/*.mjs', 'test/node/**/*.ts', 'test/support/**/*.mjs', 'test/types/**/*.ts', 'demo/serve.ts', 'demo/chat.ts', 'demo/status.ts', 'bench/*.{js,mjs,ts}'],
    languageOptions: { globals: globals.node },
  },
  // Puppeteer drivers pass functions to `page.evaluate`: those run in the page.
  {
    files: ['bench/run.mjs', 'scripts/screenshot.mjs', 'scripts/plain-page.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  // Tests: chai's property assertions (`expect(x).to.be.true`) are expressions on purpose, and
  // test markup reproduces what users write, htmx's `from:<.a .b/>` selector syntax included
  // (a `>` inside a quoted attribute is valid HTML).
  {
    files: ['test/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { '@typescript-eslint/no-unused-expressions': 'off', 'lit/attribute-value-entities': 'off' },
  },
);
