import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // overlays/ holds AssemblyScript, which is not TypeScript: asc checks it (npm run build:overlays).
  { ignores: ['dist/', 'node_modules/', 'forge-data/', 'overlays/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The dashboard: browser modules, served as they are.
    files: ['dashboard/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        WebSocket: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URLSearchParams: 'readonly',
        history: 'readonly',
        Date: 'readonly',
      },
    },
  },
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
