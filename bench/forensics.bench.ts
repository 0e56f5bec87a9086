import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@warden/ledger';
import { SqliteForensicIndex, type CallFilter, type ForensicIndexWrite } from '@warden/forensic-index';
import { indexWorkOf } from '../src/forensics/index-work';
import { searchableText } from '../src/forensics/searchable-text';
import type { BenchOptions } from './support/bench-options';
import { environment, type BenchReport, type Table } from './support/report';
import { round, summarise } from './support/stats';

/**
 * Forensic index figures (issue 17): N calls (decision + outcome, arguments and result text)
 * indexed through the projection's own steps (event → index writes, payload → searchable text,
 * batched transactions into the SQLite index file), then query latency: full-text queries (a
 * rare id, a common word) against indexed-column filters, in the same run and the same file.
 */
export const FORENSICS_BENCH = 'forensics';

const WORDS = ['invoice', 'summary', 'contract', 'meeting', 'roadmap', 'budget', 'review', 'draft', 'customer', 'incident', 'release', 'policy', 'audit', 'forecast', 'ticket', 'report'];
const BATCH = 256;

function envelopes(i: number): [EventEnvelope, EventEnvelope] {
  const callId = `0190a0b0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
  const at = new Date(Date.UTC(2026, 11, 1) + i * 10).toISOString().replace('Z', '000Z');
  const base = { v: 1, stream: 'calls-org-1-node-1', org: 'org-1', actor: { kind: 'agent', id: `agent-${i % 50}` }, prev: '', hash: '', sig: '' };
  const decided = {
    ...base,
    id: callId,
    type: 'ToolCallDecided',
    seq: 2 * i,
    at,
    payload: { digest: 'd' },
    data: { callId, agentId: `agent-${i % 50}`, serverId: `server-${i % 5}`, tool: `tool_${i % 20}`, decision: i % 10 === 0 ? 'deny' : 'allow', reasons: [], rules: i % 10 === 0 ? ['no-writes'] : [], protocolVersion: '2025-11-25', endpoint: '/mcp', requestId: String(i) },
  };
  const completed = { ...base, id: callId.replace('-8000-', '-9000-'), type: 'ToolCallCompleted', seq: 2 * i + 1, at, payload: { digest: 'd' }, data: { callId, latencyMs: i % 300, upstreamMs: 1, isError: false } };
  return [decided as unknown as EventEnvelope, completed as unknown as EventEnvelope];
}

function argumentsOf(i: number) {
  return { id: `doc-${i}`, text: `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} for customer ${i % 1000} about doc-${i}` };
}
function resultOf(i: number) {
  return { content: [{ type: 'text', text: `${WORDS[(i * 3) % 16]} stored as doc-${i}, ${WORDS[(i * 5) % 16]} attached` }] };
}

function latency(samples: number, run: (i: number) => number): { summary: ReturnType<typeof summarise>; rows: number } {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    rows += run(i);
    times.push(performance.now() - started);
  }
  return { summary: summarise(times), rows: round(rows / samples, 1) };
}

export async function runForensicsBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const calls = options.quick ? 10_000 : options.long ? 1_000_000 : 100_000;
  const samples = options.quick ? 200 : 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-forensics-'));
  const file = join(dir, 'forensics.db');
  const index = new SqliteForensicIndex({ file });
  try {
    options.log(`forensics: indexing ${calls.toLocaleString('en-US')} calls`);
    const buildStarted = performance.now();
    let writes: ForensicIndexWrite[] = [];
    for (let i = 0; i < calls; i++) {
      const [decided, completed] = envelopes(i);
      for (const [envelope, content] of [[decided, argumentsOf(i)], [completed, resultOf(i)]] as const) {
        const work = indexWorkOf(envelope)!;
        writes.push(...work.writes);
        const payload = work.payload!;
        writes.push({ kind: 'text', org: payload.org, callId: payload.callId, eventId: payload.eventId, text: searchableText(content, payload.root, payload.findingPaths) });
      }
      if ((i + 1) % BATCH === 0 || i === calls - 1) {
        index.write(2 * i + 2, writes);
        writes = [];
      }
    }
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const fileBytes = statSync(file).size;

    options.log('forensics: queries');
    const page = { limit: 50 };
    const search = (filter: CallFilter) => index.search('org-1', filter, page).calls.length;
    const pick = (i: number) => (i * 7919) % calls;
    const figures = {
      'indexed column: agent (newest 50)': latency(samples, (i) => search({ agent: `agent-${i % 50}` })),
      'indexed column: tool + decision deny (newest 50)': latency(samples, (i) => search({ tool: `tool_${(i % 2) * 10}`, decision: 'deny' })),
      'full text: a rare id ("doc-N", 1 call)': latency(samples, (i) => search({ q: `"doc-${pick(i)}"` })),
      'full text: rare id + agent filter': latency(samples, (i) => search({ q: `"doc-${pick(i)}"`, agent: `agent-${pick(i) % 50}` })),
      'full text: a common word (1 in 8 calls, newest 50)': latency(Math.max(20, samples / 10), (i) => search({ q: WORDS[i % 16] })),
    };
    const baseline = figures['indexed column: agent (newest 50)'].summary.p50;
    const rows = Object.entries(figures).map(([name, f]) => [name, f.rows, f.summary.p50, f.summary.p99, round(f.summary.p50 / baseline, 2)] as Array<string | number>);
    const queryTable: Table = { title: `Query latency over ${calls.toLocaleString('en-US')} indexed calls (ms; one SQLite connection, page of 50)`, columns: ['query', 'rows', 'p50', 'p99', 'p50 ÷ column filter'], rows };
    const buildTable: Table = {
      title: 'Index build (projection steps, batches of 256 calls, one transaction each)',
      columns: ['calls', 'seconds', 'calls/s', 'index file MiB'],
      rows: [[calls, round(buildSeconds, 1), round(calls / buildSeconds, 0), round(fileBytes / 1024 / 1024, 1)]],
    };
    return {
      bench: FORENSICS_BENCH,
      startedAt: new Date().toISOString(),
      seconds: round((performance.now() - started) / 1000, 1),
      environment: environment(),
      parameters: { calls, samples, batch: BATCH, pageSize: page.limit },
      figures: { buildCallsPerSecond: round(calls / buildSeconds, 0), fileBytes, queries: figures },
      tables: [buildTable, queryTable],
      targets: [],
      notes: [
        'Build throughput excludes reading payloads back from the payload store (AES-256-GCM decryption), which the live projection also does; it includes building the writes and the searchable text.',
        'Ratios are against the indexed-column agent filter measured in this run.',
      ],
    };
  } finally {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
