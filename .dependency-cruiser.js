/**
 * Layer rules of DESIGN.md §2/§7, checked in `npm run lint` (part of `npm test`):
 *   libs never import src; libs/ledger is pure (no Nest, no I/O, no other lib);
 *   adapters never import domain modules; deciders stay free of Nest and adapters;
 *   libs/egress decides without I/O (only its lookup, dispatcher and redirect files touch the network).
 */
module.exports = {
  forbidden: [
    {
      name: 'libs-never-import-src',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },
    {
      name: 'ledger-is-pure',
      comment: 'libs/ledger: no Nest, no file system, no network, no other lib: it must run in a browser',
      severity: 'error',
      from: { path: '^libs/ledger/src', pathNot: '\\.spec\\.ts$' },
      to: {
        path: ['^node_modules/@nestjs', '^libs/(event-store|payload-store|sqlite)', '^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|tls)$'],
      },
    },
    {
      name: 'egress-decision-is-pure',
      comment: 'libs/egress: the URL and address decision does no I/O; only the lookup, dispatcher and redirect files resolve or connect',
      severity: 'error',
      from: { path: '^libs/egress/src', pathNot: ['\\.spec\\.ts$', '^libs/egress/src/testing/', '^libs/egress/src/(checked-lookup|egress-dispatcher|follow-redirects|index)\\.ts$'] },
      to: { path: ['^node_modules/(undici|@nestjs)', '^libs/(event-store|payload-store|sqlite|ledger)', '^(node:)?(fs|dns|http|https|child_process|worker_threads|dgram|tls)$'] },
    },
    {
      name: 'egress-stands-alone',
      comment: 'libs/egress imports no other lib and no Nest: the pool, OAuth and health checks all call it',
      severity: 'error',
      from: { path: '^libs/egress/src' },
      to: { path: ['^node_modules/@nestjs', '^libs/(event-store|payload-store|sqlite|ledger)'] },
    },
    {
      name: 'policy-is-pure',
      comment: 'libs/policy: the policy model, its validation, CEL compilation and evaluation — no Nest, no I/O, no store',
      severity: 'error',
      from: { path: '^libs/policy/src' },
      to: {
        path: ['^node_modules/@nestjs', '^libs/(event-store|payload-store|sqlite)', '^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|tls)$'],
      },
    },
    {
      name: 'guardrails-are-pure',
      comment: 'libs/guardrails: detectors, the structural walker, redaction and rule sets — no Nest, no I/O, no store; custom patterns through RE2 only',
      severity: 'error',
      from: { path: '^libs/guardrails/src' },
      to: {
        path: ['^node_modules/@nestjs', '^libs/(event-store|payload-store|sqlite|policy|egress)', '^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|tls|dns)$'],
      },
    },
    {
      name: 'deciders-are-pure',
      comment: 'decide/evolve functions import no Nest and no adapter',
      severity: 'error',
      from: { path: '\\.decider\\.ts$' },
      to: { path: ['^node_modules/@nestjs', '^libs/(event-store|payload-store|sqlite)', '^node_modules/better-sqlite3'] },
    },
    {
      name: 'src-uses-ports-not-adapters',
      comment: 'capability modules reach stores through the ports; only the ledger module wires adapters',
      severity: 'error',
      from: { path: '^src/(tenancy|agents|registry|gateway|upstream|policy|guardrails)/' },
      to: { path: ['^libs/(event-store|payload-store)/src/sqlite', '^libs/sqlite', '^node_modules/better-sqlite3'] },
    },
    {
      name: 'anchor-uses-its-port',
      comment: 'src/anchor reaches its store through the port; only its module wires the SQLite adapter',
      severity: 'error',
      from: { path: '^src/anchor/', pathNot: ['^src/anchor/anchor\\.module\\.ts$', '\\.(int-)?spec\\.ts$'] },
      to: { path: ['^libs/anchor-store/src/sqlite', '^libs/sqlite', '^node_modules/better-sqlite3'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|libs)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist/' },
  },
};
