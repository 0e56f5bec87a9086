import { AI_INVOCATION_META } from '../../src/gateway/ai-invocation';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { eventsOfType } from './support/ledger-reader';
import { startHarness, type Harness } from './support/gateway-harness';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';
import { runCli } from './support/tamper';

/** `warden costs` over GET /v1/costs of a real gateway, after real governed calls to a real upstream. */
describe('warden costs (CLI)', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let agentId: string;
  let agentKey: string;
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const cli = (key: string, ...args: string[]) => runCli(['costs', ...args], { env: { WARDEN_API: h.url, WARDEN_KEY: key } });

  /** A 2026-07-28 tools/call carrying SEP-2817 context (model as the SEP's object) and warden's workflowId. */
  const call = (tool: string, workflowId?: string) =>
    rawPost(
      `${h.url}/mcp/notes`,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: tool,
          arguments: tool === 'echo' ? { text: 'hi' } : { id: 'n' },
          _meta: { ...modernMeta, [AI_INVOCATION_META]: { model: { name: 'example-model' }, turnId: 't-1', ...(workflowId ? { workflowId } : {}) } },
        },
      },
      { ...modernHeaders('tools/call', tool), authorization: `Bearer ${agentKey}` },
    );

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    const server = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(server.serverId, 'echo', 'read');
    await h.api.approve(server.serverId, 'read_note', 'read');
    ({ apiKey: agentKey, agent: { agentId } } = await h.api.registerAgent('spender'));
    const applied = await h.api.request('PUT', '/v1/limits?baseVersion=0', {
      currency: 'USD',
      costs: [{ server: 'notes', tool: 'echo', amount: 0.25 }, { server: 'notes', tool: 'read_note', amount: 0.013 }],
    });
    expect(applied.status).toBe(200);
    for (const [tool, workflow] of [['echo', 'wf-a'], ['echo', 'wf-a'], ['echo', undefined], ['read_note', 'wf-b']] as const) {
      const res = await call(tool, workflow);
      expect(res.status).toBe(200);
      expect(res.body.result).toBeDefined();
    }
    await h.settled();
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  it('the SEP-2817 context is recorded: model name and turnId, the workflow from workflowId', () => {
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.agentId === agentId);
    expect(decided).toHaveLength(4);
    expect(decided[0].data.aiInvocation).toEqual({ workflowId: 'wf-a', turnId: 't-1', model: 'example-model' });
    expect(decided.map((e) => e.data.workflow ?? null)).toEqual(['wf-a', 'wf-a', null, 'wf-b']);
  });

  it('by tool (the default): a table, largest first, with a total', async () => {
    const result = await cli(h.adminKey, '--to', until);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^costs by tool, \S+ to \S+$/);
    expect(lines[1].split(/\s+/)).toEqual(['SERVER', 'TOOL', 'CURRENCY', 'AMOUNT', 'CALLS']);
    expect(lines[2].split(/\s+/).slice(1)).toEqual(['echo', 'USD', '0.75', '3']);
    expect(lines[3].split(/\s+/).slice(1)).toEqual(['read_note', 'USD', '0.013', '1']);
    expect(lines[4].split(/\s+/)).toEqual(['TOTAL', 'USD', '0.763', '4']);
    expect(lines).toHaveLength(5);
  });

  it('by workflow: calls without one are "(none)"; --json is the API answer', async () => {
    const table = await cli(h.adminKey, '--by', 'workflow', '--to', until);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n').slice(2).map((l) => l.split(/\s+/));
    expect(rows).toEqual([
      ['wf-a', 'USD', '0.5', '2'],
      ['(none)', 'USD', '0.25', '1'],
      ['wf-b', 'USD', '0.013', '1'],
      ['TOTAL', 'USD', '0.763', '4'],
    ]);
    const json = await cli(h.adminKey, '--by', 'agent', '--from', '1h', '--to', until, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ by: 'agent', until, rows: [{ key: { agentId }, currency: 'USD', amount: 0.763, calls: 4 }] });
  });

  it('by day and org, for an auditor; an empty range says so', async () => {
    const { apiKey: auditor } = await h.api.createUser('auditor-1', ['auditor']);
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await cli(auditor, '--by', 'day', '--to', until);
    expect(byDay.code).toBe(0);
    expect(byDay.stdout).toContain(today);
    const byOrg = await cli(auditor, '--by', 'org', '--to', until);
    expect(byOrg.stdout.split('\n')[2].split(/\s+/)).toEqual([h.orgId, 'USD', '0.763', '4']);
    const empty = await cli(auditor, '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-02T00:00:00Z');
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('no costs recorded in this range');
  });

  it('bad usage exits 2 before any request; a refused request exits 1 with the problem, never the key', async () => {
    const badBy = await cli(h.adminKey, '--by', 'model');
    expect(badBy.code).toBe(2);
    expect(badBy.stderr).toContain('--by must be one of tool, agent, workflow, org, day');
    const noKey = await runCli(['costs'], { env: { WARDEN_API: h.url, WARDEN_KEY: '' } });
    expect(noKey.code).toBe(2);
    const badFrom = await cli(h.adminKey, '--from', 'yesterday');
    expect(badFrom.code).toBe(1);
    expect(badFrom.stdout).toContain('VALIDATION.FAILED');
    const asAgent = await cli(agentKey);
    expect(asAgent.code).toBe(1);
    expect(asAgent.stdout).toContain('refused (401)');
    expect(asAgent.stdout + asAgent.stderr).not.toContain(agentKey);
  });
});
