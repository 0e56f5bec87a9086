/** Test tiers by suffix: *.spec.ts (unit, beside the code), *.int-spec.ts (real SQLite files),
 *  test/contract and test/e2e (real MCP SDK clients and servers over 127.0.0.1). */
const swc = ['@swc/jest', {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
}];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/{src,libs,test}/**/*.{spec,int-spec,e2e-spec,contract-spec}.ts'],
  moduleNameMapper: {
    '^@warden/ledger$': '<rootDir>/libs/ledger/src',
    '^@warden/event-store$': '<rootDir>/libs/event-store/src',
    '^@warden/payload-store$': '<rootDir>/libs/payload-store/src',
    '^@warden/sqlite$': '<rootDir>/libs/sqlite/src',
    '^@warden/egress$': '<rootDir>/libs/egress/src',
    '^@warden/policy$': '<rootDir>/libs/policy/src',
    '^@warden/anchor-store$': '<rootDir>/libs/anchor-store/src',
    '^@warden/snapshot-store$': '<rootDir>/libs/snapshot-store/src',
    '^@warden/guardrails$': '<rootDir>/libs/guardrails/src',
    '^@warden/forensic-index$': '<rootDir>/libs/forensic-index/src',
  },
  testTimeout: 30000,
};
