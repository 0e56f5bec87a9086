import type { EventEnvelope } from '@warden/ledger';
import type { PolicyRule, PolicySet } from '@warden/policy';
import type { Agent } from '../src/agents/agents.read-model';
import { FOUNDATION_GATES } from '../src/gateway/tool-call/foundation-gates';
import { combine, type CallContext, type Gate } from '../src/gateway/tool-call/gate';
import { GateRegistry } from '../src/gateway/tool-call/gate-registry';
import type { ReadModelProjector } from '../src/ledger/read-model-projector';
import { PoliciesReadModel } from '../src/policy/policies.read-model';
import { PolicyGate } from '../src/policy/policy.gate';
import { TrustReadModel } from '../src/trust/trust.read-model';
import type { WardenConfig } from '../src/config/warden-config';
import { systemClock } from '../src/ledger/clock';
import type { RegisteredServer, RegisteredTool } from '../src/registry/servers.read-model';
import type { BenchOptions } from './support/bench-options';
import { environment, target, type BenchReport } from './support/report';
import { round, summarise } from './support/stats';

export const POLICY_GATE_BENCH = 'policy-gate';
const TARGET_MEDIAN_US = 50;
const SERVERS = 10;
const TOOLS_PER_SERVER = 100;
const RULES = 100;

/**
 * The gate's own cost per call (no HTTP, no ledger): every gate of a tool call evaluated and
 * combined, with 100 rules and 1,000 tools loaded and the trust score read by the class
 * defaults, beside the foundation's gates alone.
 */
export async function runPolicyGateBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const calls = options.quick ? 20_000 : options.long ? 400_000 : 200_000;
  const servers = buildServers();
  const policies = new PoliciesReadModel({ register: () => undefined } as unknown as ReadModelProjector);
  policies.apply({ type: 'PolicySetApplied', org: 'o1', at: new Date().toISOString(), actor: { kind: 'user', id: 'bench' }, data: { version: 1, digest: 'bench', set: buildSet(), baseVersion: 0 } } as unknown as EventEnvelope);
  // The trust score in the facts: a registered, attested agent (a Map lookup and a small sum per call).
  const projector = { register: () => undefined, health: () => ({ position: 0 }) } as unknown as ReadModelProjector;
  const trust = new TrustReadModel(projector, { approvals: { trustMaxAgeMs: 86_400_000 } } as WardenConfig, systemClock);
  const at = new Date().toISOString();
  trust.apply({ type: 'AgentRegistered', org: 'o1', at, actor: { kind: 'user', id: 'bench' }, data: { agentId: 'a1' } } as unknown as EventEnvelope);
  trust.apply({ type: 'AgentTrustAttested', org: 'o1', at, actor: { kind: 'user', id: 'bench' }, data: { agentId: 'a1', score: 80, reason: 'bench' } } as unknown as EventEnvelope);
  const registry = new GateRegistry();
  new PolicyGate(policies, trust, registry);
  const agent: Agent = { agentId: 'a1', orgId: 'o1', name: 'bench-agent', hint: '', servers: null, labels: { team: 'bench' }, status: 'active', revision: 0, registeredAt: '', updatedAt: '' };
  const contexts: CallContext[] = Array.from({ length: 256 }, (_, i) => {
    const server = servers[i % SERVERS];
    const tool = [...server.tools.values()][(i * 7) % TOOLS_PER_SERVER];
    return { agent, requestedName: tool.name, server, tool, toolName: tool.name, method: 'tools/call', arguments: { path: i % 2 ? '/tmp/a' : '/srv/b', count: i }, at: new Date() };
  });
  options.log(`policy-gate: ${calls} calls per series, ${RULES} rules, ${SERVERS * TOOLS_PER_SERVER} tools`);
  const foundation = measure(FOUNDATION_GATES, contexts, calls);
  const withPolicy = measure(registry.for('tools/call'), contexts, calls);
  const table = {
    title: 'gate cost per call (µs)',
    columns: ['gates', 'p50 µs', 'p99 µs', 'mean µs'],
    rows: [
      ['foundation only', foundation.p50, foundation.p99, foundation.mean],
      [`foundation + policy (${RULES} rules, ${SERVERS * TOOLS_PER_SERVER} tools)`, withPolicy.p50, withPolicy.p99, withPolicy.mean],
    ],
  };
  return {
    bench: POLICY_GATE_BENCH,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { calls, rules: RULES, tools: SERVERS * TOOLS_PER_SERVER },
    figures: { foundation, withPolicy },
    tables: [table],
    targets: [target('policy gate median', `≤ ${TARGET_MEDIAN_US} µs`, `${withPolicy.p50} µs`, withPolicy.p50 <= TARGET_MEDIAN_US)],
    notes: ['timed in batches of 64 calls (a single call is below the timer’s resolution); figures are per call'],
  };
}

/** Per-call µs, timed over batches of 64 so that the timer's own cost and resolution do not dominate. */
function measure(gates: readonly Gate[], contexts: CallContext[], calls: number) {
  const batch = 64;
  const samples: number[] = [];
  let sink = 0;
  for (let i = 0; i < calls; i += batch) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) sink += combine(gates.map((g) => g.evaluate(contexts[(i + j) % contexts.length]))).reasons.length;
    samples.push(((performance.now() - t0) * 1000) / batch);
  }
  if (sink < 0) throw new Error('unreachable');
  const summary = summarise(samples.slice(Math.floor(samples.length / 10))); // first 10 %: warm-up
  return { p50: round(summary.p50, 2), p99: round(summary.p99, 2), mean: round(summary.mean, 2) };
}

function buildServers(): RegisteredServer[] {
  return Array.from({ length: SERVERS }, (_, s) => {
    const tools = new Map<string, RegisteredTool>();
    for (let t = 0; t < TOOLS_PER_SERVER; t++) {
      const name = `tool_${t}`;
      tools.set(name, { name, state: 'approved', riskClass: (['read', 'write', 'destructive'] as const)[t % 3], definition: { name }, definitionDigest: 'd' });
    }
    return { serverId: `srv-${s}`, orgId: 'o1', slug: `server-${s}`, name: `Server ${s}`, url: 'http://127.0.0.1:1/mcp', protocolVersion: null, status: 'active' as const, revision: 0, registeredAt: '', updatedAt: '', health: { status: 'healthy' as const, reason: null, since: '' }, hasCredential: false, tools };
  });
}

function buildSet(): PolicySet {
  const rules: PolicyRule[] = Array.from({ length: RULES }, (_, i) => {
    const server = `server-${i % SERVERS}`;
    switch (i % 4) {
      case 0:
        return { id: `r${i}`, server, tool: `tool_${i % TOOLS_PER_SERVER}`, when: 'mcp.tool.arguments.path.startsWith("/etc/")', decision: 'deny' };
      case 1:
        return { id: `r${i}`, server, when: 'has(mcp.tool.arguments.count) && mcp.tool.arguments.count > 1000.0', decision: 'step_up' };
      case 2:
        return { id: `r${i}`, labels: { team: `team-${i}` }, decision: 'observe' };
      default:
        return { id: `r${i}`, tool: `tool_${(i * 3) % TOOLS_PER_SERVER}`, when: 'request.time.getHours() >= 22', decision: 'step_up' };
    }
  });
  // The class defaults read the trust score, so every call's facts carry it (the trust projection's lookup is in the cost).
  return { defaults: { read: { decision: 'allow', when: 'trust >= 40' }, write: { decision: 'allow', when: 'trust >= 60' }, destructive: { decision: 'step_up' } }, rules };
}
