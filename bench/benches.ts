/** Every benchmark `npm run bench` knows, by name and aliases (bench/benches.spec.ts checks each *.bench.ts is here). */
import { AUTH_BENCH, runAuthBench } from './auth-lookup.bench';
import { GATEWAY_BENCH, runGatewayBench } from './gateway-call.bench';
import { LEDGER_BENCH, runLedgerBench } from './ledger-append.bench';
import { SSE_PARSE_BENCH, runSseParseBench } from './sse-parse.bench';
import { POLICY_GATE_BENCH, runPolicyGateBench } from './policy-gate.bench';
import { VERIFY_BENCH, runVerifyBench } from './verify.bench';
import { STARTUP_BENCH, runStartupBench } from './startup.bench';
import { MERKLE_BENCH, runMerkleBench } from './merkle.bench';
import { ANCHOR_BENCH, runAnchorBench } from './anchor.bench';
import { GUARDRAILS_BENCH, runGuardrailsBench } from './guardrails.bench';
import { GATES_BENCH, runGatesBench } from './gates.bench';
import { STDIO_PEER_BENCH, runStdioPeerBench } from './stdio-peer.bench';
import { EXPORT_BENCH, runExportBench } from './export.bench';
import { CHECKPOINTS_BENCH, runCheckpointsBench } from './checkpoints.bench';
import { FORENSICS_BENCH, runForensicsBench } from './forensics.bench';
import type { BenchOptions } from './support/bench-options';
import type { BenchReport } from './support/report';

export const BENCHES: Array<{ name: string; aliases: string[]; run: (options: BenchOptions) => Promise<BenchReport> }> = [
  { name: LEDGER_BENCH, aliases: ['ledger'], run: runLedgerBench },
  { name: VERIFY_BENCH, aliases: [], run: runVerifyBench },
  { name: STARTUP_BENCH, aliases: [], run: runStartupBench },
  { name: SSE_PARSE_BENCH, aliases: ['sse'], run: runSseParseBench },
  { name: GATEWAY_BENCH, aliases: ['gateway'], run: runGatewayBench },
  { name: POLICY_GATE_BENCH, aliases: ['policy'], run: runPolicyGateBench },
  { name: MERKLE_BENCH, aliases: [], run: runMerkleBench },
  { name: ANCHOR_BENCH, aliases: [], run: runAnchorBench },
  { name: AUTH_BENCH, aliases: ['auth'], run: runAuthBench },
  { name: GUARDRAILS_BENCH, aliases: [], run: runGuardrailsBench },
  { name: GATES_BENCH, aliases: [], run: runGatesBench },
  { name: STDIO_PEER_BENCH, aliases: ['stdio', 'peer'], run: runStdioPeerBench },
  { name: EXPORT_BENCH, aliases: ['verify-export'], run: runExportBench },
  { name: CHECKPOINTS_BENCH, aliases: [], run: runCheckpointsBench },
  { name: FORENSICS_BENCH, aliases: [], run: runForensicsBench },
];
