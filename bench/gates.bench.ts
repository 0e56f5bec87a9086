import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@warden/ledger';
import { freeLoopbackPort } from '../test/fixtures/loopback-http';
import type { Agent } from '../src/agents/agents.read-model';
import type { CallContext, Gate } from '../src/gateway/tool-call/gate';
import { GateRegistry } from '../src/gateway/tool-call/gate-registry';
import { systemClock } from '../src/ledger/clock';
import type { ReadModelProjector } from '../src/ledger/read-model-projector';
import { CostLedger } from '../src/limits/cost-ledger';
import { LimitCounters } from '../src/limits/limit-counters';
import type { LimitSet } from '../src/limits/limit-set';
import { LimitSetsReadModel } from '../src/limits/limit-sets.read-model';
import { RateLimitGate } from '../src/limits/rate-limit.gate';
import { SpendCapGate } from '../src/limits/spend-cap.gate';
import type { RegisteredServer, RegisteredTool } from '../src/registry/servers.read-model';
import type { GatewayChildInfo } from './gateway-child';
import type { UpstreamChildInfo } from './upstream-child';
import type { BenchOptions } from './support/bench-options';
import { BenchChild } from './support/child-rpc';
import { cpuMsBetween, type CpuSample } from './support/child-probes';
import { waitForQuietHost } from './support/host-load';
import { concurrent, sequential, warmUp, type LoadResult } from './support/load';
import { connectRaw, type RawRpcClient } from './support/raw-rpc';
import { environment, type BenchReport, type Table } from './support/report';
import { round } from './support/stats';

/**
 * What the three content gates cost per call with 50 rules each loaded — policy (50 CEL rules),
 * guardrails (50 rules: built-in detectors, RE2 patterns, keywords; arguments and results) and
 * limits / spend (30 rate limits, 20 spend caps, fixed costs) — through the real gateway, beside
 * the same gateway with no rules and the same client straight to the upstream, in one run; then a
 * microbench of the two limit gates alone (checks/s, no HTTP, no ledger).
 */
export const GATES_BENCH = 'gates';
const RULES = 50;
const ECHO_ARGS = { text: 'benchmark call', n: 42 };

