// Type-aware checks the compiler does not make: every promise in the service is awaited, caught
// or explicitly let go with `void`, and none is passed where a callback's result is ignored (an
// async `socket.on` handler whose rejection nobody hears). `npm run lint`; the architecture tests run it too.
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['src/**/*.ts'],
  ignores: ['**/*.test.ts'],
  languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  plugins: { '@typescript-eslint': tseslint.plugin },
  linterOptions: { reportUnusedDisableDirectives: 'error' },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-misused-promises': 'error',
  },
});
