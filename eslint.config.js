// ESLint flat config: `npm run lint` (and so `npm test`) lints the TypeScript and the plain-Node scripts.
// typescript-eslint's `recommended` preset, deliberately not the type-checked ones: those build a full
// TypeScript program per run and make the lint as slow as a compile. tsc already checks the types.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Build output, dependencies, and data the tests and benches write.
  globalIgnores(['dist/', 'node_modules/', 'data/', 'tmp/', 'bench/results/']),
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js', '.dependency-cruiser.cjs'],
    extends: [js.configs.recommended],
  },
  {
    // Server, tests, benches and scripts run on Node.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.mjs', 'eslint.config.js'],
    ignores: ['src/web/client/**'],
    languageOptions: { globals: globals.node },
  },
  {
    // The dashboard runs in the browser (tsconfig.web.json): DOM globals, no Node ones.
    files: ['src/web/client/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    plugins: { '@stylistic': stylistic },
    rules: {
      // One cap for the whole codebase: lines past 160 characters stop fitting side by side in a review.
      // No exemptions (strings, templates, regexes, URLs): none is needed today; a long string splits with +.
      '@stylistic/max-len': ['error', { code: 160, tabWidth: 2 }],
    },
  },
  {
    rules: {
      // == and != convert their operands; the one idiom kept is `x == null`, which means null or undefined.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A case holding only a comment is a deliberate group of cases (the comment says why), never a
      // forgotten break; fall-through after code is still reported.
      'no-fallthrough': ['error', { allowEmptyCase: true }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // An unused binding is dead code or a bug, except a deliberate `_name`: a parameter a callback's
      // signature requires, or a property taken out of an object to drop it (`const { token: _token, ...rest } = x`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
