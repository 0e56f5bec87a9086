import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCHES } from './benches';
import type { BenchOptions } from './support/bench-options';
import { renderReport, writeReport, type BenchReport } from './support/report';
import { countProcessWarnings, warningCounts } from './support/warnings';

/**
 * `npm run bench [-- <name>…] [--quick | --long] [--profile]`: runs every benchmark (or the named ones),
 * writes bench/results/<bench>.json and prints a short table with PASS / MISS beside each target.
 * Names: gateway (gateway-call), ledger (ledger-append), verify, startup, sse (sse-parse), policy (policy-gate), merkle, anchor, auth (auth-lookup), guardrails, stdio (stdio-peer), export, checkpoints, gates, forensics.
 */

const USAGE = `usage: node dist/bench/run.js [gateway|ledger|verify|startup|sse|policy|merkle|anchor|auth|guardrails|stdio|export|checkpoints|gates|forensics …] [--quick | --long] [--profile]

  --quick    small counts (a smoke run)
  --long     larger counts (gateway: 2,000 sequential, 16 × 250 concurrent; ~2× the time)
  --profile  also profile the gateway under load (bench/results/profiles/*.cpuprofile)`;

async function main(): Promise<number> {
  countProcessWarnings();
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { quick: { type: 'boolean', default: false }, long: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const selected = positionals.length === 0 ? BENCHES : positionals.map((name) => BENCHES.find((b) => b.name === name || b.aliases.includes(name)));
  const unknown = positionals.filter((_, i) => !selected[i]);
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const options: BenchOptions = {
    quick: values.quick,
    long: values.long,
    profile: values.profile,
    // dist/bench/run.js → <repo>/bench/results
    resultsDir: join(__dirname, '..', '..', 'bench', 'results'),
    log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
  };
  let failed = 0;
  const rendered: string[] = [];
  for (const bench of selected as typeof BENCHES) {
    try {
      const report = await bench.run(options);
      const file = writeReport(options.resultsDir, report);
      const text = `${renderReport(report)}\n  → ${file}`;
      rendered.push(text);
      process.stdout.write(`\n${text}\n`);
    } catch (error) {
      failed += 1;
      process.stderr.write(`benchmark ${bench.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }
  const warnings = warningCounts();
  if (Object.keys(warnings).length > 0) process.stdout.write(`\nload generator process warnings (counted, not printed): ${JSON.stringify(warnings)}\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${String(error)}\n`);
    process.exit(1);
  },
);
