import { compileGuardrailSet, guardrailSetDigest, parseGuardrailSet, scanContent, type GuardrailRule, type GuardrailSet } from '@warden/guardrails';
import type { BenchOptions } from './support/bench-options';
import { environment, target, type BenchReport } from './support/report';
import { round } from './support/stats';

export const GUARDRAILS_BENCH = 'guardrails';
/** A 1 MiB payload scanned in at most 250 ms: the added latency a large result may cost. */
const TARGET_MB_S = 4.2;
const SIZES = [1024, 64 * 1024, 1024 * 1024];

/**
 * Guardrail scan throughput (MB/s of JSON payload) with 50 rules loaded — every built-in
 * detector, groups, custom RE2 patterns and keywords, org-wide and scoped — on realistic tool
 * results (prose, JSON records, a few e-mails and ids) of 1 KiB, 64 KiB and 1 MiB, plus an
 * adversarial payload built to make backtracking regexes slow.
 */
export async function runGuardrailsBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const parsed = parseGuardrailSet(buildSet());
  if (!parsed.ok) throw new Error(`bench set invalid: ${JSON.stringify(parsed.issues[0])}`);
  const compiled = compileGuardrailSet(parsed.set, { version: 1, digest: guardrailSetDigest(parsed.set) });
  const budgetMs = options.quick ? 300 : options.long ? 4000 : 1500;
  options.log(`guardrails: ${compiled.rules.length} rules, ${budgetMs} ms per payload`);
  const rows: Array<[string, number, number, number]> = [];
  const figures: Record<string, { bytes: number; scans: number; mbPerSecond: number; findings: number }> = {};
  const payloads: Array<[string, unknown]> = [...SIZES.map((bytes) => [`realistic ${label(bytes)}`, realisticResult(bytes)] as [string, unknown]), ['adversarial 1 MiB', adversarialResult(1024 * 1024)]];
  for (const [name, payload] of payloads) {
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    const scan = () => scanContent(compiled, { method: 'tools/call', where: 'results', serverSlug: 'notes', tool: 'read_note' }, payload, '$', { maxBytes: 8 << 20 });
    const findings = scan().findings.length;
    let scans = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < budgetMs || scans < 3) {
      scan();
      scans += 1;
    }
    const seconds = (performance.now() - t0) / 1000;
    const mbPerSecond = round((bytes * scans) / seconds / 1e6, 1);
    figures[name] = { bytes, scans, mbPerSecond, findings };
    rows.push([name, bytes, scans, mbPerSecond]);
    options.log(`guardrails: ${name}: ${mbPerSecond} MB/s`);
  }
  const slowestRealistic = Math.min(...SIZES.map((b) => figures[`realistic ${label(b)}`].mbPerSecond));
  return {
    bench: GUARDRAILS_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { rules: compiled.rules.length, budgetMs },
    figures,
    tables: [{ title: 'guardrail scan throughput, 50 rules', columns: ['payload', 'bytes', 'scans', 'MB/s'], rows }],
    targets: [
      target('realistic payloads, slowest size', `≥ ${TARGET_MB_S} MB/s`, `${slowestRealistic} MB/s`, slowestRealistic >= TARGET_MB_S),
      target('adversarial payload (linear-time detectors)', `≥ ${TARGET_MB_S} MB/s`, `${figures['adversarial 1 MiB'].mbPerSecond} MB/s`, figures['adversarial 1 MiB'].mbPerSecond >= TARGET_MB_S),
    ],
    notes: ['one thread, no I/O: scanContent on an MCP tool result; MB = 10^6 bytes of its JSON'],
  };
}

const label = (bytes: number) => (bytes >= 1 << 20 ? `${bytes >> 20} MiB` : `${bytes >> 10} KiB`);

function buildSet(): GuardrailSet {
  const builtIns = ['secrets', 'email', 'phone', 'payment_card', 'iban', 'us_ssn', 'ip_address', 'prompt_injection', 'invisible_unicode', 'pii', 'injection'];
  const actions = ['warn', 'redact', 'block'] as const;
  const rules: GuardrailRule[] = [];
  for (let i = 0; rules.length < 30; i += 1) {
    rules.push({ id: `builtin-${i}`, detector: builtIns[i % builtIns.length], action: i % 7 === 0 ? 'block' : actions[i % 2], ...(i % 3 === 0 ? { server: 'notes' } : {}), ...(i % 9 === 0 ? { server: 'notes', tool: 'read_note' } : {}) });
  }
  for (let i = 0; i < 12; i += 1) rules.push({ id: `custom-${i}`, detector: 'regex', pattern: `(?i)(?:proj|ticket|case)-${i}[0-9]{4,8}`, kind: 'internal_code', action: 'redact' });
  for (let i = 0; i < 8; i += 1) rules.push({ id: `keywords-${i}`, detector: 'keyword', keywords: [`codename${i}`, `bluebird-${i}`, `confidential-${i}`], action: 'warn' });
  return { rules };
}

const PROSE =
  'The quarterly report covers revenue, churn and the migration of the billing service. Please review the attached figures before Friday; ' +
  'the previous numbers were revised after the audit. Contact finance@example.com with questions, or call +1 415 555 2671. ';

function realisticResult(bytes: number): unknown {
  const records: unknown[] = [];
  const text: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes / 2; i += 1) {
    const record = { id: `3f2b7c9e-8a1d-4e5f-9b2c-${String(100000000000 + i)}`, name: `customer ${i}`, note: i % 10 === 0 ? `reach at user${i}@example.org` : 'no issues', amount: (i * 37) % 1000, ticket: `TICKET-${i % 12}${1000 + i}` };
    records.push(record);
    size += JSON.stringify(record).length;
  }
  while (text.join('').length < bytes / 2) text.push(PROSE);
  return { content: [{ type: 'text', text: text.join('').slice(0, bytes / 2) }], structuredContent: { records } };
}

/** Long runs of the characters that make naive token regexes backtrack: eyJ-…, digits with separators, '@' without a domain, '<!--' without an end. */
function adversarialResult(bytes: number): unknown {
  const unit = 'eyJ-eyJ-1 2 3 4 5 6 7 8 9 0 a@a@a@ <!-- [x](](]( "ignore ';
  return { content: [{ type: 'text', text: unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes) }] };
}
