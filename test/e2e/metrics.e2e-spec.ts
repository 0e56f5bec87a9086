import type { LoggerService } from '@nestjs/common';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';

/** A logger that keeps warnings (the saturation alert) for the test to read. */
function warningsLogger(): LoggerService & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, log: () => undefined, error: () => undefined, warn: (message: unknown) => void warnings.push(String(message)) };
}

/** GET /metrics in the Prometheus text format: calls, decisions, latencies, ledger commits, pool, projection. */
describe('GET /metrics', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agent: Agent;
  let serverId: string;
  let agentKey: string;
  const logger = warningsLogger();
  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
    text.split('\n').find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `) ? Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)) : false);

  beforeAll(async () => {
    h = await startHarness({ WARDEN_POOL_MAX_CONCURRENT: '2', WARDEN_POOL_SATURATION_ALERT: '1' }, { logger });
    upstream = await startLegacyMcpServer();
    serverId = (await h.api.registerServer('Notes', 'notes', upstream.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    await h.api.approve(serverId, 'slow', 'read');
    agentKey = (await h.api.registerAgent('caller')).apiKey;
    agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
  });
  afterAll(async () => {
    await agent.close();
    await h.cleanup();
    await upstream.close();
  });

  it('counts calls and decisions, times them and the ledger commit, and never shows an argument or a key', async () => {
    const canary = 'canary-argument-7f3a9c';
    expect(JSON.parse(textOf(await agent.callTool('echo', { secret: canary })))).toEqual({ secret: canary });
    await expect(agent.callTool('read_note', { id: canary })).rejects.toMatchObject({ data: { reason: 'GATE.TOOL_IN_REVIEW' } });
    await expect(agent.callTool(`no_such_${canary}`, {})).rejects.toBeDefined();

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(text, 'warden_tool_calls_total', { server: serverId, tool: 'echo', outcome: 'completed' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_tool_calls_total', { server: serverId, tool: 'read_note', outcome: 'denied', code: 'GATE.TOOL_IN_REVIEW' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_decisions_total', { decision: 'allow', code: 'none' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_decisions_total', { code: 'GATE.TOOL_IN_REVIEW' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_tool_call_duration_seconds_count', { server: serverId, tool: 'echo' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_upstream_duration_seconds_count', { server: serverId, tool: 'echo' })).toMatch(/ 1$/);
    expect(sample(text, 'warden_ledger_commit_duration_seconds_count')).toMatch(/ [3-9]$/);
    expect(sample(text, 'warden_pool_session_open', { server: serverId })).toMatch(/ 1$/);
    expect(sample(text, 'warden_pool_reconnects', { server: serverId })).toMatch(/ 0$/);
    expect(sample(text, 'warden_projection_position')).toMatch(/ [1-9]\d*$/);
    expect(text).toContain('warden_projection_lag_seconds');
    expect(text).toContain('tool="(unknown)"');
    for (const secret of [canary, agentKey, h.adminKey]) expect(text).not.toContain(secret);
  });

  it('shows the pool busy, flags saturation at the alert threshold and logs a warning once', async () => {
    const calls = [agent.callTool('slow', { ms: 400 }), agent.callTool('slow', { ms: 400 }), agent.callTool('echo', { third: true })];
    let pool: any;
    for (let polls = 0; polls < 250 && !(pool?.active === 2 && pool?.waiters === 1); polls++) {
      pool = (await h.api.request('GET', `/v1/servers/${serverId}`)).body.pool; // until the three calls reached the pool
    }
    const busy = (await scrape()).text;
    await Promise.all(calls);
    expect(sample(busy, 'warden_pool_active_requests', { server: serverId })).toMatch(/ 2$/);
    expect(sample(busy, 'warden_pool_waiting_requests', { server: serverId })).toMatch(/ 1$/);
    expect(sample(busy, 'warden_pool_saturation', { server: serverId })).toMatch(/ 1$/);
    expect(sample(busy, 'warden_pool_saturation_alert', { server: serverId })).toMatch(/ 1$/);
    expect(logger.warnings.filter((w) => w.includes('saturated'))).toHaveLength(1);
    const after = (await scrape()).text;
    expect(sample(after, 'warden_pool_saturation_alert', { server: serverId })).toMatch(/ 0$/);
    expect((await h.api.request('GET', `/v1/servers/${serverId}`)).body.pool).toMatchObject({ state: 'open', active: 0, waiters: 0, maxConcurrent: 2, reconnects: 0 });
  });
});

describe('GET /metrics behind WARDEN_METRICS_TOKEN', () => {
  it('answers 401 without the token, even on loopback, and the metrics with it', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const h = await startHarness({ WARDEN_METRICS_TOKEN: token });
    try {
      const without = await fetch(`${h.url}/metrics`);
      expect(without.status).toBe(401);
      expect(((await without.json()) as { code: string }).code).toBe('METRICS.TOKEN_REQUIRED');
      const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('warden_tool_calls_total');
    } finally {
      await h.cleanup();
    }
  });
});
