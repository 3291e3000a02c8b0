// eslint.config.js - `npm run lint`. Besides typescript-eslint's
// recommended rules and the rules of hooks, it holds the layout to what
// README.md says: a feature imports lib/, components/ and its own files,
// nothing of another feature; a page that composes several features (their
// data or their components) lives in app/pages and hands a feature's
// components the others' data as props; wire types and endpoints that
// several features read are lib's (lib/types.ts, lib/api/); lib/,
// components/ and test/ import no feature and not the app. The type-checked rule sets are left out: tsc already runs in
// `npm run build`, and they would double the lint's time.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';

// Every folder of src/features, so a new feature is fenced in at once.
const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

const boundaries = [
  ...features.map((f) => ({
    target: `./src/features/${f}`,
    from: './src/features',
    except: [`./${f}`],
    message: 'A feature imports only lib/, components/ and its own files: compose features in app/pages, share wire types and endpoints through lib/.',
  })),
  {
    target: './src/features',
    from: './src/app',
    message: 'app/ imports features, not the other way round.',
  },
  {
    target: ['./src/lib', './src/components', './src/workers', './src/test'],
    from: ['./src/features', './src/app'],
    message: 'Shared code imports no feature and not the app.',
  },
];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'e2e/shots'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'vite.config.ts'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'import/no-restricted-paths': ['error', { zones: boundaries }],
      // As tsc's noUnusedParameters: a leading _ marks a name left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['e2e/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['e2e/**/*.mjs'],
    // page.evaluate() callbacks run in the browser.
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
