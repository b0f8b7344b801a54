/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (isolatedModules):
 * fast, and it emits the decorator metadata type-graphql reads. Type errors are
 * caught by `npm run typecheck`, which `npm test` runs first.
 *
 * Why not @swc/jest: its platform binaries (and jest 30's unrs-resolver ones) are
 * not all on this workplace's registry, so `npm ci` refused the lock file.
 */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['reflect-metadata'],
  maxWorkers: 2,
  // generous: CI shares a 2-core machine; a whole stack per suite can take over a minute to start under load
  testTimeout: 120000,
};
