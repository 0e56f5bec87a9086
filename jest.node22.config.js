/**
 * The unit tier (*.spec.ts) on Node 22, the `node` binary of the npm `node@22` package that
 * test/conformance pins (.ci/run installs it; run: test/conformance/node_modules/node/bin/node
 * node_modules/jest/bin/jest.js -c jest.node22.config.js). Here, node_modules is installed by Node
 * 20, so better-sqlite3 is compiled for Node 20 and cannot load on 22 (ERR_DLOPEN_FAILED): the
 * unit specs that open a SQLite database are left out below, and so are the integration,
 * contract and e2e tiers (all of them use SQLite). Everything else runs on 22.
 */
const base = require('./jest.config');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/{src,libs,test}/**/*.spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    // These open SQLite (better-sqlite3, a native module built for Node 20 here).
    '<rootDir>/libs/event-store/src/create-event-store.spec.ts',
    '<rootDir>/src/cli/verify-ledger.spec.ts',
  ],
};