export async function runGatesBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const log = options.log;
  const scale = options.quick ? { warmUp: 50, sequential: 200, clients: 16, perClient: 10 } : options.long ? { warmUp: 200, sequential: 2000, clients: 16, perClient: 100 } : { warmUp: 200, sequential: 1000, clients: 16, perClient: 50 };
  const upstream = await BenchChild.start<UpstreamChildInfo>(join(__dirname, 'upstream-child.js'), { args: ['modern'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-gates-'));
  const budget = { remainingMs: 30_000 };
  const series: Array<{ label: string; seq: LoadResult; conc: LoadResult; gwCpuMsPerCall: number | null }> = [];
  let gateway: BenchChild<GatewayChildInfo> | undefined;
  try {
    const port = await freeLoopbackPort();
    gateway = await BenchChild.start<GatewayChildInfo>(join(__dirname, 'gateway-child.js'), {
      env: { ...process.env, WARDEN_DATA_DIR: dataDir, WARDEN_HOST: '127.0.0.1', WARDEN_PORT: String(port), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_LOG_LEVEL: 'warn' },
      timeoutMs: 60_000,
    });
    const api = adminApi(gateway.info.url, gateway.info.adminKey);
    const server = await api('POST', '/v1/servers', { name: 'bench modern', slug: 'modern', url: upstream.info.url }, 201);
    await api('POST', `/v1/servers/${server.serverId}/tools/echo/approve`, { riskClass: 'read' }, 200);
    const agent = await api('POST', '/v1/agents', { name: 'bench agent' }, 201);
    const governedUrl = `${gateway.info.url}/mcp/modern`;
    const headers = { authorization: `Bearer ${agent.apiKey}` };
    const versions = { policies: 0, guardrails: 0, limits: 0 };
    const applySets = async (loaded: boolean) => {
      versions.policies = (await api('PUT', `/v1/policies?baseVersion=${versions.policies}`, loaded ? policySet() : { defaults: { read: 'allow', write: 'allow', destructive: 'step_up' }, rules: [] }, 200)).version;
      versions.guardrails = (await api('PUT', `/v1/guardrails?baseVersion=${versions.guardrails}`, loaded ? guardrailSet() : { rules: [] }, 200)).version;
      versions.limits = (await api('PUT', `/v1/limits?baseVersion=${versions.limits}`, loaded ? limitSet(agent.agent.agentId) : {}, 200)).version;
    };
    const measure = async (label: string, url: string, hdrs: Record<string, string> | undefined, gw: BenchChild<GatewayChildInfo> | null) => {
      const one = await connectRaw({ url, era: 'modern', headers: hdrs });
      const call = () => one.callTool('echo', ECHO_ARGS);
      let seq: LoadResult;
      let before: CpuSample | null = null;
      try {
        await warmUp([call], scale.warmUp);
        await waitForQuietHost(budget, log);
        before = gw ? await gw.call<CpuSample>('cpu') : null;
        seq = await sequential(call, scale.sequential);
      } finally {
        await one.close();
      }
      const after = gw && before ? await gw.call<CpuSample>('cpu') : null;
      const many: RawRpcClient[] = await Promise.all(Array.from({ length: scale.clients }, () => connectRaw({ url, era: 'modern', headers: hdrs })));
      try {
        const calls = many.map((c) => () => c.callTool('echo', ECHO_ARGS));
        await warmUp(calls, scale.clients * 5);
        await waitForQuietHost(budget, log);
        const conc = await concurrent(calls, scale.perClient);
        const gwCpuMsPerCall = before && after ? round(cpuMsBetween(before, after).totalMs / seq.calls, 3) : null;
        series.push({ label, seq, conc, gwCpuMsPerCall });
        log(`gates: ${label}: p50 ${seq.latencyMs.p50} ms sequential, ${conc.callsPerSecond} calls/s with ${scale.clients} clients`);
      } finally {
        await Promise.all(many.map((c) => c.close().catch(() => undefined)));
      }
    };
    await applySets(false);
    // Twice each, interleaved: the spread between the two runs of one configuration is the noise.
    await measure('direct (1)', upstream.info.url, undefined, null);
    for (const round_ of [1, 2]) {
      await applySets(false);
      await measure(`governed, no rules (${round_})`, governedUrl, headers, gateway);
      await applySets(true);
      await measure(`governed, ${RULES} policy + ${RULES} guardrail + ${RULES} limit rules (${round_})`, governedUrl, headers, gateway);
    }
    await measure('direct (2)', upstream.info.url, undefined, null);
  } finally {
    await gateway?.stop();
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const median2 = (prefix: string, pick: (s: (typeof series)[number]) => number) => {
    const values = series.filter((s) => s.label.startsWith(prefix)).map(pick);
    return round(values.reduce((a, b) => a + b, 0) / values.length, 3);
  };
  const directP50 = median2('direct', (s) => s.seq.latencyMs.p50);
  const emptyP50 = median2('governed, no rules', (s) => s.seq.latencyMs.p50);
  const loadedP50 = median2(`governed, ${RULES}`, (s) => s.seq.latencyMs.p50);
  const directThr = median2('direct', (s) => s.conc.callsPerSecond);
  const rows: Table['rows'] = series.map((s) => [
    s.label,
    s.seq.latencyMs.p50,
    s.seq.latencyMs.p99,
    s.label.startsWith('direct') ? '' : round(s.seq.latencyMs.p50 - directP50, 3),
    s.conc.callsPerSecond,
    round(s.conc.callsPerSecond / directThr, 2),
    s.gwCpuMsPerCall ?? '',
  ]);
  const micro = limitsMicrobench(options.quick ? 50_000 : options.long ? 1_000_000 : 300_000);
  log(`gates: limits microbench: ${micro.map((m) => `${m.label} ${m.checksPerSecond}/s`).join(', ')}`);
  return {
    bench: GATES_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { scale, rules: { policy: RULES, guardrails: RULES, limits: RULES }, synchronous: 'NORMAL', client: 'raw HTTP 2026-07-28 → SDK 2.x upstream' },
    figures: { series, directP50, emptyP50, loadedP50, gatesAddedP50Ms: round(loadedP50 - emptyP50, 3), micro },
    tables: [
      { title: 'tools/call echo: direct, governed without rules, governed with 50 rules in each of the three gates (mean of 2 runs each)', columns: ['series', 'p50 ms', 'p99 ms', 'Δp50 vs direct ms', 'calls/s (16 clients)', 'thr ratio vs direct', 'gw CPU ms/call (seq)'], rows },
      { title: 'summary (sequential p50)', columns: ['what', 'ms'], rows: [['direct', directP50], ['governed, no rules: Δ vs direct', round(emptyP50 - directP50, 3)], ['governed, 3 × 50 rules: Δ vs direct', round(loadedP50 - directP50, 3)], ['added by the rules (loaded − no rules)', round(loadedP50 - emptyP50, 3)]] },
      { title: 'limit gates alone (in-process, no HTTP, no ledger): evaluate + settle per check', columns: ['gates', 'limits', 'checks/s', 'µs/check', 'ratio vs no limits'], rows: micro.map((m) => [m.label, m.limits, m.checksPerSecond, m.usPerCheck, m.ratio]) },
    ],
    targets: [],
    notes: [
      'one gateway process (synchronous=NORMAL), the upstream and the load generator share the host; the rule sets are applied through the command API between series, each configuration measured twice, interleaved',
      'rules chosen to select the measured call where they can and to let it pass (a deny would end the measurement): CEL conditions that are evaluated and false, guardrails that scan arguments and results and find nothing, limits far above the load',
    ],
  };
}

function adminApi(baseUrl: string, key: string) {
  return async (method: string, path: string, body: unknown, expected: number): Promise<any> => {
    const response = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** 50 CEL rules: some on the measured tool, evaluated and false; others on other servers, tools, labels. */
function policySet(): unknown {
  const rules = Array.from({ length: RULES }, (_, i) => {
    switch (i % 5) {
      case 0:
        return { id: `p${i}`, server: 'modern', tool: 'echo', when: `has(mcp.tool.arguments.path) && mcp.tool.arguments.path.startsWith("/etc/${i}")`, decision: 'deny' };
      case 1:
        return { id: `p${i}`, server: 'modern', when: `has(mcp.tool.arguments.count) && mcp.tool.arguments.count > ${1000 + i}.0`, decision: 'step_up' };
      case 2:
        return { id: `p${i}`, labels: { team: `team-${i}` }, decision: 'observe' };
      case 3:
        return { id: `p${i}`, tool: `tool_${i}`, decision: 'deny' };
      default:
        return { id: `p${i}`, server: 'modern', tool: 'echo', when: `mcp.tool.arguments.text == "forbidden-${i}"`, decision: 'deny' };
    }
  });
  return { defaults: { read: 'allow', write: 'allow', destructive: 'step_up' }, rules };
}

/** 50 guardrail rules: built-in detectors (warn / redact), RE2 patterns and keywords, org-wide and on the measured server. */
function guardrailSet(): unknown {
  const builtIns = ['secrets', 'email', 'phone', 'payment_card', 'iban', 'us_ssn', 'ip_address', 'prompt_injection', 'invisible_unicode', 'pii', 'injection'];
  const rules: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 30; i++) rules.push({ id: `g-builtin-${i}`, detector: builtIns[i % builtIns.length], action: i % 2 ? 'warn' : 'redact', ...(i % 3 === 0 ? { server: 'modern' } : {}) });
  for (let i = 0; i < 12; i++) rules.push({ id: `g-custom-${i}`, detector: 'regex', pattern: `(?i)(?:proj|ticket)-${i}[0-9]{4,8}`, kind: 'internal_code', action: 'redact' });
  for (let i = 0; i < 8; i++) rules.push({ id: `g-keywords-${i}`, detector: 'keyword', keywords: [`codename${i}`, `confidential-${i}`], action: 'warn' });
  return { rules };
}

/** 30 rate limits and 20 spend caps, far above the load; most select the measured call, in every combination. */
function limitSet(agentId: string): LimitSet {
  const big = 1_000_000_000;
  const rates = Array.from({ length: 30 }, (_, i) => {
    const shape = [
      { agent: agentId },
      { server: 'modern', per: ['agent'] },
      { server: 'modern', tool: 'echo', per: ['agent'] },
      { per: ['tool'] },
      {},
      { server: 'other' },
    ][i % 6];
    return { id: `rate-${i}`, ...shape, rpm: big, ...(i % 2 ? { rph: big } : {}), ...(i % 3 ? { daily: big } : {}) };
  });
  const caps = Array.from({ length: 20 }, (_, i) => {
    const shape = [{ agent: agentId }, { per: ['workflow'] }, { server: 'modern', tool: 'echo', per: ['agent', 'workflow'] }, {}, { workflow: 'nightly' }][i % 5];
    return { id: `cap-${i}`, ...shape, daily: big, ...(i % 2 ? { monthly: big } : {}) };
  });
  return { rates, currency: 'USD', costs: [{ server: 'modern', tool: 'echo', amount: 0.0001 }], caps } as LimitSet;
}

/** The rate-limit and spend-cap gates alone, 0 and 50 limits loaded: evaluate + settle (the reservation released, as a call not recorded). */
export function limitsMicrobench(checks: number) {
  const noProjector = { register: () => undefined } as unknown as ReadModelProjector;
  const run = (limits: LimitSet | undefined, which: 'rate' | 'spend' | 'both') => {
    const sets = new LimitSetsReadModel(noProjector);
    if (limits) sets.apply({ type: 'LimitSetApplied', org: 'o1', at: new Date().toISOString(), actor: { kind: 'user', id: 'bench' }, data: { version: 1, digest: 'bench', set: limits, baseVersion: 0 } } as unknown as EventEnvelope);
    const counters = new LimitCounters(noProjector, new CostLedger());
    const registry = new GateRegistry();
    const gates: Gate[] = [];
    if (which !== 'spend') gates.push(new RateLimitGate(sets, counters, systemClock, registry));
    if (which !== 'rate') gates.push(new SpendCapGate(sets, counters, systemClock, registry));
    const tools = new Map<string, RegisteredTool>([['echo', { name: 'echo', state: 'approved', riskClass: 'read', definition: { name: 'echo' }, definitionDigest: 'd' }]]);
    const server = { serverId: 'srv-modern', orgId: 'o1', slug: 'modern', name: 'm', url: 'http://127.0.0.1:1/mcp', protocolVersion: null, status: 'active', revision: 0, registeredAt: '', updatedAt: '', health: { status: 'healthy', reason: null, since: '' }, hasCredential: false, tools } as unknown as RegisteredServer;
    const agent: Agent = { agentId: 'a1', orgId: 'o1', name: 'bench-agent', hint: '', servers: null, labels: {}, status: 'active', revision: 0, registeredAt: '', updatedAt: '' };
    const contexts: CallContext[] = Array.from({ length: 64 }, (_, i) => ({ agent, requestedName: 'echo', server, tool: tools.get('echo')!, toolName: 'echo', method: 'tools/call', arguments: ECHO_ARGS, at: new Date(), callId: `c${i}`, ...(i % 2 ? { workflow: `wf-${i % 8}` } : {}) }) as CallContext);
    let sink = 0;
    const once = (i: number) => {
      const ctx = contexts[i % contexts.length];
      for (const g of gates) {
        sink += g.evaluate(ctx).decision === 'allow' ? 1 : 0;
        g.settle?.(ctx, 'allow', false);
      }
    };
    for (let i = 0; i < Math.min(20_000, checks); i++) once(i); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < checks; i++) once(i);
    const seconds = (performance.now() - t0) / 1000;
    if (sink < 0) throw new Error('unreachable');
    return { checksPerSecond: Math.round(checks / seconds), usPerCheck: round((seconds * 1e6) / checks, 3) };
  };
  const loaded = limitSet('a1');
  const base = run(undefined, 'both');
  const results = [
    { label: 'rate + spend', limits: 0, ...base },
    { label: 'rate-limit gate', limits: loaded.rates.length, ...run(loaded, 'rate') },
    { label: 'spend-cap gate', limits: loaded.caps.length, ...run(loaded, 'spend') },
    { label: 'rate + spend', limits: loaded.rates.length + loaded.caps.length, ...run(loaded, 'both') },
  ];
  return results.map((r) => ({ ...r, ratio: round(r.checksPerSecond / base.checksPerSecond, 3) }));
}
